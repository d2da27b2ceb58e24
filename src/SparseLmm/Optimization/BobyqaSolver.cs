namespace SparseLmm.Optimization;

/// <summary>
/// The outer iteration of BOBYQA (Powell's BOBYQB). ρ is the resolution: the trust region radius Δ never drops below it,
/// and ρ only decreases, towards the final radius, once steps of length about ρ no longer help and the interpolation
/// points are within a few ρ of the best point. Each iteration either tries the trust-region step, or, when the model
/// seems unreliable, moves a far interpolation point to improve the geometry of the set.
/// </summary>
/// <remarks>
/// Powell's RESCUE, which repairs the interpolation system in place when rounding errors make an update denominator
/// vanish, is not implemented: instead the set is rebuilt around the best point with spacing ρ, as at the start.
/// That costs m − 1 evaluations, but the event is rare (it needs severe cancellation), and the rebuild is far simpler
/// and yields a perfectly conditioned system. If it happens again before any new evaluation, the run stops.
/// </remarks>
internal sealed class BobyqaSolver
{
    private const double ShiftThreshold = 1e-3;

    private readonly CountedObjective objective;
    private readonly InterpolationModel model;
    private readonly TrustRegionSubproblem trustRegion;
    private readonly GeometryImprovement geometry;
    private readonly double finalRadius;
    private readonly double functionTolerance;
    private readonly double functionToleranceRadius;
    private readonly double[] lagrangeValues;
    private readonly double[] step;
    private readonly double[] trial;
    private readonly double[] evaluationPoint;

    /// <summary>|f − Q| at the last three evaluations: the evidence on whether the model is good at the current ρ.</summary>
    private readonly double[] recentErrors = new double[3];

    private double rho;
    private double delta;
    private double lastStepNorm;

    /// <summary>Evaluation count when ρ last shrank or a step longer than ρ was last taken: the model errors recorded
    /// since then describe the model at the current resolution.</summary>
    private int evaluationsAtLastProgress;

    private int evaluationsAtLastRebuild = -1;

    /// <summary>The best value when the current resolution stage began.</summary>
    private double stageStartValue;
    private int minimumNormStreak;

    private enum Outcome { Evaluated, Rebuilt, NoCandidate, BudgetExhausted, Degenerate }

    /// <summary>Allocates all workspace for one minimisation.</summary>
    public BobyqaSolver(ObjectiveFunction objective, ReadOnlySpan<double> lower, ReadOnlySpan<double> upper,
        int pointCount, double finalRadius, int maxEvaluations, double functionTolerance = 0, double functionToleranceRadius = 0)
    {
        this.functionTolerance = functionTolerance;
        this.functionToleranceRadius = functionToleranceRadius;
        int n = lower.Length;
        this.objective = new CountedObjective(objective, n, maxEvaluations);
        this.finalRadius = finalRadius;
        model = new InterpolationModel(lower, upper, pointCount);
        trustRegion = new TrustRegionSubproblem(model);
        geometry = new GeometryImprovement(model);
        lagrangeValues = new double[pointCount + n];
        step = new double[n];
        trial = new double[n];
        evaluationPoint = new double[n];
    }

