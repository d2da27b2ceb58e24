namespace SparseLmm.Optimization;

/// <summary>The initial interpolation set, and the closed-form H and model that go with it (Powell's PRELIM).</summary>
/// <remarks>
/// Point 0 is the centre. Points 1..n step along each axis; points n+1..2n (while m allows) take a second step along
/// the same axis, so each such axis carries a parabola through three points. Any further points sit on the plane
/// of two axes and fix one off-diagonal Hessian entry each. For this layout the minimum-norm interpolation system
/// decouples axis by axis, so H is written down directly instead of inverting W.
/// </remarks>
internal sealed partial class InterpolationModel
{
    /// <summary>For each axis, the axis point whose step the plane points reuse.</summary>
    private readonly int[] pairAxisPoint;

    /// <summary>Number of points on the axes (including the centre); the rest are plane points.</summary>
    public int AxisPointCount => Math.Min(PointCount, 2 * Dimension + 1);

    /// <summary>
    /// Forgets the current set and places the centre and the axis points around <paramref name="center"/> (absolute),
    /// <paramref name="step"/> apart. The caller then fills <see cref="Values"/> for them, calls
    /// <see cref="PlacePlanePoints"/>, fills the remaining values and calls <see cref="BuildInitialModel"/>.
    /// </summary>
    /// <remarks>Every bound must be at least 2·step away from its opposite bound, so that at least one side of the
    /// centre has room for a full step.</remarks>
    public void PlaceAxisPoints(ReadOnlySpan<double> center, double step)
    {
        int n = Dimension;
        center.CopyTo(Base);
        for (int i = 0; i < n; i++)
        {
            LowerRoom[i] = lowerBounds[i] - center[i];
            UpperRoom[i] = upperBounds[i] - center[i];
        }
        foreach (double[] point in Points) Array.Clear(point);
        foreach (double[] row in GradientRows) Array.Clear(row);
        foreach (double[] row in OmegaFactor) Array.Clear(row);
        foreach (double[] row in ExplicitHessian) Array.Clear(row);
        Array.Clear(ImplicitWeights);

        for (int j = 0; j < n; j++)
        {
            var (first, second) = AxisSteps(j, step);
            Points[1 + j][j] = first;
            if (1 + n + j < PointCount) Points[1 + n + j][j] = second;
        }
    }

    /// <summary>
    /// Places the points beyond 2n + 1, each combining the steps of two axes. On an axis with steps on both sides,
    /// the step with the lower value is used, since the minimum is more likely on that side.
    /// </summary>
    public void PlacePlanePoints()
    {
        int n = Dimension;
        for (int j = 0; j < n; j++)
        {
            int first = 1 + j, second = 1 + n + j;
            bool oppositeSides = second < PointCount && Points[first][j] * Points[second][j] < 0;
            pairAxisPoint[j] = oppositeSides && Values[second] < Values[first] ? second : first;
        }
        for (int k = AxisPointCount; k < PointCount; k++)
        {
            var (p, q) = PlaneAxes(k);
            Points[k][p] = Points[pairAxisPoint[p]][p];
            Points[k][q] = Points[pairAxisPoint[q]][q];
        }
    }

    /// <summary>Builds the model, H and the best point once every value is known.</summary>
    public void BuildInitialModel()
    {
        int n = Dimension, m = PointCount;
        double centerValue = Values[0];
        double sqrtTwo = Math.Sqrt(2);
        for (int j = 0; j < n; j++)
        {
            int firstIndex = 1 + j, secondIndex = 1 + n + j;
            double a = Points[firstIndex][j];
            double slopeA = (Values[firstIndex] - centerValue) / a;
            if (secondIndex < m)
            {
                // Parabola through the steps 0, a and b: the interpolation weights of its slope at 0 and curvature.
                double b = Points[secondIndex][j];
                double slopeB = (Values[secondIndex] - centerValue) / b;
                Gradient[j] = (b * slopeA - a * slopeB) / (b - a);
                ExplicitHessian[j][j] = 2 * (slopeA - slopeB) / (a - b);
                GradientRows[0][j] = -(a + b) / (a * b);
                GradientRows[firstIndex][j] = -b / (a * (a - b));
                GradientRows[secondIndex][j] = a / (b * (a - b));
                OmegaFactor[0][j] = sqrtTwo / (a * b);
                OmegaFactor[firstIndex][j] = sqrtTwo / (a * (a - b));
                OmegaFactor[secondIndex][j] = -sqrtTwo / (b * (a - b));
            }
            else
            {
                // A single step gives a straight line; the minimum-norm system then puts −a²/2 on Υ's diagonal.
                Gradient[j] = slopeA;
                GradientRows[0][j] = -1 / a;
                GradientRows[firstIndex][j] = 1 / a;
                GradientRows[m + j][j] = -0.5 * a * a;
            }
        }

        for (int k = AxisPointCount; k < m; k++)
        {
            var (p, q) = PlaneAxes(k);
            int pIndex = pairAxisPoint[p], qIndex = pairAxisPoint[q];
            double area = Points[k][p] * Points[k][q];
            double crossTerm = (Values[k] - Values[pIndex] - Values[qIndex] + centerValue) / area;
            ExplicitHessian[p][q] = crossTerm;
            ExplicitHessian[q][p] = crossTerm;
            int column = k - n - 1;
            OmegaFactor[0][column] = 1 / area;
            OmegaFactor[k][column] = 1 / area;
            OmegaFactor[pIndex][column] = -1 / area;
            OmegaFactor[qIndex][column] = -1 / area;
        }

        BestIndex = 0;
        for (int k = 1; k < m; k++)
            if (Values[k] < Values[BestIndex]) BestIndex = k;
        Points[BestIndex].CopyTo(BestPoint);

        // The gradient above is at the centre; the model keeps it at the best point.
        MultiplyHessian(BestPoint, vectorScratch);
        VectorMath.AddScaled(Gradient, 1, vectorScratch);
    }

    /// <summary>
    /// Two distinct non-zero steps along axis j that stay inside the bounds: ±step when both sides have room,
    /// otherwise step and up to 2·step on the roomier side (which has more than a step, the box being at least 2·step wide).
    /// </summary>
    private (double First, double Second) AxisSteps(int j, double step)
    {
        double up = UpperRoom[j], down = -LowerRoom[j];
        if (up >= step && down >= step) return (step, -step);
        return up >= down ? (step, Math.Min(2 * step, up)) : (-step, -Math.Min(2 * step, down));
    }

    /// <summary>The two axes of plane point k: axis pairs at index distance 1, then 2, ..., cyclically, which enumerates
    /// every pair exactly once before repeating.</summary>
    private (int P, int Q) PlaneAxes(int k)
    {
        int n = Dimension;
        int order = k - AxisPointCount;
        int distance = 1 + order / n;
        int p = order % n;
        return (p, (p + distance) % n);
    }
}
