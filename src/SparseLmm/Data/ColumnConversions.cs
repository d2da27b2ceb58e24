using System.Globalization;

namespace SparseLmm.Data;

/// <summary>Conversions between column types, e.g. for the CLI's <c>--factor COL</c> or a numeric column used as a
/// grouping factor.</summary>
public static class ColumnConversions
{
    /// <summary>A copy of <paramref name="table"/> in which <paramref name="column"/> is categorical. A numeric column
    /// becomes a factor with one level per distinct value (see <see cref="ToCategorical(NumericColumn)"/>); a column
    /// that is already categorical is left as it is.</summary>
    /// <param name="table">The table.</param>
    /// <param name="column">The column's name.</param>
    /// <exception cref="InputException">The table has no such column.</exception>
    public static DataTable ToCategorical(DataTable table, string column)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(column);
        if (!table.TryGetColumn(column, out var found))
            throw UnknownColumn(table, column);
        return found switch
        {
            NumericColumn numeric => table.WithColumns([ToCategorical(numeric) with { Declared = true }]),
            CategoricalColumn { Declared: false } categorical => table.WithColumns([categorical with { Declared = true }]),
            _ => table,
        };
    }

    /// <summary>The column as a factor: itself if categorical, else converted by <see cref="ToCategorical(NumericColumn)"/>.</summary>
    /// <param name="column">A numeric or categorical column.</param>
    public static CategoricalColumn AsCategorical(DataColumn column) => column switch
    {
        CategoricalColumn categorical => categorical,
        NumericColumn numeric => ToCategorical(numeric),
        _ => throw new ArgumentException($"unsupported column type {column.GetType().Name}", nameof(column)),
    };

    /// <summary>A factor with one level per distinct value of <paramref name="column"/>, levels in numeric order,
    /// labelled with the shortest text that round-trips (308 → "308", 2.5 → "2.5"). Missing cells stay missing
    /// (code −1); −0 is the same level as 0; a NaN value (not missing) is a level "NaN".</summary>
    /// <param name="column">The numeric column.</param>
    public static CategoricalColumn ToCategorical(NumericColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var values = column.Values;
        var provisional = new Dictionary<double, int>();
        var distinct = new List<double>();
        var codes = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (column.IsMissing(i))
            {
                codes[i] = -1;
                continue;
            }
            double v = values[i] == 0 ? 0.0 : values[i];
            if (!provisional.TryGetValue(v, out int code))
            {
                code = distinct.Count;
                provisional.Add(v, code);
                distinct.Add(v);
            }
            codes[i] = code;
        }

        var order = new int[distinct.Count];
        for (int k = 0; k < order.Length; k++) order[k] = k;
        Array.Sort(order, (a, b) => distinct[a].CompareTo(distinct[b]));
        var rank = new int[order.Length];
        var levels = new string[order.Length];
        for (int k = 0; k < order.Length; k++)
        {
            rank[order[k]] = k;
            levels[k] = distinct[order[k]].ToString("R", CultureInfo.InvariantCulture);
        }
        for (int i = 0; i < codes.Length; i++)
            if (codes[i] >= 0) codes[i] = rank[codes[i]];
        return new CategoricalColumn(column.Name, codes, levels);
    }

    /// <summary>"unknown column 'x' in source (did you mean 'y'?)", or listing the columns when none is close.</summary>
    internal static InputException UnknownColumn(DataTable table, string column)
    {
        var names = table.Columns.Select(c => c.Name).ToList();
        var hint = NameSuggestions.ClosestName(column, names) is { } closest
            ? $"did you mean '{closest}'?"
            : $"columns are: {string.Join(", ", names.Take(20))}{(names.Count > 20 ? ", ..." : "")}";
        return new InputException($"unknown column '{column}' in {table.Source} ({hint})");
    }
}