    /// <summary>Minimises from <paramref name="start"/> with initial resolution <paramref name="initialRadius"/>.</summary>
    public OptimizationResult Run(ReadOnlySpan<double> start, double initialRadius)
    {
        rho = initialRadius;
        delta = initialRadius;
        if (!BuildInterpolationSet(start, centerValue: null)) return Stop(Outcome.BudgetExhausted);
        evaluationsAtLastProgress = objective.Evaluations;
        stageStartValue = model.BestValue;

        while (true)
        {
            trustRegion.Solve(delta);
            lastStepNorm = Math.Min(delta, Math.Sqrt(trustRegion.StepSquaredNorm));
            Outcome outcome;
            if (lastStepNorm < 0.5 * rho)
            {
                // The model's minimum is close: either the model is trusted and ρ shrinks, or it is checked first.
                if (!ModelIsAccurateAtResolution())
                {
                    outcome = TryGeometryStep(VectorMath.Square(10 * rho), afterShortStep: true);
                    if (outcome != Outcome.NoCandidate)
                    {
                        if (IsTerminal(outcome)) return Stop(outcome);
                        continue;
                    }
                }
                if (StageWasFlat()) return Stop(null, flat: true);
                if (rho > finalRadius)
                {
                    ReduceResolution();
                    continue;
                }
                // Like Powell, spend one last evaluation on the short step, which is often a small improvement
                // (unlike Powell, not when it is zero and so cannot be).
                if (trustRegion.StepSquaredNorm > 0) TryEvaluate(trustRegion.Trial, out _);
                return Stop(null);
            }

            outcome = TakeTrustRegionStep(out bool sufficientDecrease, out double ratio);
            if (IsTerminal(outcome)) return Stop(outcome);
            if (outcome == Outcome.Rebuilt || sufficientDecrease) continue;

            outcome = TryGeometryStep(Math.Max(VectorMath.Square(2 * delta), VectorMath.Square(10 * rho)), afterShortStep: false);
            if (IsTerminal(outcome)) return Stop(outcome);
            if (outcome != Outcome.NoCandidate) continue;
            if (ratio > 0 || Math.Max(delta, lastStepNorm) > rho) continue;
            if (StageWasFlat()) return Stop(null, flat: true);
            if (rho > finalRadius)
            {
                ReduceResolution();
                continue;
            }
            return Stop(null);
        }
    }

    private Outcome TakeTrustRegionStep(out bool sufficientDecrease, out double ratio)
    {
        sufficientDecrease = false;
        ratio = -1;
        trustRegion.Step.CopyTo(step);
        trustRegion.Trial.CopyTo(trial);
        ShiftBaseIfFar(trustRegion.StepSquaredNorm, trial);

        double beta = model.ComputeLagrangeValues(step, lagrangeValues);
        int leaving = ChooseLeavingPoint(beta, model.BestPoint, excludeBest: true, out double denominator);
        if (leaving < 0) return Rebuild();
        if (!TryEvaluate(trial, out double value)) return Outcome.BudgetExhausted;

        double previousBest = model.BestValue;
        double predicted = model.PredictedChange(step);
        double modelError = value - previousBest - predicted;
        RecordModelError(modelError);
        if (lastStepNorm > rho) evaluationsAtLastProgress = objective.Evaluations;

        // A step that the model did not predict to descend can only come from rounding; treat it as a failure.
        ratio = predicted < 0 ? (value - previousBest) / predicted : -1;
        UpdateTrustRadius(ratio);

        if (value < previousBest)
        {
            // The new point will be the best one, so distances for choosing the leaving point are measured from it.
            int alternative = ChooseLeavingPoint(beta, trial, excludeBest: false, out double alternativeDenominator);
            if (alternative >= 0) (leaving, denominator) = (alternative, alternativeDenominator);
        }
        model.ReplacePoint(leaving, step, trial, value, modelError, beta, denominator, lagrangeValues);
        model.ReplaceByMinimumNormModelIfBetter(ref minimumNormStreak);
        sufficientDecrease = value <= previousBest + 0.1 * predicted;
        return Outcome.Evaluated;
    }

