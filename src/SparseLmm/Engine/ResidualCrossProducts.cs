using SparseLmm.Design;

namespace SparseLmm.Engine;

/// <summary>The cross-products of [Z X y] that a residual structure's whitened system is a linear combination of, taken
/// in one pass over the rows, and the combination written into one <see cref="CrossProducts"/> that
/// <see cref="ProfiledDeviance"/> reads.
/// <para>The residual covariance is σ²Λ^½RΛ^½: Λ the squared variance ratios λ², R block diagonal over the correlation
/// groups with entries ρ^|t_i − t_j|. R's inverse is tridiagonal (the AR(1) process is Markov at any times), so with
/// u = w/λ the whitened rows are a group's first row u_1 and (u_t − φ u_prev)/√(1−φ²), φ = ρ^lag. Writing the lag
/// products as w_tw_prev' + w_prevw_t' = w_tw_t' + w_prevw_prev' − (w_t − w_prev)(w_t − w_prev)', W'W is a sum of:
/// F_g, the rows of variance group g that start a correlation group (all its rows without corAR1), times λ_g⁻²; and per
/// pair kind (lag, the previous row's group h, the current row's group g), with a = λ_g⁻¹, b = λ_h⁻¹, c = (1−φ²)⁻¹:
/// P, the current rows, times c(a² − φab); Q, the previous rows, times c(φ²b² − φab); D, the pairs' differences, times
/// cφab. For one variance group these are 1/(1+φ), −φ/(1+φ) and φ/(1−φ²): the row coefficients stay within [−½, 1] as
/// φ nears 1 and only D's grows, multiplying differences, so nothing large cancels (the form with lag products would
/// subtract two terms of order (1−φ²)⁻¹). An evaluation costs one weighted sum of these arrays, no pass over the
/// rows.</para>
/// <para>A correlation group lies within one level of every random-effects term (<see cref="ResidualDesign"/> checks
/// it), so a difference row has the levels of both its rows: it is accumulated as a row. The rest is stored dense (the
/// caller builds the layout so).</para></summary>
internal sealed class ResidualCrossProducts
{
    /// <summary>Most values all components may hold together (1 GB).</summary>
    public const long MaxValues = 1L << 27;

    private readonly CrossProducts[] components;
    private readonly int[] kindOfRow;

    /// <summary>Allocates the components for <paramref name="layout"/> (dense rest) and <paramref name="residual"/>.</summary>
    public ResidualCrossProducts(CrossProductLayout layout, ResidualDesign residual)
    {
        if (layout.Supernodal is not null)
            throw new ArgumentException("residual structures need the dense rest storage", nameof(layout));
        Residual = residual;
        // The pair kinds that occur, in a fixed order; each row with a predecessor has one.
        var predecessor = residual.Predecessor;
        kindOfRow = new int[predecessor is null ? 0 : predecessor.Length];
        var kinds = new SortedDictionary<(int Gap, int Previous, int Current), int>();
        for (int i = 0; i < kindOfRow.Length; i++)
            if (predecessor![i] >= 0)
                kinds[(residual.GapOfRow![i], residual.VarianceGroupOfRow[predecessor[i]], residual.VarianceGroupOfRow[i])] = 0;
        var pairKinds = kinds.Keys.ToArray();
        PairKinds = pairKinds;
        for (int i = 0; i < kindOfRow.Length; i++)
            kindOfRow[i] = predecessor![i] < 0 ? -1
                : Array.IndexOf(pairKinds, (residual.GapOfRow![i], residual.VarianceGroupOfRow[predecessor[i]], residual.VarianceGroupOfRow[i]));
        int count = residual.VarianceLevelCount + 3 * PairKinds.Count;
        long values = (long)count * (layout.First.LevelCount * layout.First.ColumnCount * layout.First.ColumnCount
            + (long)layout.PatternRow.Length * layout.First.ColumnCount + layout.RestValueCount);
        if (values > MaxValues)
            throw new InputException(
                $"the residual structure needs {count:N0} sets of cross-products ({values:N0} values, one set per variance group and per kind of consecutive pair); at most {MaxValues:N0} values are supported");
        components = Enumerable.Range(0, count).Select(_ => new CrossProducts(layout)).ToArray();
        Combined = new CrossProducts(layout);
    }

    /// <summary>The kinds of consecutive pairs: index into <see cref="ResidualDesign.Gaps"/>, the previous and the current
    /// row's variance group. Kind k's P, Q and D are components G + 3k, +1, +2 (G variance groups, whose F come first).</summary>
    public IReadOnlyList<(int Gap, int Previous, int Current)> PairKinds { get; }

    /// <summary>The resolved structure.</summary>
    public ResidualDesign Residual { get; }

    /// <summary>The whitened cross-products at the parameters of the last <see cref="Combine"/>.</summary>
    public CrossProducts Combined { get; }

