namespace SparseLmm.Optimization;

/// <summary>
/// The interpolation set and quadratic model of BOBYQA. The model Q interpolates the objective at m points and, among
/// such quadratics, changes its Hessian as little as possible (Frobenius norm) at every update. Solving that problem
/// needs the inverse H of Powell's (m + n + 1)-square interpolation matrix W; it is kept up to date instead of
/// being recomputed, which makes replacing one point cost O(m n) rather than O((m + n)³).
/// </summary>
/// <remarks>
/// All positions are relative to <see cref="Base"/>, because the entries of W grow like |y|⁴ and would drown the
/// information of small steps if the origin were far from the points.
/// H is stored in two pieces: <see cref="OmegaFactor"/> Z with ZZᵀ equal to its leading m × m block Ω (which has rank
/// m − n − 1 and is positive semi-definite), and <see cref="GradientRows"/>, holding its last n columns. The row and
/// column of H belonging to the constant term are never needed, since every formula uses differences of function values.
/// The model Hessian is the explicit matrix <see cref="ExplicitHessian"/> plus Σₖ <see cref="ImplicitWeights"/>[k] yₖyₖᵀ;
/// the implicit part lets an update add the Hessian of a Lagrange function in O(m) instead of O(n²).
/// </remarks>
internal sealed partial class InterpolationModel
{
    private readonly double[] lowerBounds;
    private readonly double[] upperBounds;
    private readonly double[] pointScratch;
    private readonly double[] secondPointScratch;
    private readonly double[] factorScratch;
    private readonly double[] vectorScratch;
    private readonly double[] shift;

    /// <summary>Allocates every array the model needs for a problem with the given bounds and m points.</summary>
    public InterpolationModel(ReadOnlySpan<double> lower, ReadOnlySpan<double> upper, int pointCount)
    {
        int n = lower.Length;
        Dimension = n;
        PointCount = pointCount;
        lowerBounds = lower.ToArray();
        upperBounds = upper.ToArray();
        Base = new double[n];
        Points = Matrix(pointCount, n);
        Values = new double[pointCount];
        BestPoint = new double[n];
        LowerRoom = new double[n];
        UpperRoom = new double[n];
        Gradient = new double[n];
        ExplicitHessian = Matrix(n, n);
        ImplicitWeights = new double[pointCount];
        GradientRows = Matrix(pointCount + n, n);
        OmegaFactor = Matrix(pointCount, pointCount - n - 1);
        pointScratch = new double[pointCount];
        secondPointScratch = new double[pointCount];
        factorScratch = new double[pointCount - n - 1];
        vectorScratch = new double[n];
        shift = new double[n];
        pairAxisPoint = new int[n];
    }

    /// <summary>Number of variables n.</summary>
    public int Dimension { get; }

    /// <summary>Number of interpolation points m.</summary>
    public int PointCount { get; }

    /// <summary>Absolute position of the origin of every relative coordinate below.</summary>
    public double[] Base { get; }

    /// <summary>The interpolation points yₖ, relative to <see cref="Base"/> (m rows of n).</summary>
    public double[][] Points { get; }

    /// <summary>The objective value at each interpolation point.</summary>
    public double[] Values { get; }

    /// <summary>Index of the point with the least value.</summary>
    public int BestIndex { get; private set; }

    /// <summary>A copy of the best point: its row in <see cref="Points"/> may be overwritten before the gradient
    /// has been moved to the new best point.</summary>
    public double[] BestPoint { get; }

    /// <summary>The least objective value in the interpolation set.</summary>
    public double BestValue => Values[BestIndex];

    /// <summary>Lower bounds relative to <see cref="Base"/> (−∞ when unbounded).</summary>
    public double[] LowerRoom { get; }

    /// <summary>Upper bounds relative to <see cref="Base"/> (+∞ when unbounded).</summary>
    public double[] UpperRoom { get; }

    /// <summary>Gradient of the model at <see cref="BestPoint"/>.</summary>
    public double[] Gradient { get; }

    /// <summary>The explicit part of the model Hessian (symmetric, both triangles stored).</summary>
    public double[][] ExplicitHessian { get; }

    /// <summary>Weights of the implicit part Σₖ wₖ yₖyₖᵀ of the model Hessian.</summary>
    public double[] ImplicitWeights { get; }

    /// <summary>The last n columns of H: rows 0..m−1 give the gradients (at the base) of the Lagrange functions,
    /// rows m..m+n−1 the symmetric trailing n × n block.</summary>
    public double[][] GradientRows { get; }

    /// <summary>Z with ZZᵀ = Ω, the leading m × m block of H (m rows of m − n − 1).</summary>
    public double[][] OmegaFactor { get; }

    /// <summary>The absolute point of a relative one, clamped to the bounds. A coordinate equal to its relative bound
    /// maps exactly onto the absolute bound, so that rounding in the base never pushes a point off an active bound.</summary>
    public void ToAbsolute(ReadOnlySpan<double> relative, Span<double> absolute)
    {
        for (int i = 0; i < Dimension; i++)
        {
            if (relative[i] == LowerRoom[i]) absolute[i] = lowerBounds[i];
            else if (relative[i] == UpperRoom[i]) absolute[i] = upperBounds[i];
            else absolute[i] = Math.Clamp(Base[i] + relative[i], lowerBounds[i], upperBounds[i]);
        }
    }