    /// <summary>
    /// Moves the interpolation point farthest from the best point, if it is farther than √<paramref name="thresholdSquared"/>,
    /// to where it improves the conditioning of the interpolation system.
    /// </summary>
    private Outcome TryGeometryStep(double thresholdSquared, bool afterShortStep)
    {
        int leaving = -1;
        double farthest = thresholdSquared;
        for (int k = 0; k < model.PointCount; k++)
        {
            double distanceSquared = VectorMath.DistanceSquared(model.Points[k], model.BestPoint);
            if (distanceSquared > farthest) (farthest, leaving) = (distanceSquared, k);
        }
        if (leaving < 0) return Outcome.NoCandidate;

        double distance = Math.Sqrt(farthest);
        if (afterShortStep)
        {
            delta = Math.Min(0.1 * delta, 0.5 * distance);
            if (delta <= 1.5 * rho) delta = rho;
        }
        double radius = Math.Max(Math.Min(0.1 * distance, delta), rho);
        ShiftBaseIfFar(radius * radius, Span<double>.Empty);

        geometry.Compute(leaving, radius);
        double beta = PrepareStep(geometry.Trial);
        double alpha = model.OmegaDiagonal(leaving);
        double denominator = VectorMath.Square(lagrangeValues[leaving]) + alpha * beta;
        if (geometry.AlternativeScore > 0 && denominator < geometry.AlternativeScore)
        {
            beta = PrepareStep(geometry.Alternative);
            denominator = VectorMath.Square(lagrangeValues[leaving]) + alpha * beta;
        }
        if (denominator <= 0.5 * VectorMath.Square(lagrangeValues[leaving])) return Rebuild();
        if (!TryEvaluate(trial, out double value)) return Outcome.BudgetExhausted;

        double modelError = value - model.BestValue - model.PredictedChange(step);
        RecordModelError(modelError);
        if (lastStepNorm > rho) evaluationsAtLastProgress = objective.Evaluations;
        model.ReplacePoint(leaving, step, trial, value, modelError, beta, denominator, lagrangeValues);
        return Outcome.Evaluated;
    }

    /// <summary>Sets the trial point and step towards <paramref name="candidate"/> and returns β for them.</summary>
    private double PrepareStep(ReadOnlySpan<double> candidate)
    {
        candidate.CopyTo(trial);
        for (int i = 0; i < step.Length; i++) step[i] = trial[i] - model.BestPoint[i];
        return model.ComputeLagrangeValues(step, lagrangeValues);
    }

    /// <summary>
    /// The point whose replacement keeps the interpolation system best conditioned: the largest denominator
    /// βΩₖₖ + Lₖ², weighted by (distance / Δ)⁴ beyond Δ so that far points are preferred. Returns −1 when even the
    /// best weighted denominator is less than half the largest weighted Lₖ², i.e. when rounding has spoilt H.
    /// </summary>
    private int ChooseLeavingPoint(double beta, ReadOnlySpan<double> reference, bool excludeBest, out double denominator)
    {
        double radiusSquared = delta * delta;
        double bestScore = 0, largestLagrange = 0;
        int chosen = -1;
        denominator = 0;
        for (int k = 0; k < model.PointCount; k++)
        {
            if (excludeBest && k == model.BestIndex) continue;
            double lagrangeSquared = VectorMath.Square(lagrangeValues[k]);
            double candidate = beta * model.OmegaDiagonal(k) + lagrangeSquared;
            double weight = Math.Max(1, VectorMath.Square(VectorMath.DistanceSquared(model.Points[k], reference) / radiusSquared));
            if (weight * candidate > bestScore) (bestScore, chosen, denominator) = (weight * candidate, k, candidate);
            largestLagrange = Math.Max(largestLagrange, weight * lagrangeSquared);
        }
        return bestScore <= 0.5 * largestLagrange ? -1 : chosen;
    }

    /// <summary>
    /// Whether a short trust-region step means the model has converged at this ρ, rather than that it is wrong.
    /// Requires a few evaluations since the last real progress, recent model errors small against the curvature
    /// (an error e matters if e &gt; ρ²·curvature/8), and at each bound where the step stops a gradient that
    /// clearly pushes outward.
    /// </summary>
    private bool ModelIsAccurateAtResolution()
    {
        if (objective.Evaluations <= evaluationsAtLastProgress + 2) return false;
        double largestError = Math.Max(recentErrors[0], Math.Max(recentErrors[1], recentErrors[2]));
        double curvature = trustRegion.Curvature;
        if (curvature > 0 && largestError > 0.125 * rho * rho * curvature) return false;

        double tolerance = largestError / rho;
        double[] position = trustRegion.Trial, gradient = trustRegion.TrialGradient;
        for (int j = 0; j < position.Length; j++)
        {
            double outward;
            if (position[j] == model.LowerRoom[j]) outward = gradient[j];
            else if (position[j] == model.UpperRoom[j]) outward = -gradient[j];
            else continue;
            if (outward < tolerance && outward + 0.5 * model.HessianDiagonal(j) * rho < tolerance) return false;
        }
        return true;
    }

