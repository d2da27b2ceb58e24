using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Streaming;

/// <summary>Turns <see cref="LevelStatistics"/> into what the engine fits from: the aliased fixed-effect columns
/// dropped (found from the Gram matrix of X, as the in-memory path finds them), the layout built from the level pairs
/// that share a row, and the cross-products written in the centred and scaled coordinates of
/// <see cref="FixedEffectScaling"/> (the shift from the reference row to the means is applied exactly through the sums
/// against the column of ones).</summary>
internal static class StatisticsLoader
{
    /// <summary>The model's pieces from the statistics.</summary>
    /// <param name="statistics">The sums; terms in the layout's order (most levels first).</param>
    /// <param name="terms">The terms (without rows), in the same order.</param>
    /// <param name="fixedNames">All p columns of X, aliased ones included.</param>
    /// <param name="responseName">The response's label.</param>
    /// <param name="threads">The fit's threads.</param>
    public static (CrossProducts Products, IReadOnlyList<string> Kept, IReadOnlyList<string> Aliased, IReadOnlyList<string> AliasedByLocation)
        Load(LevelStatistics statistics, IReadOnlyList<RandomEffectsDesign> terms, IReadOnlyList<string> fixedNames,
            string responseName, ThreadBudget? threads)
    {
        int p = fixedNames.Count, w = statistics.TailWidth;
        long n = statistics.RowCount;
        var reference = statistics.Reference;
        var (kept, aliased, byLocation) = FixedColumns(statistics, p);
        int pk = kept.Length;

        // Tail index in the statistics of engine tail column j (kept X columns, then y).
        var index = new int[pk + 1];
        for (int j = 0; j < pk; j++) index[j] = 1 + kept[j];
        index[pk] = w - 1;
        int intercept = Array.FindIndex(kept, c => statistics.AllOnes[c]);
        var shift = new double[pk + 1];
        for (int j = 0; j <= pk; j++)
            shift[j] = intercept < 0 || j == intercept ? 0 : Mean(statistics, index[j] - 1);
        var d = new double[w];
        for (int j = 0; j <= pk; j++) d[index[j]] = shift[j] - reference[index[j] - 1];
        if (statistics.ShiftedTail(w - 1, w - 1, Reference(statistics)) == 0)
            throw new InputException(
                $"the response '{responseName}' is constant: it is {Formulas.FormulaText.FormatNumber(reference[p])} in all {n:N0} rows used; a model needs a response that varies");
        var rootMeanSquare = new double[pk + 1];
        for (int j = 0; j <= pk; j++)
            rootMeanSquare[j] = Math.Sqrt(Math.Max(0, statistics.ShiftedTail(index[j], index[j], d)) / n);
        var scaling = FixedEffectScaling.FromMoments(shift, rootMeanSquare, intercept, kept.Select(c => fixedNames[c]).ToList(), responseName);
        var scale = new double[pk + 1];
        for (int j = 0; j < pk; j++) scale[j] = scaling.ColumnScale[j];
        scale[pk] = scaling.ResponseScale;

        var layout = new CrossProductLayout(terms, pk, checked((int)n), LevelPairs(statistics), NestedTerms(statistics, terms),
            RestStorage.Automatic, threads);
        var products = new CrossProducts(layout) { Scaling = scaling };
        double TailValue(int t, int level, int a, int j)
        {
            int k = statistics.ColumnCount(t);
            var tail = statistics.TailBlocks[t];
            long at = ((long)level * k + a) * w;
            return scale[j] * (tail[at + index[j]] - d[index[j]] * tail[at]);
        }
        FillFirst(statistics, layout, products, pk, TailValue);
        FillRest(statistics, layout, products, pk, TailValue, (i, j) => scale[i] * scale[j] * statistics.ShiftedTail(index[i], index[j], d));
        return (products, kept.Select(c => fixedNames[c]).ToList(), aliased.Select(c => fixedNames[c]).ToList(),
            byLocation.Select(c => fixedNames[c]).ToList());
    }

    /// <summary>Which of X's <paramref name="p"/> columns are kept and which are aliased (found from the raw Gram
    /// matrix of X, as lme4 and the in-memory path find them), and of those, which only by their location.</summary>
    internal static (int[] Kept, IReadOnlyList<int> Aliased, IReadOnlyList<int> ByLocation) FixedColumns(LevelStatistics statistics, int p)
    {
        int w = statistics.TailWidth;
        var reference = statistics.Reference;
        var raw = new double[w];
        for (int c = 0; c < p; c++) raw[1 + c] = -reference[c];
        var aliased = AliasedColumns.FromGram(Gram(statistics, p, raw), p);
        var byLocation = new List<int>();
        int fullIntercept = Enumerable.Range(0, p).FirstOrDefault(c => statistics.AllOnes[c], -1);
        if (aliased.Count > 0 && fullIntercept >= 0)
        {
            var centred = new double[w];
            for (int c = 0; c < p; c++)
                centred[1 + c] = (c == fullIntercept ? 0 : Mean(statistics, c)) - reference[c];
            var still = AliasedColumns.FromGram(Gram(statistics, p, centred), p);
            byLocation.AddRange(aliased.Where(c => !still.Contains(c)));
        }
        return (Enumerable.Range(0, p).Except(aliased).ToArray(), aliased, byLocation);
    }

    private static double[] Reference(LevelStatistics statistics) => new double[statistics.TailWidth];

    private static double Mean(LevelStatistics statistics, int column) =>
        statistics.Reference[column] + statistics.TailTail[(1 + column) * statistics.TailWidth] / statistics.RowCount;

