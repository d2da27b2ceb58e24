using SparseLmm.Numerics;
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
    public static IReadOnlyList<FixedEffectTest> Compute(MixedModelFit fit, DdfMethod method = DdfMethod.Satterthwaite)
    {
        ArgumentNullException.ThrowIfNull(fit);
        double[] se = fit.FixedEffects.Select(e => e.StandardError).ToArray();
        double[] df;
        switch (method)
        {
            case DdfMethod.None:
                return Asymptotic(fit);
            case DdfMethod.KenwardRoger:
                (se, df) = KenwardRoger.Compute(FittedMixedModel.Of(fit));
                break;
            default:
                df = Satterthwaite(fit);
                break;
        }
        return Tests(fit, se, df);
    }

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

    /// <summary>Satterthwaite's degrees of freedom for each coefficient, as lmerTest: with varpar = (θ, σ),
    /// df = 2 Var(β̂ⱼ)² / (∇ⱼ' A ∇ⱼ), ∇ⱼ the gradient of Var(β̂ⱼ) = σ² [(L_X L_X')⁻¹]ⱼⱼ in varpar and A = 2 H⁻¹ the
    /// asymptotic covariance of varpar (H the Hessian of the deviance or REML criterion in varpar). The derivatives
    /// in θ are central differences with one Richardson extrapolation; the σ derivatives are exact.</summary>
    public static double[] Satterthwaite(MixedModelFit fit)
    {
        var model = FittedMixedModel.Of(fit);
        var evaluator = model.Evaluator();
        int n = evaluator.RowCount, p = evaluator.FixedCount, m = fit.Theta.Count;
        bool reml = model.Reml;
        var x0 = fit.Theta.Append(fit.Sigma ?? double.NaN).ToArray();
        double Criterion(double[] x)
        {
            return evaluator.Evaluate(x.AsSpan(0, m), withCovariance: false) is { } pieces
                ? ThetaEvaluator.AtSigma(pieces, n, p, x[m], reml)
                : double.NaN;
        }
        double[] Covariance(double[] theta)
        {
            return evaluator.Evaluate(theta)?.UnscaledCovariance ?? Enumerable.Repeat(double.NaN, p * p).ToArray();
        }

        var hessian = NumericalDerivatives.Hessian(Criterion, x0, Steps(x0));
        var a = SmallMatrix.Inverse(hessian, m + 1);
        if (a is null) return Enumerable.Repeat(double.NaN, p).ToArray();
        for (int i = 0; i < a.Length; i++) a[i] *= 2;

        double sigma = x0[m], s2 = sigma * sigma;
        var v0 = Covariance(x0[..m]);
        var jacobian = NumericalDerivatives.Jacobian(Covariance, x0[..m], Steps(x0)[..m], p * p); // [param][entry]
        var df = new double[p];
        for (int j = 0; j < p; j++)
        {
            var gradient = new double[m + 1];
            for (int i = 0; i < m; i++) gradient[i] = s2 * jacobian[i][j * p + j];
            gradient[m] = 2 * sigma * v0[j * p + j];
            double variance = s2 * v0[j * p + j], denominator = 0;
            for (int r = 0; r <= m; r++)
                for (int c = 0; c <= m; c++) denominator += gradient[r] * a[r * (m + 1) + c] * gradient[c];
            df[j] = denominator > 0 ? 2 * variance * variance / denominator : double.NaN;
        }
        return df;
    }

    private static double[] Steps(double[] x) => x.Select(v => 1e-3 * Math.Max(Math.Abs(v), 0.05)).ToArray();
}

/// <summary>Central-difference derivatives with one Richardson extrapolation (error O(h⁴)).</summary>
internal static class NumericalDerivatives
{
    public static double[] Hessian(Func<double[], double> f, double[] x, double[] steps)
    {
        var h1 = RawHessian(f, x, steps);
        var h2 = RawHessian(f, x, steps.Select(s => s / 2).ToArray());
        var result = new double[h1.Length];
        for (int i = 0; i < result.Length; i++) result[i] = (4 * h2[i] - h1[i]) / 3;
        return result;
    }

    private static double[] RawHessian(Func<double[], double> f, double[] x, double[] h)
    {
        int n = x.Length;
        var hess = new double[n * n];
        double f0 = f(x);
        double At(int i, double di, int j, double dj)
        {
            var y = (double[])x.Clone();
            y[i] += di;
            y[j] += dj;
            return f(y);
        }
        for (int i = 0; i < n; i++)
        {
            hess[i * n + i] = (At(i, h[i], i, 0) - 2 * f0 + At(i, -h[i], i, 0)) / (h[i] * h[i]);
            for (int j = 0; j < i; j++)
            {
                double v = (At(i, h[i], j, h[j]) - At(i, h[i], j, -h[j]) - At(i, -h[i], j, h[j]) + At(i, -h[i], j, -h[j]))
                    / (4 * h[i] * h[j]);
                hess[i * n + j] = hess[j * n + i] = v;
            }
        }
        return hess;
    }

    /// <summary>∂f/∂xᵢ for a vector-valued f: result[i][entry].</summary>
    public static double[][] Jacobian(Func<double[], double[]> f, double[] x, double[] steps, int outputs)
    {
        var result = new double[x.Length][];
        for (int i = 0; i < x.Length; i++)
        {
            var d1 = Difference(f, x, i, steps[i]);
            var d2 = Difference(f, x, i, steps[i] / 2);
            result[i] = new double[outputs];
            for (int e = 0; e < outputs; e++) result[i][e] = (4 * d2[e] - d1[e]) / 3;
        }
        return result;
    }

    private static double[] Difference(Func<double[], double[]> f, double[] x, int i, double h)
    {
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[i] += h;
        minus[i] -= h;
        var fp = f(plus);
        var fm = f(minus);
        return fp.Select((v, e) => (v - fm[e]) / (2 * h)).ToArray();
    }
}
