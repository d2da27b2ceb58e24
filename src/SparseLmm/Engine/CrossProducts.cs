namespace SparseLmm.Engine;

/// <summary>The numeric cross-product matrix of [Z X y] in the structure of a <see cref="CrossProductLayout"/>,
/// accumulated in one pass over the rows. Rebuilt with new weights and working response by each PIRLS step of a GLMM;
/// built once for a linear mixed model.</summary>
internal sealed class CrossProducts
{
    private readonly int[] restPosition;
    private readonly int[] restIndex;
    private readonly double[] restValue;

    /// <summary>Allocates storage for <paramref name="layout"/>.</summary>
    public CrossProducts(CrossProductLayout layout)
    {
        Layout = layout;
        int k1 = layout.First.ColumnCount;
        FirstBlocks = new double[layout.First.LevelCount * k1 * k1];
        FirstRest = new double[layout.PatternRow.Length * k1];
        Rest = new double[layout.RestSize * layout.RestSize];
        int restEntriesPerRow = layout.RestSize - layout.RestRandomSize;
        for (int t = 1; t < layout.Terms.Count; t++) restEntriesPerRow += layout.Terms[t].ColumnCount;
        restPosition = new int[restEntriesPerRow];
        restIndex = new int[restEntriesPerRow];
        restValue = new double[restEntriesPerRow];
    }

    /// <summary>The structure.</summary>
    public CrossProductLayout Layout { get; }

    /// <summary>Z₁'Z₁: one row-major k₁×k₁ block per level of the first term.</summary>
    public double[] FirstBlocks { get; }

    /// <summary>The rest against Z₁: for each pattern entry, k₁ values.</summary>
    public double[] FirstRest { get; }

    /// <summary>The rest against itself, dense row-major, both triangles filled.</summary>
    public double[] Rest { get; }

    /// <summary>Accumulates the cross-products of the weighted rows [Z X y]: each row is scaled by √wᵢ
    /// (weights empty means all ones). <paramref name="x"/> is row-major n×p.</summary>
    public void Accumulate(ReadOnlySpan<double> x, ReadOnlySpan<double> response, ReadOnlySpan<double> weights)
    {
        Array.Clear(FirstBlocks);
        Array.Clear(FirstRest);
        Array.Clear(Rest);
        var layout = Layout;
        var first = layout.First;
        int k1 = first.ColumnCount, p = layout.FixedEffectCount, size = layout.RestSize;
        var terms = layout.Terms;
        for (int i = 0; i < layout.RowCount; i++)
        {
            double weight = weights.IsEmpty ? 1.0 : weights[i];
            int level = first.LevelOfRow[i];
            var z1 = first.Z.AsSpan(i * k1, k1);
            var block = FirstBlocks.AsSpan(level * k1 * k1, k1 * k1);
            for (int a = 0; a < k1; a++)
                for (int b = 0; b < k1; b++)
                    block[a * k1 + b] += weight * z1[a] * z1[b];

            int count = 0;
            for (int t = 1; t < terms.Count; t++)
            {
                var term = terms[t];
                int k = term.ColumnCount, termLevel = term.LevelOfRow[i];
                int position = layout.RowPatternPosition[t][i];
                for (int c = 0; c < k; c++)
                {
                    restPosition[count] = position + c;
                    restIndex[count] = layout.RestTermOffset[t] + termLevel * k + c;
                    restValue[count++] = term.Z[i * k + c];
                }
            }
            int tailPosition = layout.PatternStart[level + 1] - p - 1;
            for (int c = 0; c < p; c++)
            {
                restPosition[count] = tailPosition + c;
                restIndex[count] = layout.FixedOffset + c;
                restValue[count++] = x[i * p + c];
            }
            restPosition[count] = tailPosition + p;
            restIndex[count] = layout.ResponseIndex;
            restValue[count++] = response[i];

            for (int e = 0; e < count; e++)
            {
                double value = weight * restValue[e];
                var target = FirstRest.AsSpan(restPosition[e] * k1, k1);
                for (int c = 0; c < k1; c++) target[c] += value * z1[c];
                int rowOffset = restIndex[e] * size;
                for (int f = 0; f <= e; f++) Rest[rowOffset + restIndex[f]] += value * restValue[f];
            }
        }
        // Entries were added in row-entry order; rest indices grow with entry order, so all landed in the lower triangle.
        for (int r = 0; r < size; r++)
            for (int s = 0; s < r; s++)
                Rest[s * size + r] = Rest[r * size + s];
    }
}
