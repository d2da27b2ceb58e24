using SparseLmm.Optimization;

namespace SparseLmm;

/// <summary>How to fit a model. The defaults follow lme4: REML for a gaussian response; a binomial, Poisson or Gamma
/// family is fitted by the Laplace approximation (<c>glmer</c>'s nAGQ = 1).</summary>
/// <param name="Reml">REML (true, the default) or maximum likelihood (false) for a gaussian model; ignored for GLMMs.</param>
/// <param name="FactorColumns">Numeric columns to treat as categorical (like R's <c>factor(x)</c>).</param>
/// <param name="Family">The response distribution and link; null means gaussian (a linear mixed model).</param>
/// <param name="Link">A link replacing the family's (e.g. <see cref="SparseLmm.Link.Probit"/> with
/// <see cref="SparseLmm.Family.Binomial"/>); null keeps the family's link.</param>
/// <param name="QuadratureNodes">lme4's nAGQ for a GLMM: 1 (the default) for the Laplace approximation; more for
/// adaptive Gauss–Hermite quadrature with that many nodes (a single scalar random-effects term only); 0 for lme4's fast
/// nAGQ = 0 fit (β estimated inside PIRLS). Must be 1 for a gaussian model.</param>
/// <param name="WeightsColumn">A numeric column of prior weights; rows where it is missing are dropped. Gaussian
/// models (lmer's <c>weights</c>): residual i has variance σ²/wᵢ, rows of weight 0 are dropped (and counted in the
/// notes). GLMMs: glmer's prior weights (for binomial proportions, the number of trials).</param>
/// <param name="Threads">Most threads a fit may use (the caller's included), reading its file too (a fit from a path, a
/// streamed fit, partials); null or 0: every processor. Small fits use one whatever is allowed.</param>
public sealed record FitOptions(
    bool Reml = true,
    IReadOnlyList<string>? FactorColumns = null,
    Family? Family = null,
    Link? Link = null,
    int QuadratureNodes = 1,
    string? WeightsColumn = null,
    int? Threads = null)
{
    /// <summary>Reference levels, column name → level (R's <c>relevel</c>): the level moves to the front of the
    /// categorical column, so treatment contrasts take it as the reference; the other levels keep their sorted order.
    /// Applied after <see cref="FactorColumns"/>. Null or empty: every column keeps its first sorted level.</summary>
    public IReadOnlyDictionary<string, string>? ReferenceLevels { get; init; }

    /// <summary>nlme's residual variance function (varIdent) and/or correlation (corAR1) for a gaussian model; null:
    /// independent residuals of one variance, as lme4.</summary>
    public ResidualStructure? Residual { get; init; }

    /// <summary>The defaults.</summary>
    public static FitOptions Default { get; } = new();

    /// <summary>The most objective evaluations one search may spend (lme4's <c>maxfun</c>; a GLMM runs two searches,
    /// each with this limit). A fit that reaches it stops with <see cref="Results.MixedModelFit.Converged"/> false and
    /// a note. Default 10,000.</summary>
    public int MaxEvaluations { get; init; } = FitMonitor.DefaultMaxEvaluations;

    /// <summary>The family with <see cref="Link"/> applied: gaussian when none was given.</summary>
    /// <exception cref="InputException">The link does not go with the family.</exception>
    public Family EffectiveFamily()
    {
        var family = Family ?? SparseLmm.Family.Gaussian(Link);
        return Link is null || ReferenceEquals(Link, family.Link) ? family : family.WithLink(Link);
    }
}
