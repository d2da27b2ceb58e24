using System.Runtime.Intrinsics;

namespace SparseLmm.Numerics;

/// <summary>G'G for a lower-triangular G: with G = L⁻¹ it is (L L')⁻¹, the inverse a dense factor's conditional
/// variances are read from.</summary>
internal static class LowerTriangularGram
{
    /// <summary>G'G for a lower-triangular G (row-major, order n), full and symmetric. Entry (a, b) is the dot product of
    /// columns a and b of G, so G is transposed once and the products run over contiguous rows of G', six rows of a
    /// against one row of b at a time: the six stay in cache while the b rows stream past, and each loaded b value
    /// feeds six fused multiply-adds. (Row-by-row outer products, as before, ran at a thirtieth of this speed: each
    /// update read and wrote a whole row of the result.)</summary>
    public static unsafe double[] Compute(double[] lower, int n)
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
