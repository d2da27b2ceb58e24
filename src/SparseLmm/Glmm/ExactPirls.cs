namespace SparseLmm.Glmm;

/// <summary>PIRLS run to the modes themselves, the fallback when lme4's schedule (<see cref="Lme4Pirls"/>) fails, e.g.
/// when step-halving cannot reduce the deviance: from the modes in the state (or R's starting means), halve the step
/// while the penalized deviance does not decrease, iterate until the full step is below 1e-10 or the deviance cannot
/// decrease within rounding.</summary>
internal sealed class ExactPirls(PirlsState state)
{
    private const int MaxHalvings = 20;
    private const double StepTolerance = 1e-10;
    private const double RoundingStepTolerance = 1e-6;

    private readonly double[] uSolved = new double[state.U.Length], uCandidate = new double[state.U.Length];
    private readonly double[] betaSolved = new double[state.Beta.Length], betaCandidate = new double[state.Beta.Length];

    /// <summary>Runs PIRLS at θ. On entry the state's u (and β in joint mode) hold the start, unless
    /// <paramref name="fromMeanStart"/>, which starts from R's initial means instead. True when it converged; the state
    /// (u, β, η, μ, the factor) then belongs to the modes.</summary>
    public bool Run(PenalizedSystem system, bool jointMode, ReadOnlySpan<double> theta, bool fromMeanStart)
    {
        state.FillRelativeFactors(theta);
        var u = state.U;
        var beta = state.Beta;
        double penalized;
        if (fromMeanStart)
        {
            state.StartFromMeanStart(jointMode);
            if (!state.FromLinearPredictor(system, jointMode)) return false;
            penalized = double.PositiveInfinity;
        }
        else
        {
            penalized = state.EvaluateAt(u, beta, jointMode);
            if (!double.IsFinite(penalized)) return false;
        }

        for (int iteration = 0; iteration < PirlsState.MaxIterations; iteration++)
        {
            // A failure on the very first iteration from the mean start leaves no modes to go back to.
            bool atStart = fromMeanStart && iteration == 0;
            if (!state.Factor(system, jointMode, theta)) return RestoreFailed(jointMode, atStart);
            system.Solve(uSolved, betaSolved);

            double fullStep = MaxChange(u, uSolved, 1.0);
            if (jointMode) fullStep = Math.Max(fullStep, MaxChange(beta, betaSolved, 1.0));
            if (!double.IsFinite(fullStep)) return RestoreFailed(jointMode, atStart);

            double step = 1;
            bool accepted = false;
            double candidate = double.PositiveInfinity;
            for (int halving = 0; halving <= MaxHalvings; halving++)
            {
                PirlsState.Interpolate(u, uSolved, step, uCandidate);
                if (jointMode) PirlsState.Interpolate(beta, betaSolved, step, betaCandidate);
                candidate = state.EvaluateAt(uCandidate, jointMode ? betaCandidate : beta, jointMode);
                if (double.IsFinite(candidate) && candidate <= penalized + 1e-11 * (1 + Math.Abs(penalized)))
                {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted)
            {
                // No decrease even for tiny steps: converged to rounding if the full step is already small.
                if (double.IsFinite(penalized)) state.EvaluateAt(u, beta, jointMode);
                return fullStep <= RoundingStepTolerance;
            }
            uCandidate.CopyTo(u, 0);
            if (jointMode) betaCandidate.CopyTo(beta, 0);
            double previous = penalized;
            penalized = candidate;
            if (fullStep <= StepTolerance) return true;
            if (step == 1 && fullStep <= RoundingStepTolerance && Math.Abs(previous - penalized) <= 1e-15 * Math.Abs(penalized))
                return true;
        }
        return false;
    }

    /// <summary>Puts η and μ back at the modes PIRLS started from, so the state stays consistent after a failure.</summary>
    private bool RestoreFailed(bool jointMode, bool atStart)
    {
        if (!atStart) state.EvaluateAt(state.U, state.Beta, jointMode);
        return false;
    }

    private static double MaxChange(ReadOnlySpan<double> from, ReadOnlySpan<double> to, double floor)
    {
        double worst = 0;
        for (int j = 0; j < from.Length; j++)
        {
            double change = Math.Abs(to[j] - from[j]) / Math.Max(floor, Math.Abs(to[j]));
            if (!(change <= worst)) worst = double.IsNaN(change) ? double.PositiveInfinity : change;
        }
        return worst;
    }
}
