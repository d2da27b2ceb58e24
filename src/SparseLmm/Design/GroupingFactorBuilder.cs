using SparseLmm.Data;

namespace SparseLmm.Design;

/// <summary>Builds the grouping factor of a random-effects term: one variable, or the interaction of several
/// (<c>a:b</c>), whose levels are the combinations that occur, labelled <c>levelOfA:levelOfB</c> as R labels them.</summary>
internal static class GroupingFactorBuilder
{
    /// <summary>The grouping factor over the kept rows. Every variable must already be categorical. A single variable
    /// whose rows are all kept and whose levels are all used shares the column's codes.</summary>
    public static CategoricalFactor Build(IReadOnlyList<string> variables, DataTable table, int[] keptRows)
    {
        var columns = variables.Select(v => (CategoricalColumn)table[v]).ToArray();
        var label = string.Join(":", variables);
        if (columns.Length == 1)
        {
            bool keepsAllRows = keptRows.Length == table.RowCount;
            for (int i = 0; keepsAllRows && i < keptRows.Length; i++) keepsAllRows = keptRows[i] == i;
            return ExpressionEvaluator.CategoricalOverKeptRows(label, columns[0].Codes, columns[0].Levels, keptRows, keepsAllRows);
        }

        var combinationOfRow = new int[keptRows.Length];
        var combinations = new Dictionary<CombinationKey, int>();
        var keys = new List<int[]>();
        for (int i = 0; i < keptRows.Length; i++)
        {
            var parts = new int[columns.Length];
            for (int c = 0; c < columns.Length; c++) parts[c] = columns[c].Codes[keptRows[i]];
            var key = new CombinationKey(parts);
            if (!combinations.TryGetValue(key, out var index))
            {
                index = keys.Count;
                combinations.Add(key, index);
                keys.Add(parts);
            }
            combinationOfRow[i] = index;
        }

        // Order levels by the component levels, first variable slowest, as R's interaction of sorted factors.
        var order = Enumerable.Range(0, keys.Count).ToArray();
        Array.Sort(order, (x, y) => CompareParts(keys[x], keys[y]));
        var rank = new int[order.Length];
        for (int r = 0; r < order.Length; r++) rank[order[r]] = r;
        var levels = order.Select(k => string.Join(":", keys[k].Select((code, c) => columns[c].Levels[code]))).ToArray();
        for (int i = 0; i < combinationOfRow.Length; i++) combinationOfRow[i] = rank[combinationOfRow[i]];
        return new CategoricalFactor(label, combinationOfRow, levels);
    }

    private static int CompareParts(int[] left, int[] right)
    {
        for (int c = 0; c < left.Length; c++)
        {
            int comparison = left[c].CompareTo(right[c]);
            if (comparison != 0) return comparison;
        }
        return 0;
    }

    private readonly record struct CombinationKey(int[] Parts)
    {
        public bool Equals(CombinationKey other) => Parts.AsSpan().SequenceEqual(other.Parts);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var part in Parts) hash.Add(part);
            return hash.ToHashCode();
        }
    }
}
