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

    /// <summary>A table from records, one column per public property in declaration order: numbers (int, double,
    /// decimal, ... and their nullable forms) become numeric columns, text, char, bool (levels FALSE, TRUE, as R
    /// names them) and enums (levels in declaration order) categorical ones; null is a missing value.</summary>
    /// <param name="records">The rows, e.g. a list of <c>record Visit(string Patient, int Day, double Score)</c>.</param>
    /// <param name="source">The data's name, used in messages.</param>
    /// <exception cref="InputException">A property is of another type (leave it out with a projection).</exception>
    /// <example><code>
    /// var table = DataTable.FromRecords(visits);
    /// var fit = MixedModel.Fit("Score ~ Day + (1 | Patient)", table);
    /// </code></example>
    public static DataTable FromRecords<T>(IEnumerable<T> records, string source = "records")
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(source);
        return new DataTable(RecordColumns<T>.Build(records), source);
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
