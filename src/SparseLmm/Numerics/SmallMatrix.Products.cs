namespace SparseLmm.Numerics;

/// <summary>Products of small dense row-major matrices.</summary>
internal static partial class SmallMatrix
{
    /// <summary>A B for row-major <paramref name="rows"/>×<paramref name="inner"/> A and
    /// <paramref name="inner"/>×<paramref name="columns"/> B.</summary>
    public static double[] Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int rows, int inner, int columns)
    {
        var product = new double[rows * columns];
        for (int i = 0; i < rows; i++)
            for (int k = 0; k < inner; k++)
            {
                double value = a[i * inner + k];
                if (value == 0) continue;
                for (int j = 0; j < columns; j++) product[i * columns + j] += value * b[k * columns + j];
            }
        return product;
    }

    /// <summary>A' B for row-major <paramref name="rows"/>×<paramref name="left"/> A and
    /// <paramref name="rows"/>×<paramref name="right"/> B (a tall pair reduced to a small
    /// <paramref name="left"/>×<paramref name="right"/> product).</summary>
    public static double[] TransposeMultiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int rows, int left, int right)
    {
        var product = new double[left * right];
        for (int i = 0; i < rows; i++)
            for (int x = 0; x < left; x++)
            {
                double value = a[i * left + x];
                if (value == 0) continue;
                for (int y = 0; y < right; y++) product[x * right + y] += value * b[i * right + y];
            }
        return product;
    }

    /// <summary>A C A' for n×n A and symmetric n×n C (a covariance mapped through the linear map A), exactly
    /// symmetric: the lower triangle is computed and mirrored.</summary>
    public static double[] Congruence(ReadOnlySpan<double> a, ReadOnlySpan<double> c, int n)
    {
        var left = new double[n * n];
        for (int r = 0; r < n; r++)
            for (int s = 0; s < n; s++)
            {
                double value = 0;
                for (int k = 0; k < n; k++) value += a[r * n + k] * c[k * n + s];
                left[r * n + s] = value;
            }
        var result = new double[n * n];
        for (int r = 0; r < n; r++)
            for (int s = 0; s <= r; s++)
            {
                double value = 0;
                for (int k = 0; k < n; k++) value += left[r * n + k] * a[s * n + k];
                result[r * n + s] = result[s * n + r] = value;
            }
        return result;
    }

    /// <summary>The trace of the n×n <paramref name="a"/>.</summary>
    public static double Trace(ReadOnlySpan<double> a, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += a[i * n + i];
        return sum;
    }

    /// <summary>v ← v T in place for a row vector v and lower-triangular k×k T: w_c = Σ_{d ≥ c} v_d T[d, c].</summary>
    public static void MultiplyRowByLower(Span<double> v, ReadOnlySpan<double> t, int k)
    {
        for (int c = 0; c < k; c++)
        {
            double value = 0;
            for (int d = c; d < k; d++) value += v[d] * t[d * k + c];
            v[c] = value;
        }
    }

    /// <summary>T' A T + I for a symmetric k×k A and lower-triangular T (a term's block of Λ'Z'ZΛ + I), written into
    /// <paramref name="result"/>.</summary>
    public static void ScaledPlusIdentity(ReadOnlySpan<double> a, ReadOnlySpan<double> t, int k, Span<double> result)
    {
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double value = 0;
                for (int c = i; c < k; c++)
                    for (int d = j; d < k; d++)
                        value += t[c * k + i] * a[c * k + d] * t[d * k + j];
                result[i * k + j] = value + (i == j ? 1.0 : 0.0);
                result[j * k + i] = result[i * k + j];
            }
        }
    }
}