    /// <summary>result = ∇²Q v.</summary>
    public void MultiplyHessian(ReadOnlySpan<double> v, Span<double> result)
    {
        for (int i = 0; i < Dimension; i++) result[i] = VectorMath.Dot(ExplicitHessian[i], v);
        for (int k = 0; k < PointCount; k++)
        {
            if (ImplicitWeights[k] == 0) continue;
            VectorMath.AddScaled(result, ImplicitWeights[k] * VectorMath.Dot(Points[k], v), Points[k]);
        }
    }

    /// <summary>The diagonal entry (∇²Q)ⱼⱼ.</summary>
    public double HessianDiagonal(int j)
    {
        double sum = ExplicitHessian[j][j];
        for (int k = 0; k < PointCount; k++) sum += ImplicitWeights[k] * Points[k][j] * Points[k][j];
        return sum;
    }

    /// <summary>Q(best + step) − Q(best).</summary>
    public double PredictedChange(ReadOnlySpan<double> step)
    {
        MultiplyHessian(step, vectorScratch);
        double change = 0;
        for (int i = 0; i < Dimension; i++) change += step[i] * (Gradient[i] + 0.5 * vectorScratch[i]);
        return change;
    }

    /// <summary>Column k of Ω: the Hessian weights of the k-th Lagrange function.</summary>
    public void OmegaColumn(int k, Span<double> column)
    {
        double[] row = OmegaFactor[k];
        for (int i = 0; i < PointCount; i++) column[i] = VectorMath.Dot(OmegaFactor[i], row);
    }

    /// <summary>Ωₖₖ, which is never negative in exact arithmetic.</summary>
    public double OmegaDiagonal(int k) => VectorMath.Dot(OmegaFactor[k], OmegaFactor[k]);

    /// <summary>
    /// Moves the base to the best point, transforming H and the model Hessian so that they describe the same functions
    /// in the new coordinates. <paramref name="alsoShift"/> is a caller's point that must move with the coordinates.
    /// </summary>
    /// <remarks>
    /// With s the shift, σₖ = yₖ·s − ½|s|², Ξ the gradient rows, Υ the trailing block and Y the points:
    /// Ω is unchanged (the minimum-norm Hessian does not depend on the origin), Ξ gains YᵀΣΩ and Υ gains
    /// ΞΣY + YᵀΣΞᵀ − ssᵀ + YᵀΣΩΣY. Writing the updates as sums of symmetric terms keeps Υ exactly symmetric.
    /// </remarks>
    public void ShiftBaseToBestPoint(Span<double> alsoShift)
    {
        int n = Dimension, m = PointCount;
        BestPoint.CopyTo(shift);
        double shiftSquared = VectorMath.Dot(shift, shift);
        double[] centred = pointScratch;
        for (int k = 0; k < m; k++) centred[k] = VectorMath.Dot(Points[k], shift) - 0.5 * shiftSquared;

        double[] v = vectorScratch;
        for (int k = 0; k < m; k++)
        {
            double[] gradient = GradientRows[k];
            double along = 0.25 * shiftSquared - 0.5 * centred[k];
            for (int i = 0; i < n; i++) v[i] = centred[k] * Points[k][i] + along * shift[i];
            AddSymmetricProduct(gradient, v);
        }

        for (int column = 0; column < OmegaFactor[0].Length; column++)
        {
            Array.Clear(v);
            for (int k = 0; k < m; k++) VectorMath.AddScaled(v, centred[k] * OmegaFactor[k][column], Points[k]);
            for (int k = 0; k < m; k++) VectorMath.AddScaled(GradientRows[k], OmegaFactor[k][column], v);
            for (int i = 0; i < n; i++) VectorMath.AddScaled(GradientRows[m + i], v[i], v);
        }

        // The implicit Hessian Σ wₖ yₖyₖᵀ changes when the yₖ move; the difference goes into the explicit part.
        Array.Clear(v);
        double weightSum = 0;
        for (int k = 0; k < m; k++)
        {
            VectorMath.AddScaled(v, ImplicitWeights[k], Points[k]);
            weightSum += ImplicitWeights[k];
        }
        VectorMath.AddScaled(v, -0.5 * weightSum, shift);
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            ExplicitHessian[i][j] += v[i] * shift[j] + shift[i] * v[j];

        for (int k = 0; k < m; k++) VectorMath.AddScaled(Points[k], -1, shift);
        VectorMath.AddScaled(LowerRoom, -1, shift);
        VectorMath.AddScaled(UpperRoom, -1, shift);
        VectorMath.AddScaled(Base, 1, shift);
        VectorMath.AddScaled(alsoShift, -1, shift);
        Array.Clear(BestPoint);
    }

    /// <summary>Υ += a bᵀ + b aᵀ, for the trailing block Υ of H.</summary>
    private void AddSymmetricProduct(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        for (int i = 0; i < Dimension; i++)
        {
            double[] row = GradientRows[PointCount + i];
            for (int j = 0; j < Dimension; j++) row[j] += a[i] * b[j] + b[i] * a[j];
        }
    }

    private static double[][] Matrix(int rows, int columns)
    {
        var matrix = new double[rows][];
        for (int i = 0; i < rows; i++) matrix[i] = new double[columns];
        return matrix;
    }
}
