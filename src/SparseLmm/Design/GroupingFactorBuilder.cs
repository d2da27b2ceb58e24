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

        // Each combination as one number in mixed radix, first variable most significant: numeric order is then
        // R's order for the interaction of sorted factors (first variable slowest), and no row allocates a key.
        var radix = new long[columns.Length];
        long span = 1;
        for (int c = columns.Length - 1; c >= 0; c--)
        {
            radix[c] = span;
            if (span > long.MaxValue / Math.Max(1, columns[c].Levels.Length))
                throw new InputException($"grouping factor '{label}' has too many possible level combinations");
            span *= Math.Max(1, columns[c].Levels.Length);
        }
        var keyOfRow = new long[keptRows.Length];
        for (int i = 0; i < keptRows.Length; i++)
        {
            long key = 0;
            for (int c = 0; c < columns.Length; c++) key += columns[c].Codes[keptRows[i]] * radix[c];
            keyOfRow[i] = key;
        }
        var distinct = keyOfRow.Distinct().Order().ToArray();
        var rank = new Dictionary<long, int>(distinct.Length);
        for (int r = 0; r < distinct.Length; r++) rank[distinct[r]] = r;
        var combinationOfRow = new int[keptRows.Length];
        for (int i = 0; i < keyOfRow.Length; i++) combinationOfRow[i] = rank[keyOfRow[i]];
        var levels = distinct.Select(key => string.Join(":", columns.Select((column, c) => column.Levels[(int)(key / radix[c] % column.Levels.Length)]))).ToArray();
        return new CategoricalFactor(label, combinationOfRow, levels);
    }
}
