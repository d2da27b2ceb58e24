namespace SparseLmm.Optimization;

/// <summary>
/// Approximately minimises the model over the intersection of the trust region |d| ≤ Δ and the box (Powell's TRSBOX).
/// Stage one is truncated conjugate gradients on the free variables, fixing a variable whenever the path reaches
/// its bound and restarting from steepest descent. If the path reaches the trust region boundary, stage two keeps
/// |d| fixed and rotates d in the plane of d and the reduced gradient, which can still gain much when the model
/// curves downwards or bounds cut the path short.
/// </summary>
internal sealed class TrustRegionSubproblem
{
    private readonly InterpolationModel model;
    private readonly double[] direction;
    private readonly double[] hessianDirection;
    private readonly double[] hessianFreeStep;

    /// <summary>−1: fixed at the lower bound, +1: fixed at the upper bound, 0: free.</summary>
    private readonly int[] boundState;

    private int fixedCount;
    private double freeRadiusSquared;
    private double totalReduction;
    private int iterations;

    /// <summary>Allocates the workspace for <paramref name="model"/>'s dimension.</summary>
    public TrustRegionSubproblem(InterpolationModel model)
    {
        this.model = model;
        int n = model.Dimension;
        direction = new double[n];
        hessianDirection = new double[n];
        hessianFreeStep = new double[n];
        boundState = new int[n];
        Step = new double[n];
        Trial = new double[n];
        TrialGradient = new double[n];
    }

    /// <summary>The step d = <see cref="Trial"/> − best point.</summary>
    public double[] Step { get; }

    /// <summary>The trial point, relative to the model base; coordinates on an active bound equal it exactly.</summary>
    public double[] Trial { get; }

    /// <summary>Model gradient at the trial point.</summary>
    public double[] TrialGradient { get; }

    /// <summary>|d|².</summary>
    public double StepSquaredNorm { get; private set; }

    /// <summary>Least curvature dᵀ∇²Q d / |d|² met along the conjugate-gradient path when the step ended inside the
    /// trust region; 0 when it reached the boundary; negative when unknown.</summary>
    public double Curvature { get; private set; }

    /// <summary>Computes the step for trust region radius <paramref name="radius"/>.</summary>
    public void Solve(double radius)
    {
        double[] best = model.BestPoint, gradient = model.Gradient;
        fixedCount = 0;
        for (int i = 0; i < best.Length; i++)
        {
            // A variable on a bound whose gradient pushes outward cannot move at all.
            boundState[i] = 0;
            if (best[i] <= model.LowerRoom[i] && gradient[i] >= 0) boundState[i] = -1;
            else if (best[i] >= model.UpperRoom[i] && gradient[i] <= 0) boundState[i] = 1;
            if (boundState[i] != 0) fixedCount++;
            Step[i] = 0;
            TrialGradient[i] = gradient[i];
        }
        freeRadiusSquared = radius * radius;
        totalReduction = 0;
        iterations = 0;
        Curvature = -1;

        if (RunConjugateGradients())
        {
            Curvature = 0;
            RotateOnBoundary();
        }

        double squaredNorm = 0;
        for (int i = 0; i < best.Length; i++)
        {
            double x = Math.Clamp(best[i] + Step[i], model.LowerRoom[i], model.UpperRoom[i]);
            if (boundState[i] == -1) x = model.LowerRoom[i];
            else if (boundState[i] == 1) x = model.UpperRoom[i];
            Trial[i] = x;
            Step[i] = x - best[i];
            squaredNorm += Step[i] * Step[i];
        }
        StepSquaredNorm = squaredNorm;
    }

