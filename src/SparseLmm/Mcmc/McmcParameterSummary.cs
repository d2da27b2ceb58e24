namespace SparseLmm.Mcmc;

/// <summary>The posterior of one parameter over all chains' draws.</summary>
/// <param name="Name">Named as the bootstrap names them: <c>sd_(Intercept)|Subject</c>, <c>cor_Days.(Intercept)|Subject</c>,
/// <c>sigma</c>, the fixed effects' names, and <c>b_(Intercept)|Subject:308</c> for a random effect.</param>
/// <param name="Mean">Posterior mean.</param>
/// <param name="StandardDeviation">Posterior standard deviation.</param>
/// <param name="Lower">Lower end of the central interval (quantile (1 − level)/2).</param>
/// <param name="Upper">Upper end of the central interval (quantile (1 + level)/2).</param>
/// <param name="Rhat">Rank-normalised split R-hat (the larger of bulk and folded; Vehtari et al. 2021).</param>
/// <param name="BulkEss">Bulk effective sample size.</param>
/// <param name="TailEss">Tail effective sample size (of the 5% and 95% quantiles).</param>
public sealed record McmcParameterSummary(
    string Name, double Mean, double StandardDeviation, double Lower, double Upper, double Rhat, double BulkEss, double TailEss);
