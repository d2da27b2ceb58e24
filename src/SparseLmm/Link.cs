using SparseLmm.Glmm;

namespace SparseLmm;

/// <summary>A link function g of a generalized linear mixed model: the linear predictor is η = g(μ), μ = g⁻¹(η).
/// The inverse links are guarded as lme4 and R guard them (probabilities kept within [ε, 1 − ε], exp(η) at least ε),
/// so that a fit never sees a probability of exactly 0 or 1.</summary>
/// <example><code>var family = Family.Binomial(Link.Probit);</code></example>
public sealed class Link
{
    private Link(LinkKind kind, string name)
    {
        Kind = kind;
        Name = name;
    }

    /// <summary>log(μ / (1 − μ)): the canonical link of the binomial family.</summary>
    public static Link Logit { get; } = new(LinkKind.Logit, "logit");

    /// <summary>Φ⁻¹(μ), the standard normal quantile.</summary>
    public static Link Probit { get; } = new(LinkKind.Probit, "probit");

    /// <summary>log(−log(1 − μ)), the complementary log-log link.</summary>
    public static Link Cloglog { get; } = new(LinkKind.Cloglog, "cloglog");

    /// <summary>log(μ): the canonical link of the Poisson family.</summary>
    public static Link Log { get; } = new(LinkKind.Log, "log");

    /// <summary>√μ.</summary>
    public static Link Sqrt { get; } = new(LinkKind.Sqrt, "sqrt");

    /// <summary>μ itself.</summary>
    public static Link Identity { get; } = new(LinkKind.Identity, "identity");

    /// <summary>1/μ: the default link of the Gamma family (as R and lme4).</summary>
    public static Link Inverse { get; } = new(LinkKind.Inverse, "inverse");

    /// <summary>Every link, in the order they are listed in messages.</summary>
    public static IReadOnlyList<Link> All { get; } = [Logit, Probit, Cloglog, Log, Sqrt, Identity, Inverse];

    /// <summary>The link's name as R spells it (<c>logit</c>, <c>probit</c>, ...).</summary>
    public string Name { get; }

    internal LinkKind Kind { get; }

    /// <summary>The link named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="InputException">No link has that name; the message lists the known ones.</exception>
    public static Link Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var link in All)
            if (string.Equals(link.Name, name.Trim(), StringComparison.OrdinalIgnoreCase)) return link;
        throw new InputException($"unknown link '{name}' (links: {string.Join(", ", All.Select(l => l.Name))})");
    }

    /// <summary>η = g(μ).</summary>
    public double Evaluate(double mu) => Kind switch
    {
        LinkKind.Logit => Math.Log(mu / (1 - mu)),
        LinkKind.Probit => SpecialMath.NormalQuantile(mu),
        LinkKind.Cloglog => Math.Log(-Math.Log(1 - mu)),
        LinkKind.Log => Math.Log(mu),
        LinkKind.Sqrt => Math.Sqrt(mu),
        LinkKind.Identity => mu,
        LinkKind.Inverse => 1 / mu,
        _ => throw new InvalidOperationException("unknown link"),
    };

    /// <summary>μ = g⁻¹(η).</summary>
    public double InverseOf(double eta) => Kind switch
    {
        LinkKind.Logit => LogitKernel.Inverse(eta),
        LinkKind.Probit => ProbitKernel.Inverse(eta),
        LinkKind.Cloglog => CloglogKernel.Inverse(eta),
        LinkKind.Log => LogKernel.Inverse(eta),
        LinkKind.Sqrt => SqrtKernel.Inverse(eta),
        LinkKind.Identity => IdentityKernel.Inverse(eta),
        LinkKind.Inverse => InverseKernel.Inverse(eta),
        _ => throw new InvalidOperationException("unknown link"),
    };

    /// <summary>dμ/dη at η.</summary>
    public double DerivativeOfInverse(double eta)
    {
        double mu = InverseOf(eta);
        return Kind switch
        {
            LinkKind.Logit => LogitKernel.Derivative(eta, mu),
            LinkKind.Probit => ProbitKernel.Derivative(eta, mu),
            LinkKind.Cloglog => CloglogKernel.Derivative(eta, mu),
            LinkKind.Log => LogKernel.Derivative(eta, mu),
            LinkKind.Sqrt => SqrtKernel.Derivative(eta, mu),
            LinkKind.Identity => IdentityKernel.Derivative(eta, mu),
            LinkKind.Inverse => InverseKernel.Derivative(eta, mu),
            _ => throw new InvalidOperationException("unknown link"),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>The links, for switches in inner loops.</summary>
internal enum LinkKind
{
    Logit,
    Probit,
    Cloglog,
    Log,
    Sqrt,
    Identity,
    Inverse,
}
