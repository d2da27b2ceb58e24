namespace SparseLmm.Data;

/// <summary>An immutable table of named columns of equal length.</summary>
public sealed class DataTable
{
    private readonly Dictionary<string, DataColumn> byName;

    /// <summary>Creates a table from columns of equal length.</summary>
    /// <param name="columns">The columns, in file order.</param>
    /// <param name="source">Where the data came from (a path or an embedded data set's name), used in messages.</param>
    public DataTable(IReadOnlyList<DataColumn> columns, string source = "data")
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(source);
        Columns = columns;
        Source = source;
        for (int j = 0; j < columns.Count; j++)
            if (columns[j] is null) throw new ArgumentException($"column {j} is null", nameof(columns));
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        byName = new Dictionary<string, DataColumn>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (column.Length != RowCount)
                throw new ArgumentException($"column '{column.Name}' has {column.Length} rows, expected {RowCount}", nameof(columns));
            if (!byName.TryAdd(column.Name, column))
                throw new ArgumentException($"duplicate column name '{column.Name}'", nameof(columns));
        }
    }

    /// <summary>The columns in file order.</summary>
    public IReadOnlyList<DataColumn> Columns { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Where the data came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The column called <paramref name="name"/>.</summary>
    public DataColumn this[string name] => byName[name ?? throw new ArgumentNullException(nameof(name))];

    /// <summary>Looks a column up by name.</summary>
    public bool TryGetColumn(string name, out DataColumn column)
    {
        ArgumentNullException.ThrowIfNull(name);
        return byName.TryGetValue(name, out column!);
    }

    /// <summary>A copy of this table in which the named columns are replaced.</summary>
    public DataTable WithColumns(IEnumerable<DataColumn> replacements)
    {
        ArgumentNullException.ThrowIfNull(replacements);
        var replaced = replacements.ToDictionary(c => c.Name, StringComparer.Ordinal);
        return new DataTable(Columns.Select(c => replaced.TryGetValue(c.Name, out var r) ? r : c).ToList(), Source);
    }
}
