namespace SparseLmm.Results;

/// <summary>An immutable fitted mixed model: estimates, variance components, likelihood, random effects and residuals.
/// Every list is copied into an immutable one when set (unless it already is one).</summary>
public sealed record MixedModelFit
{
    /// <summary>The formula as given.</summary>
    public required string Formula { get; init; }

    /// <summary>The response's label (left-hand side of the formula).</summary>
    public required string ResponseName { get; init; }

    /// <summary>The response distribution and its link (gaussian with the identity link for a linear mixed model).</summary>
    public Family Family { get; init; } = Family.Gaussian();

    /// <summary>The link function (the family's).</summary>
    public Link Link => Family.Link;

    /// <summary>REML, ML, Laplace or adaptive Gauss–Hermite.</summary>
    public required EstimationMethod Method { get; init; }

    /// <summary>Quadrature nodes (1 for Laplace and for linear models).</summary>
    public int QuadratureNodes { get; init; } = 1;

    /// <summary>Number of rows used (nobs).</summary>
    public required int ObservationCount { get; init; }

    /// <summary>Rows dropped because a used column was empty or NA.</summary>
    public required int DroppedRowCount { get; init; }

    /// <summary>Levels of each grouping factor, in the order of <see cref="VarianceComponents"/>.</summary>
    public required IReadOnlyList<GroupCount> GroupCounts { get; init => field = Frozen.List(value); }

    /// <summary>Fixed effects with standard errors.</summary>
    public required IReadOnlyList<FixedEffect> FixedEffects { get; init => field = Frozen.List(value); }

    /// <summary>Cov(β̂), p×p.</summary>
    public required IReadOnlyList<IReadOnlyList<double>> FixedEffectsCovariance { get; init => field = Frozen.Rows(value); }

    /// <summary>Fixed-effect columns dropped because X is rank deficient.</summary>
    public IReadOnlyList<string> AliasedFixedEffects { get; init => field = Frozen.List(value); } = [];

    /// <summary>θ: the relative covariance factors' lower triangles, terms ordered by number of levels (as lme4).</summary>
    public required IReadOnlyList<double> Theta { get; init => field = Frozen.List(value); }

    /// <summary>Residual standard deviation σ (or the dispersion's square root for Gamma); null for binomial and Poisson.</summary>
    public double? Sigma { get; init; }

    /// <summary>The residual variance function (nlme's varIdent) when one was fitted; null otherwise.</summary>
    public ResidualVarianceFit? ResidualVariance { get; init; }

    /// <summary>The residual correlation (nlme's corAR1) when one was fitted; null otherwise.</summary>
    public ResidualCorrelationFit? ResidualCorrelation { get; init; }

    /// <summary>Random-effects covariance per term: SDs and correlations, terms ordered by number of levels.</summary>
    public required IReadOnlyList<VarianceComponent> VarianceComponents { get; init => field = Frozen.List(value); }

    /// <summary>Conditional modes (BLUPs) per grouping factor, with conditional SDs.</summary>
    public required IReadOnlyDictionary<string, GroupRandomEffects> RandomEffects { get; init => field = Frozen.Dictionary(value); }

    /// <summary>Log-likelihood (the REML log-likelihood for a REML fit).</summary>
    public required double LogLikelihood { get; init; }

    /// <summary>Number of estimated parameters (fixed effects, θ, and σ where estimated).</summary>
    public required int DegreesOfFreedom { get; init; }

    /// <summary>Akaike's information criterion, −2ℓ + 2 df.</summary>
    public double Aic => -2 * LogLikelihood + 2 * DegreesOfFreedom;

    /// <summary>Bayesian information criterion, −2ℓ + log(n) df.</summary>
    public double Bic => -2 * LogLikelihood + Math.Log(ObservationCount) * DegreesOfFreedom;

    /// <summary>−2 log-likelihood for an ML (or GLMM) fit; null for REML, as lme4 reports it.</summary>
    public double? Deviance => Method == EstimationMethod.Reml ? null : -2 * LogLikelihood;

    /// <summary>The REML criterion at the optimum; null for other methods.</summary>
    public double? RemlCriterion => Method == EstimationMethod.Reml ? -2 * LogLikelihood : null;

    /// <summary>True when some random-effects covariance is singular (a diagonal of T at or near 0), like lme4's isSingular.</summary>
    public required bool IsSingular { get; init; }

    /// <summary>True when the optimiser met its convergence criterion and the check of its optimum from the criterion's
    /// derivatives (<see cref="OptimumCheck"/>) passed.</summary>
    public required bool Converged { get; init; }

