namespace SparseLmm.Optimization;

/// <summary>Replacing one interpolation point: the Lagrange values that decide which point leaves, and the rank-two
/// update of H and of the model (Powell's UPDATE and the model part of BOBYQB).</summary>
internal sealed partial class InterpolationModel
{
    /// <summary>
    /// Fills <paramref name="lagrange"/> (length m + n) with H w for the point x = best + <paramref name="step"/>, where w is
    /// x's column of W: its first m entries are the Lagrange function values Lₖ(x), the last n the update vector for
    /// the gradient rows. Returns β = ½|x|⁴ − wᵀHw. Replacing point t by x keeps W nonsingular with denominator
    /// σ = Ωₜₜ β + Lₜ(x)², so these numbers decide which point should leave.
    /// </summary>
    /// <remarks>
    /// w is written as the column of the best point (for which H w = e_best exactly) plus a difference whose entries
    /// are ½((yₖ·x)² − (yₖ·best)²) = (yₖ·d)(½ yₖ·d + yₖ·best): this avoids the cancellation of subtracting fourth powers
    /// and the never-stored constant row of H.
    /// </remarks>
    public double ComputeLagrangeValues(ReadOnlySpan<double> step, Span<double> lagrange)
    {
        int n = Dimension, m = PointCount;
        double[] difference = pointScratch;
        for (int k = 0; k < m; k++)
        {
            double alongStep = VectorMath.Dot(Points[k], step);
            difference[k] = alongStep * (0.5 * alongStep + VectorMath.Dot(Points[k], BestPoint));
        }

        double[] factorProducts = factorScratch;
        Array.Clear(factorProducts);
        for (int k = 0; k < m; k++) VectorMath.AddScaled(factorProducts, difference[k], OmegaFactor[k]);
        for (int k = 0; k < m; k++)
            lagrange[k] = VectorMath.Dot(OmegaFactor[k], factorProducts) + VectorMath.Dot(GradientRows[k], step);
        lagrange[BestIndex] += 1;

        double stepDotGradientPart = 0;
        for (int j = 0; j < n; j++)
        {
            double fromPoints = 0;
            for (int k = 0; k < m; k++) fromPoints += GradientRows[k][j] * difference[k];
            double fromStep = 0;
            for (int i = 0; i < n; i++) fromStep += GradientRows[m + i][j] * step[i];
            lagrange[m + j] = fromPoints + fromStep;
            stepDotGradientPart += step[j] * fromPoints;
        }

        // β = ½|x|⁴ + ½|best|⁴ − (x·best)² − ΔᵀHΔ, with the first three terms expanded in d to avoid cancellation.
        double stepSquared = VectorMath.Dot(step, step);
        double bestSquared = VectorMath.Dot(BestPoint, BestPoint);
        double cross = VectorMath.Dot(BestPoint, step);
        double quadraticForm = VectorMath.Dot(factorProducts, factorProducts) + stepDotGradientPart
                               + VectorMath.Dot(step, lagrange[m..]);
        return cross * cross + stepSquared * (bestSquared + 2 * cross + 0.5 * stepSquared) - quadraticForm;
    }

    /// <summary>
    /// Replaces point <paramref name="leaving"/> by best + <paramref name="step"/> (= <paramref name="newPoint"/>) with value
    /// <paramref name="value"/>. <paramref name="modelError"/> is value − Q(newPoint); adding that multiple of the new
    /// Lagrange function makes the model interpolate the new point while changing its Hessian least.
    /// <paramref name="lagrange"/>, <paramref name="beta"/> and <paramref name="denominator"/> come from
    /// <see cref="ComputeLagrangeValues"/>; <paramref name="lagrange"/> is overwritten.
    /// </summary>
    public void ReplacePoint(int leaving, ReadOnlySpan<double> step, ReadOnlySpan<double> newPoint, double value,
        double modelError, double beta, double denominator, Span<double> lagrange)
    {
        bool improves = value < BestValue;
        UpdateInverse(leaving, beta, denominator, lagrange);

        // The leaving point's implicit Hessian term must survive its coordinates changing, so it becomes explicit.
        double oldWeight = ImplicitWeights[leaving];
        ImplicitWeights[leaving] = 0;
        double[] leavingPoint = Points[leaving];
        for (int i = 0; i < Dimension; i++) VectorMath.AddScaled(ExplicitHessian[i], oldWeight * leavingPoint[i], leavingPoint);

        double[] lagrangeWeights = pointScratch;
        OmegaColumn(leaving, lagrangeWeights);
        VectorMath.AddScaled(ImplicitWeights, modelError, lagrangeWeights);
        newPoint.CopyTo(Points[leaving]);
        Values[leaving] = value;

        // Gradient of modelError · L_leaving at the (old) best point.
        VectorMath.AddScaled(Gradient, modelError, GradientRows[leaving]);
        for (int k = 0; k < PointCount; k++)
            VectorMath.AddScaled(Gradient, modelError * lagrangeWeights[k] * VectorMath.Dot(Points[k], BestPoint), Points[k]);

        if (!improves) return;
        BestIndex = leaving;
        newPoint.CopyTo(BestPoint);
        MultiplyHessian(step, vectorScratch);
        VectorMath.AddScaled(Gradient, 1, vectorScratch);
    }

