namespace SparseLmm.Data;

/// <summary>R's <c>relevel</c>: a categorical column's level moved to the front, so that treatment contrasts take it as
/// the reference (the other levels keep their order).</summary>
internal static class ReferenceLevels
{
    /// <summary>A copy of <paramref name="table"/> with each column of <paramref name="references"/> (name → level)
    /// releveled.</summary>
    /// <exception cref="InputException">No such column, a numeric column (R's relevel needs a factor), or no such
    /// level.</exception>
    public static DataTable Apply(DataTable table, IReadOnlyDictionary<string, string>? references)
    {
        foreach (var (name, level) in references ?? new Dictionary<string, string>())
            table = Relevel(table, name, level);
        return table;
    }

    private static DataTable Relevel(DataTable table, string name, string level)
    {
        if (!table.TryGetColumn(name, out var column))
        {
            var suggestion = NameSuggestions.ClosestName(name, table.Columns.Select(c => c.Name));
            throw new InputException(
                $"reference level for unknown column '{name}' in {table.Source}{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}");
        }
        if (column is not CategoricalColumn categorical)
            throw new InputException(
                $"reference level '{level}' for column '{name}', which is numeric: a reference level needs a categorical column (declare it with --factor {name}, FitOptions.FactorColumns)");
        int position = Array.IndexOf(categorical.Levels, level);
        if (position < 0)
        {
            var shown = string.Join(", ", categorical.Levels.Take(10).Select(l => $"'{l}'")) + (categorical.Levels.Length > 10 ? ", ..." : "");
            throw new InputException($"column '{name}' has no level '{level}' (its levels: {shown})");
        }
        if (position == 0) return table;
        var levels = categorical.Levels.Take(position).Prepend(level).Concat(categorical.Levels.Skip(position + 1)).ToArray();
        var codes = new int[categorical.Codes.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            int code = categorical.Codes[i];
            codes[i] = code < 0 ? code : code == position ? 0 : code < position ? code + 1 : code;
        }
        return table.WithColumns([categorical with { Codes = codes, Levels = levels }]);
    }
}