    /// <summary>How the optimum was confirmed from the gradient and Hessian of the criterion there, over the parameters
    /// the search ran over (θ; with a residual structure also its log variance ratios and ρ; for a GLMM with nAGQ ≥ 1
    /// also β). Every fit makes the check; null only on a fit built without one (<c>with</c>).</summary>
    public OptimumCheck? OptimumCheck { get; init; }

    /// <summary>What the optimiser said when it stopped.</summary>
    public string OptimizerMessage { get; init; } = "";

    /// <summary>Notes for the user (rows dropped, columns aliased, singular fit, ...).</summary>
    public IReadOnlyList<string> Notes { get; init => field = Frozen.List(value); } = [];

    /// <summary>Fit time and objective evaluations.</summary>
    public required FitTiming Timing { get; init; }

    /// <summary>The response per row used.</summary>
    public required IReadOnlyList<double> Response { get; init => field = Frozen.List(value); }

    /// <summary>The row of the data table (0-based) of each observation, in the order of <see cref="Response"/>,
    /// <see cref="Fitted"/> and the residuals: the rows the fit kept, which line the table's other columns up with the
    /// fit (rows with a missing value in a column the model uses are not among them). Empty for a fit made by hand.</summary>
    public IReadOnlyList<int> ObservationRows { get; init => field = Frozen.List(value); } = [];

    /// <summary>Fitted values Xβ̂ + Zb̂ (on the response scale for a GLMM).</summary>
    public required IReadOnlyList<double> Fitted { get; init => field = Frozen.List(value); }

    /// <summary>Conditional residuals y − (Xβ̂ + Zb̂).</summary>
    public required IReadOnlyList<double> Residuals { get; init => field = Frozen.List(value); }

    /// <summary>Marginal residuals y − Xβ̂.</summary>
    public required IReadOnlyList<double> MarginalResiduals { get; init => field = Frozen.List(value); }

    /// <summary>Intraclass correlation σ_b² / (σ_b² + σ²) for a model with a single random intercept; null otherwise.</summary>
    public double? IntraclassCorrelation { get; init; }

    /// <summary>Two-sided p-values of the fixed effects' z statistics (Wald tests against the normal distribution, as
    /// lme4's summary of a GLMM); for a model with a residual structure, of the t statistics on
    /// <see cref="FixedEffectDegreesOfFreedom"/> (as nlme's summary); null otherwise.</summary>
    public IReadOnlyList<double>? FixedEffectPValues { get; init => field = Frozen.OptionalList(value); }

    /// <summary>For a model with a residual structure (nlme's varIdent, corAR1): nlme's containment ("between/within")
    /// df of the fixed effects' t tests, when the grouping factors are nested; null otherwise.</summary>
    public IReadOnlyList<double>? FixedEffectDegreesOfFreedom { get; init => field = Frozen.OptionalList(value); }

    /// <summary>GLMM: fitted values on the link scale, η = Xβ̂ + Zb̂ (<see cref="Fitted"/> holds μ); null for a linear
    /// mixed model.</summary>
    public IReadOnlyList<double>? FittedLinkScale { get; init => field = Frozen.OptionalList(value); }

    /// <summary>GLMM: deviance residuals sign(y − μ)√dᵢ, dᵢ the prior-weighted unit deviance (lme4's default
    /// <c>residuals()</c> of a GLMM); null for a linear mixed model.</summary>
    public IReadOnlyList<double>? DevianceResiduals { get; init => field = Frozen.OptionalList(value); }

    /// <summary>GLMM: Pearson residuals (y − μ)√(w/V(μ)); with a varIdent residual structure, each conditional residual
    /// over its level's SD ratio (nlme's Pearson residuals times σ); null otherwise.</summary>
    public IReadOnlyList<double>? PearsonResiduals { get; init => field = Frozen.OptionalList(value); }

    /// <summary>What a linear mixed model was fitted from (design, training table, options, cross-products), for the
    /// inference, prediction and simulation that follow; null for a GLMM. An init property, so that <c>fit with { … }</c>
    /// keeps it.</summary>
    internal Inference.FitSource? Source { get; init; }

    /// <summary>What a GLMM was fitted from (design, response, terms), for the posterior sampler; null for a linear
    /// mixed model.</summary>
    internal Glmm.GlmmSource? GlmmSource { get; init; }

    /// <summary>A linear mixed model's likelihood pieces around θ̂ from the fit's check of its optimum, which
    /// Satterthwaite's df reuse; null otherwise.</summary>
    internal Engine.OptimumStencil? Stencil { get; init; }

    /// <summary>GLMM: the prior weights per row (for binomial, the number of trials times any user weights); null for a
    /// linear mixed model.</summary>
    public IReadOnlyList<double>? PriorWeights { get; init => field = Frozen.OptionalList(value); }
}