    /// <summary>The Gram matrix of X's p columns in the shift <paramref name="d"/> (relative to the reference).</summary>
    private static double[] Gram(LevelStatistics statistics, int p, double[] d)
    {
        var gram = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b <= a; b++) gram[a * p + b] = statistics.ShiftedTail(1 + a, 1 + b, d);
        return gram;
    }

    /// <summary>For each term t ≥ 1, the first term's levels' ranges into the ascending levels of t that share a row.</summary>
    internal static (int[] Range, int[] Levels)[] LevelPairs(LevelStatistics statistics)
    {
        int terms = statistics.TermCount, q1 = statistics.LevelCount(0);
        var result = new (int[], int[])[terms];
        for (int t = 1; t < terms; t++)
        {
            int qt = statistics.LevelCount(t);
            var pairs = statistics.Pairs(0, t);
            var range = new int[q1 + 1];
            var levels = new int[pairs.Count];
            int e = 0;
            foreach (var (key, _) in pairs.Entries())
            {
                range[key / qt + 1]++;
                levels[e++] = (int)(key % qt);
            }
            for (int l = 0; l < q1; l++) range[l + 1] += range[l];
            result[t] = (range, levels);
        }
        return result;
    }

    /// <summary>Nested pairs as <see cref="RestStructure"/> finds them from rows: the term with more levels (or the
    /// earlier of two with as many) is nested in the other when each of its levels shares rows with one level only.</summary>
    internal static IReadOnlyList<(int Inner, int Outer)> NestedTerms(LevelStatistics statistics, IReadOnlyList<RandomEffectsDesign> terms)
    {
        var found = new List<(int, int)>();
        for (int a = 0; a < terms.Count; a++)
            for (int b = 0; b < terms.Count; b++)
            {
                if (terms[a].GroupName == terms[b].GroupName || terms[a].LevelCount < terms[b].LevelCount
                    || (terms[a].LevelCount == terms[b].LevelCount && a > b)) continue;
                var partners = new int[terms[a].LevelCount];
                bool nested = true;
                foreach (var (key, _) in statistics.Pairs(Math.Min(a, b), Math.Max(a, b)).Entries())
                {
                    int inner = a < b ? (int)(key / terms[b].LevelCount) : (int)(key % terms[a].LevelCount);
                    if (++partners[inner] > 1) { nested = false; break; }
                }
                if (nested) found.Add((a, b));
            }
        return found;
    }

    private static void FillFirst(LevelStatistics statistics, CrossProductLayout layout, CrossProducts products, int pk,
        Func<int, int, int, int, double> tailValue)
    {
        int k1 = statistics.ColumnCount(0);
        statistics.Blocks[0].CopyTo(products.FirstBlocks, 0);
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            for (int e = layout.PatternStart[level]; e < layout.PatternStart[level + 1]; e++)
            {
                int row = layout.PatternRow[e];
                var target = products.FirstRest.AsSpan(e * k1, k1);
                if (row >= layout.RestRandomSize)
                {
                    for (int a = 0; a < k1; a++) target[a] = tailValue(0, level, a, row - layout.RestRandomSize);
                    continue;
                }
                int t = layout.RestRowTerm[row], kt = statistics.ColumnCount(t);
                int local = row - layout.RestTermOffset[t];
                var pairs = statistics.Pairs(0, t);
                if (!pairs.TryFind(statistics.PairKey(t, level, local / kt), out int at))
                    throw new InvalidOperationException("a level pair of the layout is missing from the statistics");
                var values = pairs.Values;
                for (int a = 0; a < k1; a++) target[a] = values[at + a * kt + local % kt];
            }
        }
    }

    private static void FillRest(LevelStatistics statistics, CrossProductLayout layout, CrossProducts products, int pk,
        Func<int, int, int, int, double> tailValue, Func<int, int, double> tailTail)
    {
        var rest = products.Rest;
        int size = layout.RestSize;
        var sparse = layout.Supernodal;
        // Row ≥ column in rest numbering; sameLevel: an entry of a level's own block (its upper mirror is stored too).
        void Set(int row, int column, double value, bool sameLevel)
        {
            if (sparse is null)
            {
                rest[row * size + column] = value;
                rest[column * size + row] = value;
                return;
            }
            long position = sparse.Position(row, column);
            if (position < 0) throw new InvalidOperationException("a streamed entry is missing from the sparse factor's structure");
            rest[position] = value;
            if (sameLevel && row != column) rest[sparse.DiagonalPosition[column] + (row - column)] = value;
        }
        for (int t = 1; t < statistics.TermCount; t++)
        {
            int k = statistics.ColumnCount(t), offset = layout.RestTermOffset[t];
            var blocks = statistics.Blocks[t];
            for (int level = 0; level < statistics.LevelCount(t); level++)
            {
                int first = offset + level * k;
                for (int a = 0; a < k; a++)
                {
                    for (int b = 0; b <= a; b++) Set(first + a, first + b, blocks[(long)level * k * k + a * k + b], true);
                    for (int j = 0; j <= pk; j++) Set(layout.FixedOffset + j, first + a, tailValue(t, level, a, j), false);
                }
            }
            for (int s = t + 1; s < statistics.TermCount; s++)
            {
                int ks = statistics.ColumnCount(s), qs = statistics.LevelCount(s), offsetS = layout.RestTermOffset[s];
                var pairs = statistics.Pairs(t, s);
                foreach (var (key, at) in pairs.Entries())
                {
                    var values = pairs.Values;
                    int lt = (int)(key / qs), ls = (int)(key % qs);
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < ks; b++)
                            Set(offsetS + ls * ks + b, offset + lt * k + a, values[at + a * ks + b], false);
                }
            }
        }
        for (int i = 0; i <= pk; i++)
            for (int j = 0; j <= i; j++) Set(layout.FixedOffset + i, layout.FixedOffset + j, tailTail(i, j), false);
    }
}
