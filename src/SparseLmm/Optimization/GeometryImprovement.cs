namespace SparseLmm.Optimization;

/// <summary>
/// Chooses a new position for an interpolation point that is to be dropped because it is far from the best point
/// (Powell's ALTMOV). The aim is the well-posedness of the interpolation system, not a lower objective: the new point
/// should make |L(x)| large, where L is the leaving point's Lagrange function, since the update's denominator
/// grows with L(x)². Two candidates are formed inside the box and within <c>radius</c> of the best point:
/// the best point on the lines from the best point through the other interpolation points, and a projected
/// steepest ascent or descent step of L, which the caller uses only when the first one's denominator is too small.
/// </summary>
internal sealed class GeometryImprovement
{
    private static readonly double SilverRatio = 1 + Math.Sqrt(2);

    private readonly InterpolationModel model;
    private readonly double[] lagrangeHessianWeights;
    private readonly double[] lagrangeGradient;
    private readonly double[] direction;
    private readonly double[] otherAlternative;
    private readonly bool[] isFree;

    /// <summary>Allocates the workspace for <paramref name="model"/>'s size.</summary>
    public GeometryImprovement(InterpolationModel model)
    {
        this.model = model;
        int n = model.Dimension;
        lagrangeHessianWeights = new double[model.PointCount];
        lagrangeGradient = new double[n];
        direction = new double[n];
        otherAlternative = new double[n];
        isFree = new bool[n];
        Trial = new double[n];
        Alternative = new double[n];
    }

    /// <summary>The candidate on a line through another interpolation point (relative to the model base).</summary>
    public double[] Trial { get; }

    /// <summary>The steepest-ascent or -descent candidate.</summary>
    public double[] Alternative { get; }

    /// <summary>An estimate of L(<see cref="Alternative"/>)², comparable with the update denominator; 0 when there is
    /// no such candidate.</summary>
    public double AlternativeScore { get; private set; }

    /// <summary>Computes both candidates for replacing point <paramref name="leaving"/> within distance
    /// <paramref name="radius"/> of the best point.</summary>
    public void Compute(int leaving, double radius)
    {
        double[] best = model.BestPoint;
        model.OmegaColumn(leaving, lagrangeHessianWeights);
        model.GradientRows[leaving].CopyTo(lagrangeGradient);
        for (int k = 0; k < model.PointCount; k++)
        {
            double[] point = model.Points[k];
            VectorMath.AddScaled(lagrangeGradient, lagrangeHessianWeights[k] * VectorMath.Dot(point, best), point);
        }

        SearchLinesThroughPoints(leaving, radius);

        double descentScore = SteepestCandidate(1, radius, Alternative);
        double ascentScore = SteepestCandidate(-1, radius, otherAlternative);
        AlternativeScore = Math.Max(descentScore, ascentScore);
        if (ascentScore > descentScore) otherAlternative.CopyTo(Alternative);
    }

    /// <summary>
    /// On the line best + t(yₖ − best), L is a quadratic in t with L(0) = 0 and L(1) = 1 for the leaving point, 0 for
    /// the others, so its extreme values over the feasible t are known in closed form. Each line is scored by
    /// L² (L² + ½α (t(1 − t)|yₖ − best|²)²), an estimate of L² times the update denominator with α = Ω of the leaving point.
    /// </summary>
    private void SearchLinesThroughPoints(int leaving, double radius)
    {
        double[] best = model.BestPoint;
        int n = best.Length;
        double halfAlpha = 0.5 * lagrangeHessianWeights[leaving];
        double bestScore = -1, bestStep = 0;
        int bestLine = -1, bestBoundIndex = -1, bestBoundSide = 0;

        for (int k = 0; k < model.PointCount; k++)
        {
            if (k == model.BestIndex) continue;
            double[] point = model.Points[k];
            double slope = 0;
            for (int i = 0; i < n; i++) slope += lagrangeGradient[i] * (point[i] - best[i]);
            double distanceSquared = VectorMath.DistanceSquared(point, best);

            // Feasible t: inside the radius and the box. Every t in [0, 1] is feasible because the box is convex,
            // so the upper limit never drops below min(1, radius / distance).
            double upper = radius / Math.Sqrt(distanceSquared), lower = -upper;
            double guaranteed = Math.Min(1, upper);
            int lowerIndex = -1, lowerSide = 0, upperIndex = -1, upperSide = 0;
            for (int i = 0; i < n; i++)
            {
                double along = point[i] - best[i];
                double roomDown = model.LowerRoom[i] - best[i], roomUp = model.UpperRoom[i] - best[i];
                if (along > 0)
                {
                    if (lower * along < roomDown) (lower, lowerIndex, lowerSide) = (roomDown / along, i, -1);
                    if (upper * along > roomUp) (upper, upperIndex, upperSide) = (Math.Max(guaranteed, roomUp / along), i, 1);
                }
                else if (along < 0)
                {
                    if (lower * along > roomUp) (lower, lowerIndex, lowerSide) = (roomUp / along, i, 1);
                    if (upper * along < roomDown) (upper, upperIndex, upperSide) = (Math.Max(guaranteed, roomDown / along), i, -1);
                }
            }

            double step, value;
            int boundIndex, boundSide;
            if (k == leaving)
            {
                // L(t) = t(slope − t·bend), bend = slope − 1.
                double bend = slope - 1;
                (step, value, boundIndex, boundSide) = (lower, lower * (slope - lower * bend), lowerIndex, lowerSide);
                double atUpper = upper * (slope - upper * bend);
                if (Math.Abs(atUpper) > Math.Abs(value)) (step, value, boundIndex, boundSide) = (upper, atUpper, upperIndex, upperSide);
                double halfSlope = 0.5 * slope;
                if ((halfSlope - bend * lower) * (halfSlope - bend * upper) < 0)
                {
                    double atStationary = halfSlope * halfSlope / bend;
                    if (Math.Abs(atStationary) > Math.Abs(value)) (step, value, boundIndex, boundSide) = (halfSlope / bend, atStationary, -1, 0);
                }
            }
            else
            {
                // L(t) = slope · t(1 − t), largest in magnitude at an end or at t = ½.
                (step, value, boundIndex, boundSide) = (lower, lower * (1 - lower), lowerIndex, lowerSide);
                double atUpper = upper * (1 - upper);
                if (Math.Abs(atUpper) > Math.Abs(value)) (step, value, boundIndex, boundSide) = (upper, atUpper, upperIndex, upperSide);
                if (upper > 0.5 && Math.Abs(value) < 0.25) (step, value, boundIndex, boundSide) = (0.5, 0.25, -1, 0);
                value *= slope;
            }

            double spread = step * (1 - step) * distanceSquared;
            double score = value * value * (value * value + halfAlpha * spread * spread);
            if (score > bestScore)
            {
                (bestScore, bestLine, bestStep) = (score, k, step);
                (bestBoundIndex, bestBoundSide) = (boundIndex, boundSide);
            }
        }

        double[] target = model.Points[bestLine];
        for (int i = 0; i < n; i++)
            Trial[i] = Math.Clamp(best[i] + bestStep * (target[i] - best[i]), model.LowerRoom[i], model.UpperRoom[i]);
        if (bestBoundIndex >= 0)
            Trial[bestBoundIndex] = bestBoundSide < 0 ? model.LowerRoom[bestBoundIndex] : model.UpperRoom[bestBoundIndex];
    }

