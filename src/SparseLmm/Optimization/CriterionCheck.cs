using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Optimization;

/// <summary>The check of an optimum for a fit whose criterion is one number per point (a residual structure's
/// objective, a GLMM's θ criterion with β in PIRLS): its gradient and Hessian on one <see cref="CentralStencil{T}"/>,
/// judged by <see cref="OptimumAssessment"/> as a linear fit's are, with the linear fit's steps
/// (<see cref="Engine.OptimumStencil.Steps"/>).</summary>
internal static class CriterionCheck
{
    /// <summary>The check at <paramref name="x"/> of <paramref name="criterion"/> (a value at or above
    /// <paramref name="failed"/>, or not finite, where it cannot be evaluated), bounds <paramref name="lower"/> and
    /// <paramref name="upper"/>, each parameter's natural unit and name; the reason it failed (null when it passed).
    /// Evaluations outside the bounds are asked for: the criterion must be defined a step beyond them.</summary>
    public static (OptimumCheck Check, string? Problem) Assess(Func<double[], double> criterion, double failed,
        IReadOnlyList<double> x, IReadOnlyList<double> lower, IReadOnlyList<double> upper, IReadOnlyList<double> units,
        IReadOnlyList<string> names)
    {
        int evaluations = CentralStencil<double>.EvaluationCount(x.Count);
        var steps = Engine.OptimumStencil.Steps(x, units);
        bool Evaluate(double[] point, bool singleStep, out double value)
        {
            value = criterion(point);
            return double.IsFinite(value) && value < failed;
        }
        if (CentralStencil<double>.Compute(Evaluate, x, steps) is not { } stencil)
            return (new OptimumCheck(double.NaN, double.NaN, double.NaN, 0, evaluations, Passed: false),
                "the criterion could not be evaluated around the optimum, so the optimum is not confirmed");
        return OptimumAssessment.Assess(x, lower, upper, stencil.Gradient(value => value), stencil.Hessian(value => value),
            evaluations, units, names);
    }
}
