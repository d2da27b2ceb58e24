using MathNet.Numerics;

namespace SparseLmm.Inference;

/// <summary>The distribution functions inference needs, on MathNet.Numerics' special functions. Every p-value is an
/// upper tail computed as one (erfc, the regularized incomplete beta at x = df/(df + t²), the upper incomplete gamma),
/// never 1 − CDF, so that a p-value of 1e-130 is 1e-130 and not 0 (checked against R's pnorm, pt and pchisq).</summary>
internal static class Distributions
{
    private const double InverseSqrtTwo = 0.70710678118654752440;

    /// <summary>The standard normal quantile Φ⁻¹(p).</summary>
    public static double NormalQuantile(double p) => -Math.Sqrt(2) * SpecialFunctions.ErfcInv(2 * p);

    /// <summary>Two-sided p-value of a t statistic with <paramref name="df"/> degrees of freedom, 2 P(T &gt; |t|)
    /// (normal when df is infinite): I_x(df/2, 1/2) at x = df/(df + t²), which is the tail itself.</summary>
    public static double StudentTwoSided(double t, double df)
    {
        if (double.IsNaN(t) || double.IsNaN(df) || df <= 0) return double.NaN;
        if (double.IsPositiveInfinity(df)) return SpecialFunctions.Erfc(Math.Abs(t) * InverseSqrtTwo);
        if (double.IsInfinity(t)) return 0;
        return SpecialFunctions.BetaRegularized(df / 2, 0.5, df / (df + t * t));
    }

    /// <summary>P(X &gt; x) for X ~ χ²(df); df 0 is the point mass at 0.</summary>
    public static double ChiSquareUpperTail(double x, double df)
    {
        if (df == 0) return x < 0 ? 1 : 0;
        if (x <= 0) return 1;
        return SpecialFunctions.GammaUpperRegularized(df / 2, x / 2);
    }
}
