namespace SparseLmm.Glmm;

/// <summary>PIRLS as lme4's <c>pwrssUpdate</c> runs it, so that the objective is the same function as lme4's: from the
/// start <see cref="PirlsStarts"/> prepared, take the full penalized least-squares solution at each iteration, halve
/// toward the previous modes (at most 10 times) when the penalized deviance increases, and stop as soon as its relative
/// change is below 1e-7. The factor (and log|L|²) then belongs to the previous iterate, not to the final modes, exactly
/// as in lme4; for the Laplace approximation this changes the deviance by up to ~1e-3 and the Hessian-based standard
/// errors by ~1% (cbpp), which is why lme4's numbers need it (cbpp's deviance at lme4's estimates:
/// 184.0531327790601 here, 184.053132779061 in lme4).</summary>
internal sealed class Lme4Pirls(PirlsState state)
{
    private const double Tolerance = 1e-7;
    private const int MaxHalvings = 10;

    private readonly double[] uPrevious = new double[state.U.Length];
    private readonly double[] betaPrevious = new double[state.Beta.Length];

    /// <summary>Iterates from the prepared start. With <paramref name="fixedIterations"/> positive (the checks of an optimum), runs
    /// exactly that many iterations instead of stopping by the relative-change test (see
    /// <see cref="GlmmObjective.StageTwo"/>). True when it converged; <paramref name="iterations"/> is then the number
    /// taken.</summary>
    public bool Run(PenalizedSystem system, bool jointMode, ReadOnlySpan<double> theta, int fixedIterations, out int iterations)
    {
        iterations = 0;
        state.FillRelativeFactors(theta);
        var u = state.U;
        var beta = state.Beta;
        double previous = double.MaxValue;
        for (int iteration = 0; iteration < PirlsState.MaxIterations; iteration++)
        {
            if (!state.Factor(system, jointMode, theta)) return false;
            u.CopyTo(uPrevious, 0);
            if (jointMode) beta.CopyTo(betaPrevious, 0);
            system.Solve(u, jointMode ? beta.AsSpan() : Span<double>.Empty);
            double current = state.EvaluateAt(u, beta, jointMode);
            bool done = fixedIterations > 0
                ? iteration + 1 >= fixedIterations
                : Math.Abs((previous - current) / current) < Tolerance;
            if (double.IsFinite(current) && done)
            {
                iterations = iteration + 1;
                return true;
            }
            if (!double.IsFinite(current) || current > previous)
            {
                for (int halving = 0; halving < MaxHalvings && (!double.IsFinite(current) || current > previous); halving++)
                {
                    PirlsState.Interpolate(uPrevious, u, 0.5, u);
                    if (jointMode) PirlsState.Interpolate(betaPrevious, beta, 0.5, beta);
                    current = state.EvaluateAt(u, beta, jointMode);
                }
                if (!double.IsFinite(current) || current - previous > Tolerance) return false;
            }
            previous = current;
        }
        return false;
    }
}