    /// <summary>The one pass over the rows, in the centred and scaled coordinates of <see cref="FixedEffectScaling"/>.</summary>
    public void Accumulate(ModelDesign design, ReadOnlySpan<double> response)
    {
        var layout = Combined.Layout;
        var scaling = FixedEffectScaling.For(design.X, response, layout.FixedEffectCount, design.FixedEffectNames, design.Response.Label);
        foreach (var component in components) component.Scaling = scaling;
        Combined.Scaling = scaling;
        int n = layout.RowCount, k1 = layout.First.ColumnCount;
        var predecessor = Residual.Predecessor;
        var successorKind = new int[kindOfRow.Length];
        Array.Fill(successorKind, -1);
        for (int i = 0; i < successorKind.Length; i++)
            if (predecessor![i] >= 0) successorKind[predecessor[i]] = kindOfRow[i];
        int pairBase = Residual.VarianceLevelCount;

        int entries = layout.RestSize - layout.RestRandomSize;
        for (int t = 1; t < layout.Terms.Count; t++) entries += layout.Terms[t].ColumnCount;
        var position = new int[entries];
        var index = new int[entries];
        var value = new double[entries];
        var previousValue = new double[entries];
        var z1 = new double[k1];
        var previousZ1 = new double[k1];
        for (int i = 0; i < n; i++)
        {
            int level = layout.First.LevelOfRow[i];
            int count = RowEntries(design, response, i, position, index, value, z1);
            if (predecessor is null || predecessor[i] < 0)
                AddRow(components[Residual.VarianceGroupOfRow[i]], level, z1, count, position, index, value, 1);
            if (predecessor is null) continue;
            if (successorKind[i] >= 0)
                AddRow(components[pairBase + 3 * successorKind[i] + 1], level, z1, count, position, index, value, 1);
            if (predecessor[i] < 0) continue;
            int pair = pairBase + 3 * kindOfRow[i];
            AddRow(components[pair], level, z1, count, position, index, value, 1);
            // Same levels as row i (the correlation group is nested), so the same positions.
            RowEntries(design, response, predecessor[i], position, index, previousValue, previousZ1);
            for (int e = 0; e < count; e++) value[e] -= previousValue[e];
            for (int c = 0; c < k1; c++) z1[c] -= previousZ1[c];
            AddRow(components[pair + 2], level, z1, count, position, index, value, 1);
        }
        foreach (var component in components) MirrorRest(component);
    }

    /// <summary>Writes Σ coefficient_c · component_c into <see cref="Combined"/>; <paramref name="coefficients"/> holds
    /// one per component: F of each variance group, then P, Q, D of each of <see cref="PairKinds"/>. No allocation.</summary>
    public void Combine(ReadOnlySpan<double> coefficients)
    {
        CombinePart(coefficients, Combined.FirstBlocks, c => c.FirstBlocks);
        CombinePart(coefficients, Combined.FirstRest, c => c.FirstRest);
        CombinePart(coefficients, Combined.Rest, c => c.Rest);
    }

    /// <summary>The number of components (coefficients <see cref="Combine"/> takes).</summary>
    public int ComponentCount => components.Length;

    private void CombinePart(ReadOnlySpan<double> coefficients, double[] target, Func<CrossProducts, double[]> part)
    {
        var first = part(components[0]);
        double a = coefficients[0];
        for (int j = 0; j < target.Length; j++) target[j] = a * first[j];
        for (int c = 1; c < components.Length; c++)
        {
            var source = part(components[c]);
            double coefficient = coefficients[c];
            for (int j = 0; j < target.Length; j++) target[j] += coefficient * source[j];
        }
    }

    /// <summary>Row i's first-term columns and its rest entries (pattern position, rest index, centred value), as
    /// <see cref="CrossProducts"/> lays them out; returns the entry count.</summary>
    private int RowEntries(ModelDesign design, ReadOnlySpan<double> response, int i, int[] position, int[] index,
        double[] value, double[] z1)
    {
        var layout = Combined.Layout;
        var scaling = Combined.Scaling;
        int k1 = layout.First.ColumnCount, p = layout.FixedEffectCount;
        for (int c = 0; c < k1; c++) z1[c] = layout.First.Z[i * k1 + c];
        int count = 0;
        for (int t = 1; t < layout.Terms.Count; t++)
        {
            var term = layout.Terms[t];
            int k = term.ColumnCount, termLevel = term.LevelOfRow[i], start = layout.RowPatternPosition[t][i];
            for (int c = 0; c < k; c++)
            {
                position[count] = start + c;
                index[count] = layout.RestTermOffset[t] + termLevel * k + c;
                value[count++] = term.Z[i * k + c];
            }
        }
        int tail = layout.PatternStart[layout.First.LevelOfRow[i] + 1] - p - 1;
        for (int c = 0; c < p; c++)
        {
            position[count] = tail + c;
            index[count] = layout.FixedOffset + c;
            value[count++] = (design.X[i * p + c] - scaling.ColumnShift[c]) * scaling.ColumnScale[c];
        }
        position[count] = tail + p;
        index[count] = layout.ResponseIndex;
        value[count++] = (response[i] - scaling.ResponseShift) * scaling.ResponseScale;
        return count;
    }

    /// <summary>Adds weight · [z1; v][z1; v]' of one row into <paramref name="target"/> (the rest's lower triangle:
    /// rest indices grow with entry order).</summary>
    private static void AddRow(CrossProducts target, int level, double[] z1, int count, int[] position, int[] index,
        double[] value, double weight)
    {
        int k1 = z1.Length, size = target.Layout.RestSize;
        var block = target.FirstBlocks.AsSpan(level * k1 * k1, k1 * k1);
        for (int a = 0; a < k1; a++)
            for (int b = 0; b < k1; b++)
                block[a * k1 + b] += weight * z1[a] * z1[b];
        var rest = target.Rest;
        for (int e = 0; e < count; e++)
        {
            double scaled = weight * value[e];
            var firstRest = target.FirstRest.AsSpan(position[e] * k1, k1);
            for (int c = 0; c < k1; c++) firstRest[c] += scaled * z1[c];
            int offset = index[e] * size;
            for (int f = 0; f <= e; f++) rest[offset + index[f]] += scaled * value[f];
        }
    }

    private static void MirrorRest(CrossProducts products)
    {
        int size = products.Layout.RestSize;
        var rest = products.Rest;
        for (int r = 0; r < size; r++)
            for (int s = 0; s < r; s++)
                rest[s * size + r] = rest[r * size + s];
    }
}
