using System.Numerics;
using System.Runtime.InteropServices;
using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Writes Λ₂' A₂₂ Λ₂ + I (on the random-effects diagonal) into the lower triangle of the dense rest block.
/// Λ₂ is block diagonal: one T per level of every term after the first, identity on the fixed-effect and response rows.</summary>
internal sealed class RestScaling
{
    private readonly CrossProductLayout layout;
    private readonly double[] scale;
    private readonly bool allScalar;

    /// <summary>Prepares the scaling for <paramref name="layout"/>.</summary>
    public RestScaling(CrossProductLayout layout)
    {
        this.layout = layout;
        scale = new double[layout.RestSize];
        allScalar = layout.Terms.Skip(1).All(t => t.ColumnCount == 1);
    }

    /// <summary>target ← Λ₂' source Λ₂ + I on the lower triangle; <paramref name="factors"/> are the T's of all terms.</summary>
    public void Apply(double[] source, double[] target, double[][] factors)
    {
        if (allScalar) ApplyScalar(source, target, factors);
        else ApplyGeneral(source, target, factors);
        int size = layout.RestSize;
        for (int r = 0; r < layout.RestRandomSize; r++) target[r * size + r] += 1.0;
    }

    /// <summary>Every T is 1×1, so Λ₂ is diagonal: one contiguous multiply per row of the lower triangle.</summary>
    private void ApplyScalar(double[] source, double[] target, double[][] factors)
    {
        int size = layout.RestSize;
        for (int r = 0; r < size; r++)
            scale[r] = r < layout.RestRandomSize ? factors[layout.RestRowTerm[r]][0] : 1.0;
        var scales = scale.AsSpan();
        for (int r = 0; r < size; r++)
        {
            var from = source.AsSpan(r * size, r + 1);
            var to = target.AsSpan(r * size, r + 1);
            double rowScale = scales[r];
            int c = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var fromVectors = MemoryMarshal.Cast<double, Vector<double>>(from);
                var scaleVectors = MemoryMarshal.Cast<double, Vector<double>>(scales[..(r + 1)]);
                var toVectors = MemoryMarshal.Cast<double, Vector<double>>(to);
                for (int v = 0; v < fromVectors.Length; v++) toVectors[v] = fromVectors[v] * scaleVectors[v] * rowScale;
                c = fromVectors.Length * Vector<double>.Count;
            }
            for (; c <= r; c++) to[c] = from[c] * scales[c] * rowScale;
        }
    }

    /// <summary>Some T is k×k with k &gt; 1: transform rows, then columns, block by block.</summary>
    private void ApplyGeneral(double[] source, double[] target, double[][] factors)
    {
        int size = layout.RestSize;
        source.AsSpan().CopyTo(target);
        Span<double> buffer = stackalloc double[64];
        for (int term = 1; term < layout.Terms.Count; term++)
        {
            int k = layout.Terms[term].ColumnCount, levels = layout.Terms[term].LevelCount;
            var t = factors[term];
            var scratch = k <= 64 ? buffer[..k] : new double[k];
            for (int level = 0; level < levels; level++)
            {
                int offset = layout.RestTermOffset[term] + level * k;
                for (int s = 0; s < size; s++)
                {
                    for (int a = 0; a < k; a++)
                    {
                        double value = 0;
                        for (int c = a; c < k; c++) value += t[c * k + a] * target[(offset + c) * size + s];
                        scratch[a] = value;
                    }
                    for (int a = 0; a < k; a++) target[(offset + a) * size + s] = scratch[a];
                }
            }
        }
        for (int r = 0; r < size; r++)
        {
            for (int term = 1; term < layout.Terms.Count; term++)
            {
                int k = layout.Terms[term].ColumnCount, levels = layout.Terms[term].LevelCount;
                var scratch = k <= 64 ? buffer[..k] : new double[k];
                for (int level = 0; level < levels; level++)
                {
                    var row = target.AsSpan(r * size + layout.RestTermOffset[term] + level * k, k);
                    row.CopyTo(scratch);
                    SmallMatrix.MultiplyRowByLower(scratch, factors[term], k);
                    scratch.CopyTo(row);
                }
            }
        }
    }
}
