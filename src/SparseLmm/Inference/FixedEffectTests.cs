using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>How the denominator degrees of freedom of fixed-effect t tests are found.</summary>
public enum DdfMethod
{
    /// <summary>Satterthwaite's approximation, as lmerTest (the default).</summary>
    Satterthwaite,
    /// <summary>Kenward–Roger: the adjusted covariance of β̂ and its degrees of freedom, as pbkrtest.</summary>
    KenwardRoger,
    /// <summary>No degrees of freedom: z statistics against the normal distribution.</summary>
    None,
}

/// <summary>The t test of one fixed effect.</summary>
/// <param name="Name">Coefficient name.</param>
/// <param name="Estimate">β̂.</param>
/// <param name="StandardError">Its standard error (Kenward–Roger: from the adjusted covariance).</param>
/// <param name="Df">Denominator degrees of freedom (infinity for <see cref="DdfMethod.None"/>).</param>
/// <param name="Statistic">Estimate / standard error.</param>
/// <param name="PValue">Two-sided p-value.</param>
public sealed record FixedEffectTest(string Name, double Estimate, double StandardError, double Df, double Statistic, double PValue);

/// <summary>Degrees of freedom and p-values for the fixed effects of a linear mixed model.</summary>
public static class FixedEffectTests
{
    /// <summary>Parses <c>satterthwaite</c>, <c>kenward-roger</c> (or <c>kr</c>), <c>none</c>.</summary>
    public static DdfMethod ParseMethod(string text) => text.Trim().ToLowerInvariant() switch
    {
        "satterthwaite" or "satt" => DdfMethod.Satterthwaite,
        "kenward-roger" or "kenward_roger" or "kenwardroger" or "kr" => DdfMethod.KenwardRoger,
        "none" or "z" or "normal" or "asymptotic" => DdfMethod.None,
        _ => throw new InputException($"unknown --ddf '{text}' (use satterthwaite, kenward-roger or none)"),
    };

    /// <summary>The t tests of every fixed effect by <paramref name="method"/>.</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model (df need its design).</exception>
    public static IReadOnlyList<FixedEffectTest> Compute(MixedModelFit fit, DdfMethod method = DdfMethod.Satterthwaite) =>
        Compute(fit, method, CancellationToken.None);

    /// <summary>The tests of <see cref="Compute(MixedModelFit, DdfMethod)"/>, stopped by <paramref name="cancellation"/>
    /// (looked at before every factorization of the df).</summary>
    internal static IReadOnlyList<FixedEffectTest> Compute(MixedModelFit fit, DdfMethod method, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(fit);
        double[] se = fit.FixedEffects.Select(e => e.StandardError).ToArray();
        double[] df;
        switch (method)
        {
            case DdfMethod.None:
                return Asymptotic(fit);
            case DdfMethod.KenwardRoger:
                (se, df, _) = KenwardRoger.Compute(FittedMixedModel.Of(fit, cancellation));
                break;
            default:
                df = SatterthwaiteDf.Compute(FittedMixedModel.Of(fit, cancellation));
                break;
        }
        return Tests(fit, se, df);
    }

    /// <summary>Satterthwaite's degrees of freedom for each coefficient, as lmerTest (see <see cref="SatterthwaiteDf"/>
    /// for how they are computed: a fixed number of factorizations over the fit's cross-products, at any size).</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model (df need its design).</exception>
    public static double[] Satterthwaite(MixedModelFit fit) => SatterthwaiteDf.Compute(FittedMixedModel.Of(fit));

    /// <summary>z tests (infinite df): they need nothing beyond the fit.</summary>
    public static IReadOnlyList<FixedEffectTest> Asymptotic(MixedModelFit fit) =>
        Tests(fit, fit.FixedEffects.Select(e => e.StandardError).ToArray(), Enumerable.Repeat(double.PositiveInfinity, fit.FixedEffects.Count).ToArray());

    private static IReadOnlyList<FixedEffectTest> Tests(MixedModelFit fit, double[] se, double[] df)
    {
        return fit.FixedEffects.Select((e, j) =>
        {
            double t = e.Estimate / se[j];
            return new FixedEffectTest(e.Name, e.Estimate, se[j], df[j], t, Distributions.StudentTwoSided(t, df[j]));
        }).ToList();
    }
}
