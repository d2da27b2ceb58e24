using MathNet.Numerics;

namespace SparseLmm.Glmm;

/// <summary>The special functions the families need: log Γ, the normal distribution, expm1, and the log-densities of
/// the binomial, Poisson and gamma distributions with every normalizing constant.</summary>
internal static class SpecialMath
{
    private const double InverseSqrtTwo = 0.70710678118654752440;
    private const double InverseSqrtTwoPi = 0.39894228040143267794;

    /// <summary>log Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x) => SpecialFunctions.GammaLn(x);

    /// <summary>log of the binomial coefficient C(n, k) for integers 0 ≤ k ≤ n (given as doubles).</summary>
    public static double LogChoose(double n, double k) =>
        k <= 0 || k >= n ? 0.0 : LogGamma(n + 1) - LogGamma(k + 1) - LogGamma(n - k + 1);

    /// <summary>Φ(x), the standard normal distribution function, accurate in both tails.</summary>
    public static double NormalCdf(double x) => 0.5 * SpecialFunctions.Erfc(-x * InverseSqrtTwo);

    /// <summary>φ(x), the standard normal density.</summary>
    public static double NormalDensity(double x) => InverseSqrtTwoPi * Math.Exp(-0.5 * x * x);

    /// <summary>Φ⁻¹(p).</summary>
    public static double NormalQuantile(double p) => -Math.Sqrt(2) * SpecialFunctions.ErfcInv(2 * p);

    /// <summary>eˣ − 1 without cancellation for small x.</summary>
    public static double ExpMinusOne(double x) => SpecialFunctions.Expm1(x);

    /// <summary>Two-sided p-value of a z statistic: 2 Φ(−|z|).</summary>
    public static double TwoSidedNormalPValue(double z) => SpecialFunctions.Erfc(Math.Abs(z) * InverseSqrtTwo);

    /// <summary>x log(x / m), taken as 0 when x is 0 (the convention of deviance residuals).</summary>
    public static double XLogXOverM(double x, double m) => x == 0 ? 0.0 : x * Math.Log(x / m);

    /// <summary>log P(S = s) for S ~ Binomial(n, μ), with s and n whole numbers and the coefficient's log given.</summary>
    public static double LogBinomialDensity(double s, double n, double mu, double logChoose)
    {
        double value = logChoose;
        if (s > 0) value += s * Math.Log(mu);
        if (n - s > 0) value += (n - s) * Math.Log(1 - mu);
        return value;
    }

    /// <summary>log of the gamma density with the given shape and scale at y &gt; 0.</summary>
    public static double LogGammaDensity(double y, double shape, double scale) =>
        -LogGamma(shape) - shape * Math.Log(scale) + (shape - 1) * Math.Log(y) - y / scale;
}