    /// <summary>Stage one. Returns true when the step reached the trust region boundary.</summary>
    private bool RunConjugateGradients()
    {
        double[] best = model.BestPoint;
        int n = best.Length;
        double beta = 0, gradientSquared = 0, previousGradientSquared = 0;
        int iterationLimit = 0;
        while (true)
        {
            double directionSquared = 0;
            for (int i = 0; i < n; i++)
            {
                direction[i] = boundState[i] != 0 ? 0 : beta * direction[i] - TrialGradient[i];
                directionSquared += direction[i] * direction[i];
            }
            if (directionSquared == 0) return false;
            if (beta == 0)
            {
                gradientSquared = directionSquared;
                iterationLimit = iterations + n - fixedCount;
            }
            // Stop when even a full radius along the reduced gradient could not add 1% to the reduction so far.
            if (gradientSquared * freeRadiusSquared <= 1e-4 * totalReduction * totalReduction) return false;

            model.MultiplyHessian(direction, hessianDirection);
            double remaining = freeRadiusSquared, stepAlong = 0, curvature = 0;
            for (int i = 0; i < n; i++)
            {
                if (boundState[i] != 0) continue;
                remaining -= Step[i] * Step[i];
                stepAlong += direction[i] * Step[i];
                curvature += direction[i] * hessianDirection[i];
            }
            if (remaining <= 0) return true;

            // Distance to the sphere, in the form that avoids cancellation for either sign of d·s.
            double root = Math.Sqrt(directionSquared * remaining + stepAlong * stepAlong);
            double toBoundary = stepAlong < 0 ? (root - stepAlong) / directionSquared : remaining / (root + stepAlong);
            double length = curvature > 0 ? Math.Min(toBoundary, gradientSquared / curvature) : toBoundary;

            int blocking = -1;
            for (int i = 0; i < n; i++)
            {
                if (direction[i] == 0) continue;
                double position = best[i] + Step[i];
                double room = direction[i] > 0 ? model.UpperRoom[i] - position : model.LowerRoom[i] - position;
                double limit = room / direction[i];
                if (limit < length)
                {
                    length = limit;
                    blocking = i;
                }
            }

            double decrease = 0;
            if (length > 0)
            {
                iterations++;
                double rayleigh = curvature / directionSquared;
                if (blocking < 0 && rayleigh > 0) Curvature = Curvature < 0 ? rayleigh : Math.Min(Curvature, rayleigh);
                previousGradientSquared = gradientSquared;
                gradientSquared = 0;
                for (int i = 0; i < n; i++)
                {
                    TrialGradient[i] += length * hessianDirection[i];
                    if (boundState[i] == 0) gradientSquared += TrialGradient[i] * TrialGradient[i];
                    Step[i] += length * direction[i];
                }
                decrease = Math.Max(length * (previousGradientSquared - 0.5 * length * curvature), 0);
                totalReduction += decrease;
            }

            if (blocking >= 0)
            {
                fixedCount++;
                boundState[blocking] = direction[blocking] > 0 ? 1 : -1;
                freeRadiusSquared -= Step[blocking] * Step[blocking];
                if (freeRadiusSquared <= 0) return true;
                beta = 0;
                continue;
            }
            if (length >= toBoundary) return true;
            if (iterations == iterationLimit || decrease <= 0.01 * totalReduction) return false;
            beta = gradientSquared / previousGradientSquared;
        }
    }

    /// <summary>
    /// Stage two: replace d by cos θ d + sin θ s, with s orthogonal to d in the free variables, |s| = |d| and s·g &lt; 0,
    /// choosing θ to reduce the model most without leaving the box. θ is parametrised by t = tan(θ/2) ∈ (0, 1].
    /// </summary>
    private void RotateOnBoundary()
    {
        double[] best = model.BestPoint;
        int n = best.Length;
        while (fixedCount < n - 1)
        {
            double stepSquared = 0, stepGradient = 0, gradientSquared = 0;
            for (int i = 0; i < n; i++)
            {
                direction[i] = 0;
                if (boundState[i] != 0) continue;
                stepSquared += Step[i] * Step[i];
                stepGradient += Step[i] * TrialGradient[i];
                gradientSquared += TrialGradient[i] * TrialGradient[i];
                direction[i] = Step[i];
            }
            model.MultiplyHessian(direction, hessianFreeStep);

            if (!RotateUntilNewBound(ref stepGradient, ref gradientSquared, stepSquared)) return;
        }
    }

