using MathNet.Numerics.LinearAlgebra;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Optimization;

/// <summary>Judges a minimum from the gradient and Hessian at it: the Karush–Kuhn–Tucker conditions of a bounded
/// problem, with a tolerance that does not depend on the size of the data (<see cref="OptimumCheck"/>).</summary>
internal static class OptimumAssessment
{
    /// <summary>The check at <paramref name="x"/> (bounds <paramref name="lower"/> and <paramref name="upper"/>, ∓∞ for
    /// none; g and H row-major from <paramref name="evaluations"/> criterion evaluations; each parameter's natural unit,
    /// in which the curvature is judged; a name per parameter for the message), and the reason it failed (null when it
    /// passed).</summary>
    public static (OptimumCheck Check, string? Problem) Assess(IReadOnlyList<double> x, IReadOnlyList<double> lower,
        IReadOnlyList<double> upper, double[] gradient, double[] hessian, int evaluations, IReadOnlyList<double> units,
        IReadOnlyList<string> names) => Assess(x, lower, upper, gradient, hessian, evaluations, units, names, out _);

    /// <summary><see cref="Assess(IReadOnlyList{double}, IReadOnlyList{double}, IReadOnlyList{double}, double[], double[], int, IReadOnlyList{double}, IReadOnlyList{string})"/>
    /// and, from the same restriction to the free parameters and factorization of their Hessian,
    /// <paramref name="newtonPoint"/>: where a Newton step leads from <paramref name="x"/>, x − H⁻¹g over the free
    /// parameters, each clipped to its bounds, the held ones unchanged; null when the derivatives are not finite or H
    /// is not positive definite over the free parameters, so that the step is no descent direction.</summary>
    public static (OptimumCheck Check, string? Problem) Assess(IReadOnlyList<double> x, IReadOnlyList<double> lower,
        IReadOnlyList<double> upper, double[] gradient, double[] hessian, int evaluations, IReadOnlyList<double> units,
        IReadOnlyList<string> names, out double[]? newtonPoint)
    {
        var (free, g, h) = FreePart(x, lower, upper, gradient, hessian, units);
        var newtonStep = Finite(g, h) ? NewtonStep(g, h) : null;
        newtonPoint = newtonStep is null ? null : PointOf(x, lower, upper, free, newtonStep);
        // On a bound and not falling into the feasible side: held, or free only to let its second order be judged.
        int atBound = Enumerable.Range(0, x.Count).Count(i => (x[i] <= lower[i] && !Rises(hessian, units, x.Count, i, -gradient[i]))
            || (x[i] >= upper[i] && !Rises(hessian, units, x.Count, i, gradient[i])));
        if (free.Length == 0) return (new OptimumCheck(0, 0, 1, atBound, evaluations, true), null);
        int f = free.Length;
        double maxGradient = g.Max(Math.Abs);
        if (!Finite(g, h))
            return (new OptimumCheck(double.PositiveInfinity, maxGradient, double.NaN, atBound, evaluations, false),
                "the derivatives of the criterion at the optimum are not finite");
        // The eigenvalues of H in the parameters' units: in raw units, a slope's entry measured per 10⁵ units of its
        // covariate would make any Hessian look singular. (The Newton step below is the same in any units.)
        var scaled = new double[f * f];
        for (int a = 0; a < f; a++)
            for (int b = 0; b < f; b++) scaled[a * f + b] = h[a * f + b] * units[free[a]] * units[free[b]];
        var eigenvalues = Matrix<double>.Build.DenseOfRowMajor(f, f, scaled).Evd(Symmetricity.Symmetric).EigenValues
            .Select(e => e.Real).ToArray();
        double largest = eigenvalues.Max(Math.Abs), ratio = largest > 0 ? eigenvalues.Min() / largest : double.NaN;

        double relativeStep = double.PositiveInfinity;
        int worst = -1;
        if (newtonStep is { } step)
        {
            // The standard error of each parameter: the criterion is −2 log-likelihood, so its covariance is 2H⁻¹.
            var inverse = SmallMatrix.Inverse(h, f)!;
            relativeStep = 0;
            for (int a = 0; a < f; a++)
            {
                double size = Math.Max(Math.Abs(x[free[a]]), Math.Sqrt(2 * inverse[a * f + a]));
                double relative = Math.Abs(step[a]) / size;
                if (relative > relativeStep) (relativeStep, worst) = (relative, a);
            }
        }
        bool curved = ratio >= -OptimumCheck.EigenvalueTolerance;
        bool close = relativeStep <= OptimumCheck.StepTolerance;
        var check = new OptimumCheck(relativeStep, maxGradient, ratio, atBound, evaluations, curved && close);
        if (check.Passed) return (check, null);
        if (!curved)
            return (check, $"the criterion's Hessian at the optimum has a negative eigenvalue ({ratio:G3} of the largest): the point is not a minimum");
        if (double.IsPositiveInfinity(relativeStep))
            return (check, "the criterion's Hessian at the optimum is singular: the parameters are not determined by the data");
        return (check, $"the optimum is not confirmed: a Newton step from it would still move {names[free[worst]]} by {relativeStep:G3} of its size or standard error (tolerance {OptimumCheck.StepTolerance:G3})");
    }

