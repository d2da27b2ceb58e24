using System.Runtime.CompilerServices;

namespace SparseLmm.Numerics;

/// <summary>Factorizations, solves and inverses of small dense matrices: a random-effects term's k×k block, the p×p
/// fixed-effects systems, the Hessian over (θ, β) or the variance parameters. Row-major, element (i, j) at
/// <c>i * n + j</c>. One home so that each algorithm is written (and tested against MathNet) once; the blocked SIMD
/// kernels for the large dense blocks of the factor are <see cref="DenseCholesky"/>.
/// <para>The Span overloads allocate nothing: the engine calls them once per level per evaluation.</para></summary>
internal static partial class SmallMatrix
{
    /// <summary>In-place lower Cholesky factor L (A = L L') of the symmetric n×n <paramref name="a"/> (its lower
    /// triangle is read; the strict upper triangle is set to zero). False when A is not positive definite, or when a
    /// pivot falls to <paramref name="relativePivotTolerance"/> of its diagonal entry or below (numerical rank
    /// deficiency).</summary>
    public static bool Cholesky(Span<double> a, int n, double relativePivotTolerance = 0)
    {
        for (int j = 0; j < n; j++)
        {
            double diagonalEntry = a[j * n + j];
            double pivot = Pivot(a, n, j);
            if (!(pivot > 0) || !double.IsFinite(pivot) || pivot <= relativePivotTolerance * diagonalEntry) return false;
            EliminateColumn(a, n, j, Math.Sqrt(pivot));
            for (int c = j + 1; c < n; c++) a[j * n + c] = 0;
        }
        return true;
    }

    /// <summary>Whether the symmetric n×n <paramref name="a"/> is positive definite (its Cholesky factor exists).</summary>
    public static bool IsPositiveDefinite(ReadOnlySpan<double> a, int n) => Cholesky(a.ToArray(), n);

    /// <summary>The in-place Cholesky factor of the n×n Gram matrix <paramref name="gram"/> (lower triangle read) with
    /// every column whose pivot falls to <paramref name="relativeTolerance"/>² of its diagonal entry or below skipped:
    /// such a column is (numerically) a linear combination of the earlier kept ones, as in a rank-revealing QR that
    /// keeps columns in order. Skipped columns of L are zero. Returns the skipped columns, increasing.</summary>
    public static List<int> CholeskySkippingDependentColumns(Span<double> gram, int n, double relativeTolerance)
    {
        var skipped = new List<int>();
        for (int j = 0; j < n; j++)
        {
            double diagonalEntry = gram[j * n + j];
            double pivot = Pivot(gram, n, j);
            for (int c = j + 1; c < n; c++) gram[j * n + c] = 0;
            if (diagonalEntry == 0 || pivot <= relativeTolerance * relativeTolerance * diagonalEntry)
            {
                skipped.Add(j);
                for (int i = j; i < n; i++) gram[i * n + j] = 0;
                continue;
            }
            EliminateColumn(gram, n, j, Math.Sqrt(pivot));
        }
        return skipped;
    }

    /// <summary>Column j's pivot of the in-place factorization: A[j, j] − Σ_{c &lt; j} L[j, c]².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Pivot(Span<double> a, int n, int j)
    {
        double pivot = a[j * n + j];
        for (int c = 0; c < j; c++) pivot -= a[j * n + c] * a[j * n + c];
        return pivot;
    }

    /// <summary>Column j of L below (and at) the diagonal, given its diagonal entry: L[i, j] = (A[i, j] − Σ_{c &lt; j}
    /// L[i, c] L[j, c]) / L[j, j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EliminateColumn(Span<double> a, int n, int j, double diagonal)
    {
        a[j * n + j] = diagonal;
        for (int i = j + 1; i < n; i++)
        {
            double value = a[i * n + j];
            for (int c = 0; c < j; c++) value -= a[i * n + c] * a[j * n + c];
            a[i * n + j] = value / diagonal;
        }
    }

    /// <summary>The lower Cholesky factor of a positive semi-definite n×n matrix (zero pivots allowed, with the rest of
    /// their column then required to vanish); null when it is not positive semi-definite.</summary>
    public static double[]? SemidefiniteCholesky(ReadOnlySpan<double> a, int n)
    {
        var l = new double[n * n];
        double largestDiagonal = 0;
        for (int i = 0; i < n; i++) largestDiagonal = Math.Max(largestDiagonal, Math.Abs(a[i * n + i]) + 1e-300);
        double tolerance = 1e-12 * largestDiagonal;
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int c = 0; c < j; c++) d -= l[j * n + c] * l[j * n + c];
            if (d < -tolerance) return null;
            double pivot = Math.Sqrt(Math.Max(d, 0));
            l[j * n + j] = pivot;
            for (int i = j + 1; i < n; i++)
            {
                double value = a[i * n + j];
                for (int c = 0; c < j; c++) value -= l[i * n + c] * l[j * n + c];
                if (pivot == 0)
                {
                    if (Math.Abs(value) > 1e-8 * Math.Sqrt(Math.Abs(a[i * n + i]) * Math.Abs(a[j * n + j]) + 1e-300)) return null;
                    l[i * n + j] = 0;
                }
                else l[i * n + j] = value / pivot;
            }
        }
        return l;
    }

    /// <summary>Solves L x = b in place for lower-triangular n×n L.</summary>
    public static void SolveLower(ReadOnlySpan<double> l, int n, Span<double> x)
    {
        for (int i = 0; i < n; i++)
        {
            double value = x[i];
            for (int c = 0; c < i; c++) value -= l[i * n + c] * x[c];
            x[i] = value / l[i * n + i];
        }
    }

    /// <summary>Solves L' x = b in place for lower-triangular n×n L.</summary>
    public static void SolveLowerTransposed(ReadOnlySpan<double> l, int n, Span<double> x)
    {
        for (int i = n - 1; i >= 0; i--)
        {
            double value = x[i];
            for (int c = i + 1; c < n; c++) value -= l[c * n + i] * x[c];
            x[i] = value / l[i * n + i];
        }
    }

    /// <summary>The inverse of a general n×n matrix by Gauss–Jordan elimination with partial pivoting (as R's
    /// <c>solve</c>); null when it is singular. Used for the Hessians, which may be indefinite.</summary>
    public static double[]? Inverse(ReadOnlySpan<double> a, int n)
    {
        var m = a[..(n * n)].ToArray();
        var inverse = new double[n * n];
        for (int i = 0; i < n; i++) inverse[i * n + i] = 1;
        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < n; row++)
                if (Math.Abs(m[row * n + column]) > Math.Abs(m[pivot * n + column])) pivot = row;
            double pivotValue = m[pivot * n + column];
            if (pivotValue == 0 || !double.IsFinite(pivotValue)) return null;
            if (pivot != column)
            {
                for (int k = 0; k < n; k++)
                {
                    (m[pivot * n + k], m[column * n + k]) = (m[column * n + k], m[pivot * n + k]);
                    (inverse[pivot * n + k], inverse[column * n + k]) = (inverse[column * n + k], inverse[pivot * n + k]);
                }
            }
            for (int k = 0; k < n; k++)
            {
                m[column * n + k] /= pivotValue;
                inverse[column * n + k] /= pivotValue;
            }
            for (int row = 0; row < n; row++)
            {
                if (row == column) continue;
                double factor = m[row * n + column];
                if (factor == 0) continue;
                for (int k = 0; k < n; k++)
                {
                    m[row * n + k] -= factor * m[column * n + k];
                    inverse[row * n + k] -= factor * inverse[column * n + k];
                }
            }
        }
        return inverse;
    }
}
