using SparseLmm.Glmm;

namespace SparseLmm;

/// <summary>The conditional distribution of the response given the random effects, with its link function.
/// A gaussian family with the identity link is a linear mixed model (fitted by REML or ML); binomial, Poisson and Gamma
/// families are generalized linear mixed models, fitted as lme4's <c>glmer</c> fits them (Laplace approximation or
/// adaptive Gauss–Hermite quadrature).</summary>
/// <example><code>
/// var fit = MixedModel.Fit("cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", "cbpp",
///     new FitOptions(Family: Family.Binomial(), FactorColumns: ["period"]));
/// </code></example>
public sealed class Family
{
    private static readonly IReadOnlyList<Link> BinomialLinks = [Link.Logit, Link.Probit, Link.Cloglog];
    private static readonly IReadOnlyList<Link> PoissonLinks = [Link.Log, Link.Sqrt, Link.Identity];
    private static readonly IReadOnlyList<Link> GammaLinks = [Link.Inverse, Link.Log, Link.Identity];
    private static readonly IReadOnlyList<Link> GaussianLinks = [Link.Identity];

    private Family(FamilyKind kind, string name, Link link)
    {
        Kind = kind;
        Name = name;
        Link = link;
    }

    /// <summary>The family names <see cref="Parse"/> knows, as R spells them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["gaussian", "binomial", "poisson", "Gamma"];

    /// <summary>The family's name as R spells it: <c>gaussian</c>, <c>binomial</c>, <c>poisson</c> or <c>Gamma</c>.</summary>
    public string Name { get; }

    /// <summary>The link function.</summary>
    public Link Link { get; }

    /// <summary>The links this family accepts, its default first.</summary>
    public IReadOnlyList<Link> Links => LinksOf(Kind);

    /// <summary>True when the family has a dispersion parameter that is estimated (gaussian, Gamma): the fit then
    /// reports σ; binomial and Poisson fits report none.</summary>
    public bool HasDispersion => Kind is FamilyKind.Gaussian or FamilyKind.Gamma;

    /// <summary>Which family this is.</summary>
    public FamilyKind Kind { get; }

    /// <summary>True for the gaussian family with the identity link: a linear mixed model.</summary>
    public bool IsLinearMixedModel => Kind == FamilyKind.Gaussian;

    /// <summary>Gaussian (the default): a linear mixed model. Only the identity link is supported.</summary>
    public static Family Gaussian(Link? link = null) => Create(FamilyKind.Gaussian, "gaussian", link);

    /// <summary>Binomial: 0/1 outcomes, a two-level text outcome, <c>cbind(successes, failures)</c>, or proportions with
    /// the number of trials as prior weights. Links: logit (default), probit, cloglog.</summary>
    public static Family Binomial(Link? link = null) => Create(FamilyKind.Binomial, "binomial", link);

    /// <summary>Poisson: non-negative integer counts. Links: log (default), sqrt, identity.</summary>
    public static Family Poisson(Link? link = null) => Create(FamilyKind.Poisson, "poisson", link);

    /// <summary>Gamma: positive responses with variance proportional to μ². Links: inverse (default, as R), log,
    /// identity. The dispersion is estimated, and σ and the random-effect standard deviations are reported as lme4
    /// reports them (see <see cref="Results.MixedModelFit"/>).</summary>
    public static Family Gamma(Link? link = null) => Create(FamilyKind.Gamma, "Gamma", link);

    /// <summary>The family named <paramref name="name"/> (case-insensitive) with the link named
    /// <paramref name="link"/>, or the family's default link when that is null or empty.</summary>
    /// <exception cref="InputException">The family or link is unknown, or the link does not go with the family.</exception>
    public static Family Parse(string name, string? link = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parsedLink = string.IsNullOrWhiteSpace(link) ? null : Link.Parse(link);
        return name.Trim().ToLowerInvariant() switch
        {
            "gaussian" or "normal" => Gaussian(parsedLink),
            "binomial" => Binomial(parsedLink),
            "poisson" => Poisson(parsedLink),
            "gamma" => Gamma(parsedLink),
            _ => throw new InputException($"unknown family '{name}' (families: {string.Join(", ", Names)})"),
        };
    }

    /// <summary>This family with another link.</summary>
    /// <exception cref="InputException">The link does not go with the family.</exception>
    public Family WithLink(Link link) => Create(Kind, Name, link);

    /// <summary>The variance function V(μ): Var(y) = φ V(μ) / prior weight.</summary>
    public double Variance(double mu) => Kind switch
    {
        FamilyKind.Binomial => BinomialKernel.Variance(mu),
        FamilyKind.Poisson => PoissonKernel.Variance(mu),
        FamilyKind.Gamma => GammaKernel.Variance(mu),
        _ => 1.0,
    };

    /// <summary>The deviance residual (unit deviance times the prior weight) of response <paramref name="y"/> at mean
    /// <paramref name="mu"/>; for binomial, y is the proportion and the weight the number of trials.</summary>
    public double DevianceResidual(double y, double mu, double weight) => Kind switch
    {
        FamilyKind.Binomial => BinomialKernel.DevianceResidual(y, mu, weight),
        FamilyKind.Poisson => PoissonKernel.DevianceResidual(y, mu, weight),
        FamilyKind.Gamma => GammaKernel.DevianceResidual(y, mu, weight),
        _ => weight * (y - mu) * (y - mu),
    };

    /// <summary>True when μ is inside the family's range (a probability strictly inside (0, 1), a positive mean).</summary>
    internal bool IsValidMean(double mu) => Kind switch
    {
        FamilyKind.Binomial => BinomialKernel.IsValidMean(mu),
        FamilyKind.Poisson => PoissonKernel.IsValidMean(mu),
        FamilyKind.Gamma => GammaKernel.IsValidMean(mu),
        _ => double.IsFinite(mu),
    };

    /// <summary>True when η is a valid linear predictor for this link (as R's valideta: √ and 1/ need η &gt; 0).</summary>
    internal bool IsValidLinearPredictor(double eta) => Link.Kind switch
    {
        LinkKind.Sqrt => SqrtKernel.IsValid(eta),
        LinkKind.Inverse => InverseKernel.IsValid(eta),
        _ => double.IsFinite(eta),
    };

    /// <inheritdoc />
    public override string ToString() => $"{Name}({Link.Name})";

    private static Family Create(FamilyKind kind, string name, Link? link)
    {
        var allowed = LinksOf(kind);
        link ??= allowed[0];
        if (!allowed.Contains(link))
            throw new InputException(
                $"link '{link.Name}' is not available for the {name} family (links: {string.Join(", ", allowed.Select(l => l.Name))})");
        return new Family(kind, name, link);
    }

    private static IReadOnlyList<Link> LinksOf(FamilyKind kind) => kind switch
    {
        FamilyKind.Binomial => BinomialLinks,
        FamilyKind.Poisson => PoissonLinks,
        FamilyKind.Gamma => GammaLinks,
        _ => GaussianLinks,
    };
}

/// <summary>The families: what a result's <see cref="Family.Kind"/> is compared with (and what inner loops switch on).</summary>
public enum FamilyKind
{
    /// <summary>Gaussian: a linear mixed model.</summary>
    Gaussian,
    /// <summary>Binomial (successes out of trials, or 0/1).</summary>
    Binomial,
    /// <summary>Poisson counts.</summary>
    Poisson,
    /// <summary>Gamma (positive, with a dispersion).</summary>
    Gamma,
}
