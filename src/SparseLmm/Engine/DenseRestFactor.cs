using System.Runtime.Intrinsics;
using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The rest as one dense row-major block, factored by the blocked SIMD Cholesky: right when the later factors
/// are crossed (the block fills in) or small. The first term's contribution is subtracted by the cache-blocked
/// <see cref="SchurComplementUpdate"/>.</summary>
internal sealed class DenseRestFactor : IRestFactor
{
    private readonly CrossProductLayout layout;
    private readonly RestScaling scaling;
    private readonly SchurComplementUpdate schurUpdate;
    private readonly DenseCholeskyWorkspace workspace;
    private readonly double[] factor;
    private readonly double[] tail;
    private double[] precisionInverse = [];

    /// <summary>Allocates the block for <paramref name="layout"/>.</summary>
    public DenseRestFactor(CrossProductLayout layout)
    {
        this.layout = layout;
        scaling = new RestScaling(layout);
        schurUpdate = new SchurComplementUpdate(layout);
        workspace = new DenseCholeskyWorkspace(layout.RestSize, layout.Threads.Degree);
        factor = new double[layout.RestSize * layout.RestSize];
        int t = layout.RestSize - layout.RestRandomSize;
        tail = new double[t * t];
    }

    /// <inheritdoc/>
    public double RandomLogDeterminant { get; private set; }

    /// <inheritdoc/>
    public ReadOnlySpan<double> Tail => tail;

    /// <inheritdoc/>
    public bool Factor(double[] products, double[][] factors, double[] firstTermRows)
    {
        int size = layout.RestSize, random = layout.RestRandomSize;
        scaling.Apply(products, factor, factors);
        schurUpdate.Apply(factor, firstTermRows);
        if (!DenseCholesky.Factor(factor, size, workspace)) return false;
        RandomLogDeterminant = DenseCholesky.LogDeterminantOfFactor(factor, size, 0, random);
        int t = size - random;
        for (int a = 0; a < t; a++) factor.AsSpan((random + a) * size + random, a + 1).CopyTo(tail.AsSpan(a * t));
        return true;
    }

    /// <inheritdoc/>
    public void Solve(Span<double> solution)
    {
        int size = layout.RestSize, m = size - 1;
        // Row-oriented back substitution of L' x = (last row of L).
        var x = solution[..m];
        factor.AsSpan(m * size, m).CopyTo(x);
        for (int i = m - 1; i >= 0; i--)
        {
            double xi = x[i] / factor[i * size + i];
            x[i] = xi;
            if (xi == 0) continue;
            var row = factor.AsSpan(i * size, i);
            var target = x[..i];
            for (int j = 0; j < i; j++) target[j] -= xi * row[j];
        }
    }

    /// <inheritdoc/>
    public void PrepareInverse()
    {
        int size = layout.RestSize, random = layout.RestRandomSize;
        var inverse = new double[random * random];
        for (int i = 0; i < random; i++) factor.AsSpan(i * size, i + 1).CopyTo(inverse.AsSpan(i * random));
        DenseCholesky.InvertLower(inverse, random);
        precisionInverse = GramOfLower(inverse, random);
    }

    /// <inheritdoc/>
    public double InverseEntry(int row, int column) => precisionInverse[row * layout.RestRandomSize + column];

    /// <summary>G'G for a lower-triangular G (row-major, order n), full and symmetric. Entry (a, b) is the dot product of
    /// columns a and b of G, so G is transposed once and the products run over contiguous rows of G', six rows of a
    /// against one row of b at a time: the six stay in cache while the b rows stream past, and each loaded b value
    /// feeds six fused multiply-adds. (Row-by-row outer products, as before, ran at a thirtieth of this speed: each
    /// update read and wrote a whole row of the result.)</summary>
    private static unsafe double[] GramOfLower(double[] lower, int n)
    {
        const int Block = 6;
        var transposed = new double[(long)n * n];
        for (int r = 0; r < n; r++)
            for (int a = 0; a <= r; a++) transposed[(long)a * n + r] = lower[(long)r * n + a];
        var gram = new double[(long)n * n];
        Span<double> dots = stackalloc double[Block];
        fixed (double* h = transposed)
        {
            for (int first = 0; first < n; first += Block)
            {
                int rows = Math.Min(Block, n - first);
                for (int b = 0; b < first + rows; b++)
                {
                    int from = Math.Max(first, b);
                    double* column = h + (long)b * n;
                    Dots(h + (long)first * n, n, rows, column, from, n, dots);
                    for (int i = 0; i < rows; i++)
                    {
                        int a = first + i;
                        if (b > a) continue;
                        gram[(long)a * n + b] = dots[i];
                        gram[(long)b * n + a] = dots[i];
                    }
                }
            }
        }
        return gram;
    }

    /// <summary>dots[i] = Σ_{r ∈ [from, to)} rows[i][r] · column[r] for the <paramref name="count"/> (≤ 6) rows at
    /// stride <paramref name="stride"/>.</summary>
    private static unsafe void Dots(double* rows, int stride, int count, double* column, int from, int to, Span<double> dots)
    {
        int r = from;
        var s0 = Vector256<double>.Zero;
        var s1 = s0; var s2 = s0; var s3 = s0; var s4 = s0; var s5 = s0;
        double* r0 = rows, r1 = rows + stride, r2 = rows + 2L * stride, r3 = rows + 3L * stride, r4 = rows + 4L * stride, r5 = rows + 5L * stride;
        if (Vector256.IsHardwareAccelerated && count == 6)
        {
            for (; r <= to - 4; r += 4)
            {
                var c = Vector256.Load(column + r);
                s0 = Vector256.MultiplyAddEstimate(Vector256.Load(r0 + r), c, s0);
                s1 = Vector256.MultiplyAddEstimate(Vector256.Load(r1 + r), c, s1);
                s2 = Vector256.MultiplyAddEstimate(Vector256.Load(r2 + r), c, s2);
                s3 = Vector256.MultiplyAddEstimate(Vector256.Load(r3 + r), c, s3);
                s4 = Vector256.MultiplyAddEstimate(Vector256.Load(r4 + r), c, s4);
                s5 = Vector256.MultiplyAddEstimate(Vector256.Load(r5 + r), c, s5);
            }
            dots[0] = Vector256.Sum(s0);
            dots[1] = Vector256.Sum(s1);
            dots[2] = Vector256.Sum(s2);
            dots[3] = Vector256.Sum(s3);
            dots[4] = Vector256.Sum(s4);
            dots[5] = Vector256.Sum(s5);
        }
        else
        {
            for (int i = 0; i < count; i++) dots[i] = 0;
        }
        for (int i = 0; i < count; i++)
        {
            double* row = rows + (long)i * stride;
            double sum = 0;
            for (int k = r; k < to; k++) sum += row[k] * column[k];
            dots[i] += sum;
        }
    }
}