    /// <summary>x − <paramref name="step"/> over the <paramref name="free"/> parameters, each clipped to its bounds.</summary>
    private static double[] PointOf(IReadOnlyList<double> x, IReadOnlyList<double> lower, IReadOnlyList<double> upper,
        int[] free, double[] step)
    {
        var point = x.ToArray();
        for (int a = 0; a < free.Length; a++)
            point[free[a]] = Math.Clamp(x[free[a]] - step[a], lower[free[a]], upper[free[a]]);
        return point;
    }

    private static bool Finite(double[] g, double[] h) => g.All(double.IsFinite) && h.All(double.IsFinite);

    /// <summary>The free parameters and g and H restricted to them. A parameter on a bound is held there when the
    /// criterion rises into the feasible side at first order; otherwise it is free, and a step into the feasible region
    /// is asked of it like of any other. A gradient below the curvature times <see cref="ZeroGradientStep"/> of the
    /// unit is no rise but rounding: the criterion is even in a diagonal entry of T whose column is zero (T_jj and
    /// the entries below it change sign together), so there its second order decides, with the entries it couples
    /// to. Held, such an entry hid a saddle: at θ = 0 of a (1 + x | g) term the criterion has curvature 2G in column
    /// one's (T₁₁, T₂₁), G its gradient in TT', which is indefinite where a rank-one covariance is better than none
    /// (a REML fit 0.005 below lme4's, passing the check).</summary>
    private static (int[] Free, double[] Gradient, double[] Hessian) FreePart(IReadOnlyList<double> x,
        IReadOnlyList<double> lower, IReadOnlyList<double> upper, double[] gradient, double[] hessian, IReadOnlyList<double> units)
    {
        int m = x.Count;
        bool Held(int i) => (x[i] <= lower[i] && Rises(hessian, units, m, i, gradient[i]))
            || (x[i] >= upper[i] && Rises(hessian, units, m, i, -gradient[i]));
        var free = Enumerable.Range(0, m).Where(i => !Held(i)).ToArray();
        int f = free.Length;
        var h = new double[f * f];
        var g = new double[f];
        for (int a = 0; a < f; a++)
        {
            g[a] = gradient[free[a]];
            for (int b = 0; b < f; b++) h[a * f + b] = hessian[free[a] * m + free[b]];
        }
        return (free, g, h);
    }

    /// <summary>Whether the criterion rises at first order along parameter <paramref name="i"/>, whose slope that way
    /// is <paramref name="slope"/>: above rounding (<see cref="ZeroGradientStep"/>).</summary>
    private static bool Rises(double[] hessian, IReadOnlyList<double> units, int m, int i, double slope) =>
        slope > Math.Abs(hessian[i * m + i]) * ZeroGradientStep * units[i];

    /// <summary>The stencil's least step, in units of the parameter (<see cref="Engine.OptimumStencil.Steps"/>): a
    /// gradient whose change over it is below the curvature's is rounding.</summary>
    private const double ZeroGradientStep = 2.5e-5;

    /// <summary>H⁻¹g, or null when H is not positive definite.</summary>
    private static double[]? NewtonStep(double[] g, double[] h)
    {
        int f = g.Length;
        var factor = (double[])h.Clone();
        if (!SmallMatrix.Cholesky(factor, f)) return null;
        var step = (double[])g.Clone();
        SmallMatrix.SolveLower(factor, f, step);
        SmallMatrix.SolveLowerTransposed(factor, f, step);
        return step;
    }
}
