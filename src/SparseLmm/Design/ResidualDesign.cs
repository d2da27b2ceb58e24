using SparseLmm.Data;

namespace SparseLmm.Design;

/// <summary>A <see cref="ResidualStructure"/> resolved against a design's kept rows: each row's variance group, and for
/// corAR1 each row's predecessor within its correlation group.</summary>
/// <param name="VarianceGroup">varIdent's column, or null (then one level).</param>
/// <param name="VarianceLevels">The variance groups' labels in nlme's order: the first is the reference.</param>
/// <param name="VarianceGroupOfRow">Each kept row's variance group (all 0 without varIdent).</param>
/// <param name="CorrelationGroup">corAR1's grouping column, or null without corAR1.</param>
/// <param name="CorrelationOrder">corAR1's order column, or null for the data's order.</param>
/// <param name="Predecessor">Each row's previous row in its correlation group (−1 for a group's first row); null without
/// corAR1.</param>
/// <param name="GapOfRow">With corAR1, each row's index in <paramref name="Gaps"/> of its lag to its predecessor (−1 for
/// a group's first row).</param>
/// <param name="Gaps">The distinct lags between consecutive rows of a group, ascending: differences of the order column's
/// whole-number values (all 1 in the data's order). nlme's corAR1 turns into corARMA(1, 0) when they are not all 1,
/// which correlates rows ρ^lag.</param>
internal sealed record ResidualDesign(
    string? VarianceGroup,
    string[] VarianceLevels,
    int[] VarianceGroupOfRow,
    string? CorrelationGroup,
    string? CorrelationOrder,
    int[]? Predecessor,
    int[]? GapOfRow,
    int[] Gaps)
{
    /// <summary>Most distinct lags corAR1 takes: each keeps three copies of the cross-products per pair of variance
    /// groups.</summary>
    public const int MaxGaps = 32;

    /// <summary>Number of variance groups (1 without varIdent).</summary>
    public int VarianceLevelCount => VarianceLevels.Length;

    /// <summary>True with corAR1.</summary>
    public bool Autoregressive => Predecessor is not null;

    /// <summary>Resolves <paramref name="structure"/> over <paramref name="design"/>'s rows of <paramref name="table"/>.</summary>
    /// <exception cref="InputException">A column is unknown or has missing values among the rows used, or the groups do
    /// not nest as the structures need.</exception>
    public static ResidualDesign Resolve(ResidualStructure structure, DataTable table, ModelDesign design)
    {
        int n = design.RowCount;
        string[] levels = ["(all)"];
        var groupOfRow = new int[n];
        if (structure.VarianceGroup is { } varianceColumn)
        {
            var (codes, labels) = CategoricalCodes(table, design, varianceColumn, "varIdent");
            (levels, groupOfRow) = InNlmeOrder(codes, labels, design);
            if (levels.Length < 2)
                throw new InputException($"varIdent group '{varianceColumn}' has only one level in the rows used; it needs two or more");
        }
        if (!structure.AutoregressiveCorrelation)
            return new ResidualDesign(structure.VarianceGroup, levels, groupOfRow, null, null, null, null, []);

        var (groupName, groupCodes) = CorrelationGroups(structure, table, design);
        double[]? order = structure.CorrelationOrder is { } orderColumn ? OrderValues(table, design, orderColumn) : null;
        var rows = Enumerable.Range(0, n).OrderBy(i => groupCodes[i]);
        if (order is not null) rows = rows.ThenBy(i => order[i]);
        var predecessor = new int[n];
        var lag = new double[n];
        int previous = -1;
        foreach (int i in rows)
        {
            bool sameGroup = previous >= 0 && groupCodes[previous] == groupCodes[i];
            if (sameGroup && order is not null && order[previous] == order[i])
                throw new InputException(
                    $"corAR1: '{structure.CorrelationOrder}' has the value {order[i]} twice within one level of '{groupName}' (data rows {design.KeptRows[previous] + 1} and {design.KeptRows[i] + 1}); the order must be distinct within a group");
            predecessor[i] = sameGroup ? previous : -1;
            if (sameGroup)
            {
                RequireNested(design, groupName, previous, i);
                lag[i] = order is null ? 1 : order[i] - order[previous];
            }
            previous = i;
        }
        var gaps = lag.Where((_, i) => predecessor[i] >= 0).Distinct().Order().ToArray();
        if (gaps.Length > MaxGaps)
            throw new InputException(
                $"corAR1: '{structure.CorrelationOrder}' has {gaps.Length} different lags between consecutive rows of a group; at most {MaxGaps} are supported");
        var gapOfRow = new int[n];
        for (int i = 0; i < n; i++) gapOfRow[i] = predecessor[i] < 0 ? -1 : Array.BinarySearch(gaps, lag[i]);
        return new ResidualDesign(structure.VarianceGroup, levels, groupOfRow, groupName, structure.CorrelationOrder, predecessor,
            gapOfRow, gaps.Select(g => (int)g).ToArray());
    }

    /// <summary>Rows <paramref name="a"/> and <paramref name="b"/> of one correlation group must share every random-effects
    /// level (the whitening keeps each row in its levels).</summary>
    private static void RequireNested(ModelDesign design, string groupName, int a, int b)
    {
        foreach (var term in design.RandomTerms)
            if (term.LevelOfRow[a] != term.LevelOfRow[b])
                throw new InputException(
                    $"corAR1 group '{groupName}' must be the random-effects grouping '{term.GroupName}' or nested within it, but one of its groups has rows in levels '{term.Levels[term.LevelOfRow[a]]}' and '{term.Levels[term.LevelOfRow[b]]}' of '{term.GroupName}'");
    }

    /// <summary>corAR1's groups: the named column, or the model's grouping factor when there is only one.</summary>
    private static (string Name, int[] Codes) CorrelationGroups(ResidualStructure structure, DataTable table, ModelDesign design)
    {
        if (structure.CorrelationGroup is { } column) return (column, CategoricalCodes(table, design, column, "corAR1").Codes);
        var names = design.RandomTerms.Select(t => t.GroupName).Distinct().ToList();
        if (names.Count != 1)
            throw new InputException(
                $"corAR1 needs its group named, corAR1(~ ORDER | GROUP), when the model has several grouping factors ({string.Join(", ", names)})");
        return (names[0], design.RandomTerms[0].LevelOfRow);
    }

    /// <summary>Codes of a column (numeric columns by distinct value) over the kept rows, and its level labels.</summary>
    private static (int[] Codes, string[] Labels) CategoricalCodes(DataTable table, ModelDesign design, string name, string structure)
    {
        var column = ColumnConversions.AsCategorical(Column(table, name, structure));
        var codes = new int[design.RowCount];
        for (int i = 0; i < codes.Length; i++)
        {
            int row = design.KeptRows[i];
            codes[i] = column.Codes[row];
            if (codes[i] < 0) throw Missing(table, name, structure, row);
        }
        return (codes, column.Levels);
    }

    private static double[] OrderValues(DataTable table, ModelDesign design, string name)
    {
        if (Column(table, name, "corAR1") is not NumericColumn column)
            throw new InputException($"corAR1's order column '{name}' is text; it must be numeric");
        var values = new double[design.RowCount];
        for (int i = 0; i < values.Length; i++)
        {
            int row = design.KeptRows[i];
            if (column.IsMissing(row) || !double.IsFinite(column.Values[row])) throw Missing(table, name, "corAR1", row);
            values[i] = column.Values[row];
            // nlme takes lags as differences of whole-number times (fractional ones it truncates); refuse rather than guess.
            if (values[i] != Math.Round(values[i]) || Math.Abs(values[i]) > 1 << 30)
                throw new InputException(
                    $"corAR1's order column '{name}' must hold whole numbers (the lag is their difference), but data row {row + 1} has {values[i]}; use corAR1(~ 1 | GROUP) for the rows' order in the data");
        }
        return values;
    }

    private static DataColumn Column(DataTable table, string name, string structure)
    {
        if (table.TryGetColumn(name, out var column)) return column;
        var suggestion = NameSuggestions.ClosestName(name, table.Columns.Select(c => c.Name));
        throw new InputException($"{structure}: unknown column '{name}' in {table.Source}{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}");
    }

    private static InputException Missing(DataTable table, string name, string structure, int row) =>
        new($"{structure}: column '{name}' has a missing or non-finite value at data row {row + 1} (line {row + 2}) of {table.Source}, a row the model uses; drop such rows first");

    /// <summary>Renumbers variance-group codes in nlme's order: lme sorts the rows by the grouping factors (outermost,
    /// that is fewest levels, first; stable) and varIdent takes the levels in order of appearance.</summary>
    private static (string[] Levels, int[] GroupOfRow) InNlmeOrder(int[] codes, string[] labels, ModelDesign design)
    {
        int n = codes.Length;
        var terms = design.RandomTerms.OrderBy(t => t.LevelCount).ToList();
        var rows = Enumerable.Range(0, n).OrderBy(i => terms[0].LevelOfRow[i]);
        foreach (var term in terms.Skip(1)) rows = rows.ThenBy(i => term.LevelOfRow[i]);
        var renumbered = new Dictionary<int, int>();
        foreach (int i in rows) renumbered.TryAdd(codes[i], renumbered.Count);
        var groupOfRow = new int[n];
        for (int i = 0; i < n; i++) groupOfRow[i] = renumbered[codes[i]];
        return (renumbered.OrderBy(p => p.Value).Select(p => labels[p.Key]).ToArray(), groupOfRow);
    }
}