    /// <summary>Rotations with a fixed set of free variables. Returns true when a variable became fixed, which
    /// changes the free subspace and so restarts the rotations; false when no further progress is worthwhile.</summary>
    private bool RotateUntilNewBound(ref double stepGradient, ref double gradientSquared, double stepSquared)
    {
        double[] best = model.BestPoint;
        int n = best.Length;
        while (true)
        {
            double product = gradientSquared * stepSquared - stepGradient * stepGradient;
            if (product <= 1e-4 * totalReduction * totalReduction) return false;
            product = Math.Sqrt(product);
            for (int i = 0; i < n; i++)
                direction[i] = boundState[i] != 0 ? 0 : (stepGradient * Step[i] - stepSquared * TrialGradient[i]) / product;
            double directionGradient = -product;

            // Largest t before a free variable leaves the box: the path of variable i is an ellipse through
            // best + dᵢ cos θ + sᵢ sin θ, solved for the bound in terms of t.
            double angleLimit = 1;
            int blocking = -1, blockingSide = 0;
            for (int i = 0; i < n; i++)
            {
                if (boundState[i] != 0) continue;
                double lowerSlack = best[i] + Step[i] - model.LowerRoom[i];
                double upperSlack = model.UpperRoom[i] - best[i] - Step[i];
                if (lowerSlack <= 0 || upperSlack <= 0)
                {
                    fixedCount++;
                    boundState[i] = lowerSlack <= 0 ? -1 : 1;
                    return true;
                }
                double amplitudeSquared = Step[i] * Step[i] + direction[i] * direction[i];
                double reach = amplitudeSquared - VectorMath.Square(best[i] - model.LowerRoom[i]);
                if (reach > 0)
                {
                    reach = Math.Sqrt(reach) - direction[i];
                    if (angleLimit * reach > lowerSlack)
                    {
                        angleLimit = lowerSlack / reach;
                        blocking = i;
                        blockingSide = -1;
                    }
                }
                reach = amplitudeSquared - VectorMath.Square(model.UpperRoom[i] - best[i]);
                if (reach > 0)
                {
                    reach = Math.Sqrt(reach) + direction[i];
                    if (angleLimit * reach > upperSlack)
                    {
                        angleLimit = upperSlack / reach;
                        blocking = i;
                        blockingSide = 1;
                    }
                }
            }

            model.MultiplyHessian(direction, hessianDirection);
            double directionCurvature = 0, crossCurvature = 0, stepCurvature = 0;
            for (int i = 0; i < n; i++)
            {
                if (boundState[i] != 0) continue;
                directionCurvature += direction[i] * hessianDirection[i];
                crossCurvature += Step[i] * hessianDirection[i];
                stepCurvature += Step[i] * hessianFreeStep[i];
            }

            // The reduction is a smooth function of t: sample it, then refine the best sample by a parabola.
            int samples = (int)(17 * angleLimit + 3.1);
            int bestSample = 0;
            double bestReduction = 0, previous = 0, beforeBest = 0, afterBest = 0;
            for (int sample = 1; sample <= samples; sample++)
            {
                double t = angleLimit * sample / samples;
                double reduction = Reduction(t, stepGradient, directionGradient, directionCurvature, crossCurvature, stepCurvature);
                if (reduction > bestReduction)
                {
                    bestReduction = reduction;
                    bestSample = sample;
                    beforeBest = previous;
                }
                else if (sample == bestSample + 1)
                {
                    afterBest = reduction;
                }
                previous = reduction;
            }
            if (bestSample == 0) return false;
            double tangent = angleLimit * bestSample / samples;
            if (bestSample < samples)
            {
                double offset = (afterBest - beforeBest) / (2 * bestReduction - beforeBest - afterBest);
                tangent = angleLimit * (bestSample + 0.5 * offset) / samples;
            }
            double cosine = (1 - tangent * tangent) / (1 + tangent * tangent);
            double sine = 2 * tangent / (1 + tangent * tangent);
            double decrease = Reduction(tangent, stepGradient, directionGradient, directionCurvature, crossCurvature, stepCurvature);
            if (decrease <= 0) return false;

            stepGradient = 0;
            gradientSquared = 0;
            for (int i = 0; i < n; i++)
            {
                TrialGradient[i] += (cosine - 1) * hessianFreeStep[i] + sine * hessianDirection[i];
                if (boundState[i] == 0)
                {
                    Step[i] = cosine * Step[i] + sine * direction[i];
                    stepGradient += Step[i] * TrialGradient[i];
                    gradientSquared += TrialGradient[i] * TrialGradient[i];
                }
                hessianFreeStep[i] = cosine * hessianFreeStep[i] + sine * hessianDirection[i];
            }
            totalReduction += decrease;

            if (blocking >= 0 && bestSample == samples)
            {
                fixedCount++;
                boundState[blocking] = blockingSide;
                return true;
            }
            if (decrease <= 0.01 * totalReduction) return false;
        }
    }

    /// <summary>Q(d) − Q(d(θ)) for t = tan(θ/2), using 1 − cos θ = t sin θ.</summary>
    private static double Reduction(double t, double stepGradient, double directionGradient,
        double directionCurvature, double crossCurvature, double stepCurvature)
    {
        double sine = 2 * t / (1 + t * t);
        double curvature = directionCurvature + t * (t * stepCurvature - 2 * crossCurvature);
        return sine * (t * stepGradient - directionGradient - 0.5 * sine * curvature);
    }
}
