namespace SparseLmm.Mcmc;

/// <summary>How <see cref="MixedModelSampler.Sample"/> samples.</summary>
/// <param name="Draws">Draws kept per chain after the warmup.</param>
/// <param name="Chains">Independent chains, run in parallel within the thread budget.</param>
/// <param name="Warmup">Iterations discarded per chain before the draws (the sampler adapts its directions in the first
/// half); null: as many as <paramref name="Draws"/>.</param>
/// <param name="Seed">The random seed: the same seed gives the same draws on any number of threads.</param>
/// <param name="Prior">The priors (see <see cref="McmcPrior"/>).</param>
/// <param name="Level">The probability of the central posterior intervals.</param>
/// <param name="Threads">Most threads the chains may use; null: the fit's <see cref="FitOptions.Threads"/>.</param>
public sealed record McmcOptions(
    int Draws = 1000,
    int Chains = 4,
    int? Warmup = null,
    int Seed = 1,
    McmcPrior Prior = McmcPrior.HalfStudentT,
    double Level = 0.95,
    int? Threads = null)
{
    /// <summary>The defaults: 4 chains of 1,000 warmup iterations and 1,000 draws, seed 1.</summary>
    public static McmcOptions Default { get; } = new();
}