    /// <summary>
    /// The step of length <c>radius</c> along −sign·∇L, projected onto the box by fixing each variable that would leave it
    /// at its bound and lengthening the rest, repeated until no more variables are fixed. Along that step
    /// L(best + a w) = a g·w + ½a² wᵀ∇²L w, and the step is shortened when that moves |L| further.
    /// Returns the score, the square of the value of sign·L reached; the point goes to <paramref name="candidate"/>.
    /// </summary>
    private double SteepestCandidate(double sign, double radius, double[] candidate)
    {
        double[] best = model.BestPoint;
        int n = best.Length;
        double fixedSquared = 0, freeGradientSquared = 0;
        for (int i = 0; i < n; i++)
        {
            double g = sign * lagrangeGradient[i];
            direction[i] = 0;
            isFree[i] = (g > 0 && best[i] > model.LowerRoom[i]) || (g < 0 && best[i] < model.UpperRoom[i]);
            if (isFree[i]) freeGradientSquared += g * g;
        }
        if (freeGradientSquared == 0) return 0;

        double length = 0;
        while (true)
        {
            double remaining = radius * radius - fixedSquared;
            if (remaining <= 0) break;
            double fixedBefore = fixedSquared;
            length = Math.Sqrt(remaining / freeGradientSquared);
            freeGradientSquared = 0;
            for (int i = 0; i < n; i++)
            {
                if (!isFree[i]) continue;
                double g = sign * lagrangeGradient[i];
                double position = best[i] - length * g;
                if (position <= model.LowerRoom[i] || position >= model.UpperRoom[i])
                {
                    direction[i] = (position <= model.LowerRoom[i] ? model.LowerRoom[i] : model.UpperRoom[i]) - best[i];
                    fixedSquared += direction[i] * direction[i];
                    isFree[i] = false;
                }
                else
                {
                    freeGradientSquared += g * g;
                }
            }
            if (fixedSquared <= fixedBefore || freeGradientSquared == 0) break;
        }

        double slope = 0;
        for (int i = 0; i < n; i++)
        {
            double g = sign * lagrangeGradient[i];
            if (isFree[i])
            {
                direction[i] = -length * g;
                candidate[i] = Math.Clamp(best[i] + direction[i], model.LowerRoom[i], model.UpperRoom[i]);
            }
            else if (direction[i] == 0)
            {
                candidate[i] = best[i];
            }
            else
            {
                candidate[i] = g > 0 ? model.LowerRoom[i] : model.UpperRoom[i];
            }
            slope += g * direction[i];
        }

        double curvature = 0;
        for (int k = 0; k < model.PointCount; k++)
            curvature += lagrangeHessianWeights[k] * VectorMath.Square(VectorMath.Dot(model.Points[k], direction));
        curvature *= sign;

        // slope < 0; with positive curvature the extreme of a·slope + ½a²·curvature lies at a = −slope/curvature,
        // and it beats a = 1 when that a is above 1/(1 + √2).
        if (curvature > -slope && curvature < -slope * SilverRatio)
        {
            double scale = -slope / curvature;
            for (int i = 0; i < n; i++)
                candidate[i] = Math.Clamp(best[i] + scale * direction[i], model.LowerRoom[i], model.UpperRoom[i]);
            return VectorMath.Square(0.5 * slope * scale);
        }
        return VectorMath.Square(slope + 0.5 * curvature);
    }
}