    private void UpdateTrustRadius(double ratio)
    {
        if (ratio <= 0.1) delta = Math.Min(0.5 * delta, lastStepNorm);
        else if (ratio <= 0.7) delta = Math.Max(0.5 * delta, lastStepNorm);
        else delta = Math.Max(0.5 * delta, 2 * lastStepNorm);
        if (delta <= 1.5 * rho) delta = rho;
    }

    /// <summary>Shrinks ρ by 10 normally, less near the end so that the last stages are not wasted on tiny gains.</summary>
    private void ReduceResolution()
    {
        delta = 0.5 * rho;
        double ratio = rho / finalRadius;
        rho = ratio <= 16 ? finalRadius : ratio <= 250 ? Math.Sqrt(ratio) * finalRadius : 0.1 * rho;
        delta = Math.Max(delta, rho);
        evaluationsAtLastProgress = objective.Evaluations;
        stageStartValue = model.BestValue;
    }

    /// <summary>True when a whole stage at a fine enough resolution improved the best value by less than the function
    /// tolerance: finer stages would only polish digits that do not matter (each costs several evaluations).</summary>
    private bool StageWasFlat() =>
        functionTolerance > 0 && rho <= functionToleranceRadius && stageStartValue - model.BestValue < functionTolerance;

    private void ShiftBaseIfFar(double stepSquared, Span<double> alsoShift)
    {
        if (stepSquared <= ShiftThreshold * VectorMath.Dot(model.BestPoint, model.BestPoint))
            model.ShiftBaseToBestPoint(alsoShift);
    }

    private Outcome Rebuild()
    {
        if (objective.Evaluations == evaluationsAtLastRebuild) return Outcome.Degenerate;
        if (!BuildInterpolationSet(objective.BestPoint, objective.BestValue)) return Outcome.BudgetExhausted;
        evaluationsAtLastRebuild = objective.Evaluations;
        minimumNormStreak = 0;
        return Outcome.Rebuilt;
    }

    /// <summary>Places and evaluates a fresh interpolation set with spacing ρ around <paramref name="center"/>.</summary>
    private bool BuildInterpolationSet(ReadOnlySpan<double> center, double? centerValue)
    {
        model.PlaceAxisPoints(center, rho);
        int first = 0;
        if (centerValue is { } known)
        {
            model.Values[0] = known;
            first = 1;
        }
        for (int k = first; k < model.AxisPointCount; k++)
            if (!TryEvaluate(model.Points[k], out model.Values[k])) return false;
        model.PlacePlanePoints();
        for (int k = model.AxisPointCount; k < model.PointCount; k++)
            if (!TryEvaluate(model.Points[k], out model.Values[k])) return false;
        model.BuildInitialModel();
        return true;
    }

    private bool TryEvaluate(ReadOnlySpan<double> relativePoint, out double value)
    {
        model.ToAbsolute(relativePoint, evaluationPoint);
        return objective.TryEvaluate(evaluationPoint, out value);
    }

    private void RecordModelError(double modelError)
    {
        recentErrors[2] = recentErrors[1];
        recentErrors[1] = recentErrors[0];
        recentErrors[0] = Math.Abs(modelError);
    }

    private static bool IsTerminal(Outcome outcome) => outcome is Outcome.BudgetExhausted or Outcome.Degenerate;

    /// <summary>The result; <paramref name="failure"/> is null when ρ reached the final radius.</summary>
    private OptimizationResult Stop(Outcome? failure, bool flat = false)
    {
        string message = failure switch
        {
            null when flat => $"Converged: a stage at trust region radius {rho:G3} improved the objective by less than {functionTolerance:G3}.",
            null => $"Converged: the trust region radius reached its final value {finalRadius:G3}.",
            Outcome.BudgetExhausted => $"Stopped after {objective.Evaluations} evaluations (MaxEvaluations) before the trust region radius reached {finalRadius:G3}.",
            _ => "Stopped: rounding errors made the interpolation system singular even after rebuilding it.",
        };
        return new OptimizationResult(objective.BestPoint.ToArray(), objective.BestValue, objective.Evaluations, failure is null, message);
    }
}
