namespace SparseLmm.Engine;

/// <summary>Kernels for the tiny k×k blocks (k = columns of one random-effects term, usually 1 to 3), row-major.</summary>
internal static class SmallDense
{
    /// <summary>In-place lower Cholesky of a k×k block; false when it is not positive definite.</summary>
    public static bool Factor(Span<double> a, int k)
    {
        for (int j = 0; j < k; j++)
        {
            double pivot = a[j * k + j];
            for (int c = 0; c < j; c++) pivot -= a[j * k + c] * a[j * k + c];
            if (!(pivot > 0) || !double.IsFinite(pivot)) return false;
            double diagonal = Math.Sqrt(pivot);
            a[j * k + j] = diagonal;
            for (int i = j + 1; i < k; i++)
            {
                double value = a[i * k + j];
                for (int c = 0; c < j; c++) value -= a[i * k + c] * a[j * k + c];
                a[i * k + j] = value / diagonal;
            }
            for (int c = j + 1; c < k; c++) a[j * k + c] = 0;
        }
        return true;
    }

    /// <summary>Solves L x = b in place for lower-triangular L (k×k).</summary>
    public static void SolveLower(ReadOnlySpan<double> l, int k, Span<double> x)
    {
        for (int i = 0; i < k; i++)
        {
            double value = x[i];
            for (int c = 0; c < i; c++) value -= l[i * k + c] * x[c];
            x[i] = value / l[i * k + i];
        }
    }

    /// <summary>Solves L' x = b in place for lower-triangular L (k×k).</summary>
    public static void SolveLowerTransposed(ReadOnlySpan<double> l, int k, Span<double> x)
    {
        for (int i = k - 1; i >= 0; i--)
        {
            double value = x[i];
            for (int c = i + 1; c < k; c++) value -= l[c * k + i] * x[c];
            x[i] = value / l[i * k + i];
        }
    }

    /// <summary>v ← v T for a row vector v and lower-triangular T (k×k): w_c = Σ_{d ≥ c} v_d T[d, c].</summary>
    public static void MultiplyRowByLower(Span<double> v, ReadOnlySpan<double> t, int k)
    {
        for (int c = 0; c < k; c++)
        {
            double value = 0;
            for (int d = c; d < k; d++) value += v[d] * t[d * k + c];
            v[c] = value;
        }
    }

    /// <summary>M ← T' A T + I for a symmetric k×k A and lower-triangular T, written into <paramref name="result"/>.</summary>
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
