using System.Numerics;
using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Inference;

/// <summary>The kernels of <see cref="KenwardRogerTraces"/>: the patterns' parts, the rest's scaled cross-products,
/// the dense inverse over the rest's random effects, and the small products the traces are sums of.</summary>
internal sealed partial class KenwardRogerTraces
{
    /// <summary>Pattern entries of a level that are not the response row (the rest's random effects, then X).</summary>
    private static int Used(CrossProductLayout layout, int level)
    {
        int start = layout.PatternStart[level], end = layout.PatternStart[level + 1];
        return end > start && layout.PatternRow[end - 1] == layout.ResponseIndex ? end - start - 1 : end - start;
    }

    /// <summary>Pattern entries of a level that are the rest's random effects (they come first).</summary>
    private static int RandomEntries(CrossProductLayout layout, int level, int q2)
    {
        int start = layout.PatternStart[level], end = layout.PatternStart[level + 1], e = start;
        while (e < end && layout.PatternRow[e] < q2) e++;
        return e - start;
    }

    /// <summary>schur += Λ₂' C Λ₂ + I over the rest's random effects and X (lower triangle in, both triangles out).</summary>
    private static void AddScaledRest(CrossProducts products, double[][] factors, double[] schur, int m2)
    {
        var layout = products.Layout;
        int q2 = layout.RestRandomSize;
        var scaled = new double[m2 * m2];
        for (int i = 0; i < m2; i++)
            for (int j = 0; j <= i; j++) scaled[i * m2 + j] = scaled[j * m2 + i] = products.RestEntry(i, j);
        // Rows, then columns, by T' per level of each rest term.
        for (int pass = 0; pass < 2; pass++)
            for (int t = 1; t < layout.Terms.Count; t++)
            {
                int k = layout.Terms[t].ColumnCount, offset = layout.RestTermOffset[t];
                var tf = factors[t];
                var buffer = new double[k];
                for (int level = 0; level < layout.Terms[t].LevelCount; level++)
                    for (int other = 0; other < m2; other++)
                    {
                        for (int a = 0; a < k; a++)
                        {
                            double value = 0;
                            for (int c = a; c < k; c++)
                            {
                                int index = offset + level * k + c;
                                value += tf[c * k + a] * (pass == 0 ? scaled[index * m2 + other] : scaled[other * m2 + index]);
                            }
                            buffer[a] = value;
                        }
                        for (int a = 0; a < k; a++)
                        {
                            int index = offset + level * k + a;
                            if (pass == 0) scaled[index * m2 + other] = buffer[a];
                            else scaled[other * m2 + index] = buffer[a];
                        }
                    }
            }
        for (int i = 0; i < m2; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double value = schur[i * m2 + j] + scaled[i * m2 + j] + (i == j && i < q2 ? 1 : 0);
                schur[i * m2 + j] = schur[j * m2 + i] = value;
            }
        }
    }

    /// <summary>The inverse of the leading q₂×q₂ block of <paramref name="schur"/> (order m₂), full and symmetric.</summary>
    private static double[] DenseInverse(double[] schur, int m2, int q2, ThreadBudget threads)
    {
        var inverse = new double[(long)q2 * q2];
        if (q2 == 0) return inverse;
        var augmented = new double[4L * q2 * q2];
        for (int i = 0; i < q2; i++) schur.AsSpan(i * m2, i + 1).CopyTo(augmented.AsSpan(i * 2 * q2));
        if (!DenseCholesky.InvertPositiveDefinite(augmented, q2, new DenseCholeskyWorkspace(q2, threads.Degree)))
            throw new InputException("Kenward-Roger: the penalized system is not positive definite at the estimates");
        for (int i = 0; i < q2; i++)
        {
            var row = augmented.AsSpan((q2 + i) * 2 * q2 + q2, i + 1);
            row.CopyTo(inverse.AsSpan(i * q2));
            for (int j = 0; j < i; j++) inverse[(long)j * q2 + i] = row[j];
        }
        return inverse;
    }

    private static double[] MultiplyDense(double[] square, double[] right, int n, int columns)
    {
        var result = new double[n * columns];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = square[(long)i * n + j];
                if (s == 0) continue;
                for (int c = 0; c < columns; c++) result[i * columns + c] += s * right[j * columns + c];
            }
        return result;
    }

    /// <summary>U'G for the first-term rows of one level: −Y'G scattered into the level's pattern rows.</summary>
    private static void ScatterU(double[] u, double[] g, double[] solved, CrossProductLayout layout, int start, int length, int k1, int p)
    {
        for (int e = 0; e < length; e++)
        {
            int row = layout.PatternRow[start + e];
            for (int a = 0; a < k1; a++)
            {
                double y = solved[(start + e) * k1 + a];
                for (int c = 0; c < p; c++) u[row * p + c] -= y * g[a * p + c];
            }
        }
    }

    /// <summary>target += sign · left' right for row-major (rows × p) matrices.</summary>
    private static void AddTransposeProduct(double[] target, ReadOnlySpan<double> left, ReadOnlySpan<double> right, int rows, int p, double sign = 1)
    {
        for (int i = 0; i < rows; i++)
            for (int a = 0; a < p; a++)
            {
                double l = sign * left[i * p + a];
                if (l == 0) continue;
                for (int b = 0; b < p; b++) target[a * p + b] += l * right[i * p + b];
            }
    }

    private static double[] Transpose(double[] matrix, int p)
    {
        var result = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++) result[b * p + a] = matrix[a * p + b];
        return result;
    }

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        if (alpha == 0) return;
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var scale = new Vector<double>(alpha);
            for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var target = y.Slice(i, Vector<double>.Count);
                (new Vector<double>(x.Slice(i)) * scale + new Vector<double>(target)).CopyTo(target);
            }
        }
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }
}