    /// <summary>
    /// Counts trust-region iterations in which the gradient of the minimum-norm interpolant of the current values
    /// (the model one would build from scratch) is much smaller than the model's, and after three in a row adopts it.
    /// Accumulated updates can leave a model whose gradient is dominated by stale curvature; Powell found this
    /// reset speeds up convergence near bounds. Both gradients are projected onto the feasible directions.
    /// </summary>
    public void ReplaceByMinimumNormModelIfBetter(ref int consecutiveSmaller)
    {
        int n = Dimension, m = PointCount;
        double[] differences = pointScratch;
        for (int k = 0; k < m; k++) differences[k] = Values[k] - BestValue;
        Array.Clear(factorScratch);
        for (int k = 0; k < m; k++) VectorMath.AddScaled(factorScratch, differences[k], OmegaFactor[k]);

        double[] weights = secondPointScratch;
        for (int k = 0; k < m; k++) weights[k] = VectorMath.Dot(OmegaFactor[k], factorScratch);

        double modelNorm = 0, interpolantNorm = 0;
        for (int j = 0; j < n; j++)
        {
            double gradient = 0;
            for (int k = 0; k < m; k++)
                gradient += GradientRows[k][j] * differences[k] + weights[k] * VectorMath.Dot(Points[k], BestPoint) * Points[k][j];
            vectorScratch[j] = gradient;
            modelNorm += VectorMath.Square(ProjectedComponent(j, Gradient[j]));
            interpolantNorm += VectorMath.Square(ProjectedComponent(j, gradient));
        }

        consecutiveSmaller = modelNorm < 10 * interpolantNorm ? 0 : consecutiveSmaller + 1;
        if (consecutiveSmaller < 3) return;
        consecutiveSmaller = 0;
        vectorScratch.CopyTo(Gradient);
        foreach (double[] row in ExplicitHessian) Array.Clear(row);
        weights.CopyTo(ImplicitWeights);
    }

    /// <summary>
    /// H ← H + σ⁻¹[α vvᵀ − β uuᵀ − τ(u vᵀ + v uᵀ)] with u = H eₜ, v = H w − eₜ, α = Ωₜₜ, τ = Lₜ(x), σ = αβ + τ².
    /// First Givens rotations concentrate row t of Z in its first column; then Ω's part of the update collapses
    /// to replacing that column by (τ z − √α v)/√σ, which keeps Ω in factored, positive semi-definite form.
    /// </summary>
    private void UpdateInverse(int t, double beta, double denominator, Span<double> lagrange)
    {
        int n = Dimension, m = PointCount;
        double[][] z = OmegaFactor;
        int columns = z[0].Length;

        double largest = 0;
        foreach (double[] row in z)
            foreach (double entry in row) largest = Math.Max(largest, Math.Abs(entry));
        double negligible = 1e-20 * largest;
        for (int c = 1; c < columns; c++)
        {
            if (Math.Abs(z[t][c]) <= negligible)
            {
                z[t][c] = 0;
                continue;
            }
            double radius = Math.Sqrt(z[t][0] * z[t][0] + z[t][c] * z[t][c]);
            double cosine = z[t][0] / radius, sine = z[t][c] / radius;
            foreach (double[] row in z)
            {
                double first = row[0];
                row[0] = cosine * first + sine * row[c];
                row[c] = cosine * row[c] - sine * first;
            }
            z[t][c] = 0;
        }

        double rowValue = z[t][0];
        double[] u = pointScratch;
        for (int i = 0; i < m; i++) u[i] = rowValue * z[i][0];
        double alpha = rowValue * rowValue;
        double tau = lagrange[t];
        lagrange[t] -= 1;

        double root = Math.Sqrt(denominator);
        for (int i = 0; i < m; i++) z[i][0] = (tau * z[i][0] - rowValue * lagrange[i]) / root;

        double[] uGradient = vectorScratch;
        GradientRows[t].CopyTo(uGradient);
        for (int j = 0; j < n; j++)
        {
            double vj = lagrange[m + j];
            double alongV = (alpha * vj - tau * uGradient[j]) / denominator;
            double alongU = (-beta * uGradient[j] - tau * vj) / denominator;
            for (int i = 0; i < m; i++) GradientRows[i][j] += alongV * lagrange[i] + alongU * u[i];
            for (int i = 0; i <= j; i++)
            {
                GradientRows[m + i][j] += alongV * lagrange[m + i] + alongU * uGradient[i];
                GradientRows[m + j][i] = GradientRows[m + i][j];
            }
        }
    }

    private double ProjectedComponent(int j, double gradient)
    {
        if (BestPoint[j] == LowerRoom[j]) return Math.Min(0, gradient);
        if (BestPoint[j] == UpperRoom[j]) return Math.Max(0, gradient);
        return gradient;
    }
}
