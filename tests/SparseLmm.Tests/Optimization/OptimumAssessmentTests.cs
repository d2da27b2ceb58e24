using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Tests.Optimization;

/// <summary>The check of an optimum from its gradient and Hessian, on quadratics whose minimum is known: the Newton
/// step relative to each parameter's size or standard error, the curvature, and parameters held on a bound.</summary>
public class OptimumAssessmentTests
{
    private static readonly string[] Names = ["a", "b"];
    private static readonly double[] Units = [1, 1];
    private static readonly double[] Free = [double.NegativeInfinity, double.NegativeInfinity];
    private static readonly double[] None = [double.PositiveInfinity, double.PositiveInfinity];

    // f(x) = (x − m)' A (x − m), A = [[4, 1], [1, 2]]: g = 2A(x − m), H = 2A.
    private static (double[] Gradient, double[] Hessian) Quadratic(double[] x, double[] minimum)
    {
        double[] a = [4, 1, 1, 2];
        var g = new double[2];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) g[i] += 2 * a[i * 2 + j] * (x[j] - minimum[j]);
        return (g, a.Select(v => 2 * v).ToArray());
    }

    [Fact]
    public void AtTheMinimumTheCheckPasses()
    {
        double[] x = [1.5, -0.7];
        var (g, h) = Quadratic(x, x);
        var (check, problem) = OptimumAssessment.Assess(x, Free, None, g, h, 7, Units, Names);
        Assert.True(check.Passed);
        Assert.Null(problem);
        Assert.Equal(0, check.RelativeStep);
        Assert.Equal(7, check.Evaluations);
        // Eigenvalues of 2A: 6 ± 2√2.
        Assert.Equal((6 - 2 * Math.Sqrt(2)) / (6 + 2 * Math.Sqrt(2)), check.EigenvalueRatio, 1e-12);
    }

    [Fact]
    public void TheNewtonStepIsMeasuredAgainstTheParametersSize()
    {
        // 0.05 % of b's size off: passes; 0.5 %: fails, naming b.
        double[] minimum = [2, 10];
        var (passed, _) = OptimumAssessment.Assess([2, 10.005], Free, None, Quadratic([2, 10.005], minimum).Gradient,
            Quadratic(minimum, minimum).Hessian, 7, Units, Names);
        Assert.True(passed.Passed);
        Assert.Equal(0.005 / 10.005, passed.RelativeStep, 1e-12);
        var (failed, problem) = OptimumAssessment.Assess([2, 10.05], Free, None, Quadratic([2, 10.05], minimum).Gradient,
            Quadratic(minimum, minimum).Hessian, 7, Units, Names);
        Assert.False(failed.Passed);
        Assert.Equal(0.05 / 10.05, failed.RelativeStep, 1e-12);
        Assert.Contains("move b by 0.00498", problem);
    }

    [Fact]
    public void ANearZeroParameterIsMeasuredAgainstItsStandardError()
    {
        // b's minimum at 0: its size gives no scale, its SE √(2 (H⁻¹)_bb) = √(2·8/28) does.
        double[] minimum = [1, 0];
        double se = Math.Sqrt(2 * 8.0 / 28);
        double[] x = [1, 2e-4 * se];
        var (check, _) = OptimumAssessment.Assess(x, Free, None, Quadratic(x, minimum).Gradient, Quadratic(x, minimum).Hessian, 7, Units, Names);
        Assert.True(check.Passed);
        Assert.Equal(2e-4, check.RelativeStep, 1e-9);
    }

    [Fact]
    public void ASaddleIsNotAMinimum()
    {
        double[] x = [0, 0];
        var (check, problem) = OptimumAssessment.Assess(x, Free, None, [0, 0], [2, 0, 0, -1], 7, Units, Names);
        Assert.False(check.Passed);
        Assert.True(check.EigenvalueRatio < 0);
        Assert.Contains("not a minimum", problem);
    }

    [Fact]
    public void AParameterOnItsBoundIsHeldWhenTheCriterionRisesIntoTheFeasibleSide()
    {
        // b at its bound 0 with the criterion rising into b > 0: held, and a is at its minimum.
        double[] x = [1, 0];
        double[] lower = [double.NegativeInfinity, 0];
        var (held, _) = OptimumAssessment.Assess(x, lower, None, [0, 3], [8, 2, 2, 4], 7, Units, Names);
        Assert.True(held.Passed);
        Assert.Equal(1, held.ParametersAtBound);
        // Falling into b > 0: b is free and the step into the feasible side fails the check.
        var (free, problem) = OptimumAssessment.Assess(x, lower, None, [0, -3], [8, 2, 2, 4], 7, Units, Names);
        Assert.False(free.Passed);
        Assert.Equal(0, free.ParametersAtBound);
        Assert.Contains("move b", problem);
    }

    [Fact]
    public void CurvatureIsJudgedInTheParametersUnits()
    {
        // H = diag(1, 10¹⁰) in raw units is diag(1, 1) in units (1, 10⁻⁵): well conditioned.
        double[] x = [1, 1e-5];
        var (raw, _) = OptimumAssessment.Assess(x, Free, None, [0, 0], [1, 0, 0, 1e10], 7, Units, Names);
        var (scaled, _) = OptimumAssessment.Assess(x, Free, None, [0, 0], [1, 0, 0, 1e10], 7, [1, 1e-5], Names);
        Assert.Equal(1e-10, raw.EigenvalueRatio, 1e-15);
        Assert.Equal(1, scaled.EigenvalueRatio, 1e-9);
        Assert.True(scaled.Passed);
    }

    [Fact]
    public void TheNewtonPointOfAQuadraticIsItsMinimum()
    {
        double[] minimum = [2, 10], x = [2.3, 9.1];
        var (g, h) = Quadratic(x, minimum);
        var point = NewtonPoint(x, Free, None, g, h)!;
        Assert.Equal(minimum[0], point[0], 1e-12);
        Assert.Equal(minimum[1], point[1], 1e-12);
        Assert.Equal([2.3, 9.1], x);
    }

    [Fact]
    public void TheNewtonPointStaysInsideTheBoundsAndLeavesHeldParametersAlone()
    {
        // The minimum (−1, 10) lies beyond the lower bound 0 of a: the point is clipped onto it.
        double[] minimum = [-1, 10], x = [0.5, 9];
        var (g, h) = Quadratic(x, minimum);
        Assert.Equal(0, NewtonPoint(x, [0, double.NegativeInfinity], None, g, h)![0]);
        // a on its bound with the criterion rising into the feasible side is held: only b moves, to its minimum given a.
        double[] onBound = [0, 9];
        var (gBound, hBound) = Quadratic(onBound, minimum);
        Assert.True(gBound[0] > 0);
        var fromBound = NewtonPoint(onBound, [0, double.NegativeInfinity], None, gBound, hBound)!;
        Assert.Equal(0, fromBound[0]);
        // ∂f/∂b = 2(1·(a + 1) + 2(b − 10)) = 0 at a = 0: b = 9.5.
        Assert.Equal(9.5, fromBound[1], 1e-12);
    }

    [Fact]
    public void ASaddleHasNoNewtonPoint()
    {
        double[] x = [1, 1];
        Assert.Null(NewtonPoint(x, Free, None, [0.1, 0.2], [2, 0, 0, -1]));
        Assert.Null(NewtonPoint(x, Free, None, [double.NaN, 0.2], [2, 0, 0, 1]));
    }

    /// <summary>The Newton point <see cref="OptimumAssessment.Assess(IReadOnlyList{double}, IReadOnlyList{double}, IReadOnlyList{double}, double[], double[], int, IReadOnlyList{double}, IReadOnlyList{string}, out double[])"/> gives.</summary>
    private static double[]? NewtonPoint(double[] x, double[] lower, double[] upper, double[] g, double[] h)
    {
        OptimumAssessment.Assess(x, lower, upper, g, h, 7, Units, Names, out var point);
        return point;
    }
}
