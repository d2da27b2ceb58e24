using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;
using SparseLmm.Data;

namespace SparseLmm.DuckDb;

/// <summary>Data from DuckDB: a query over files DuckDB reads (Parquet, CSV, JSON, globs of them) or a table or query
/// of a database file, as a data path <c>duckdb:QUERY</c> or <c>duckdb:FILE.duckdb::TABLE-OR-QUERY</c>.</summary>
/// <example><code>
/// DuckDbSource.Register();   // once: data paths starting with "duckdb:" then work wherever a path is taken
/// var fit = MixedModel.FitStreamed("y ~ x + (1 | g)", "duckdb:SELECT * FROM 'events/*.parquet' WHERE year = 2026");
/// </code></example>
public static class DuckDbSource
{
    /// <summary>The data-path prefix.</summary>
    public const string Scheme = "duckdb:";

    /// <summary>Makes <c>duckdb:</c> data paths work in <see cref="MixedModel.LoadData"/>, <see cref="MixedModel.FitStreamed"/>,
    /// <see cref="MixedModel.WritePartial"/> and the CLI.</summary>
    public static void Register() => DataSources.RegisterScheme(Scheme, spec => new DuckDbChunkedSource(spec));

    /// <summary>A DuckDB query or table (the text after <c>duckdb:</c>) as a source read once per pass, for
    /// <see cref="MixedModel.FitStreamed(string, IDataSource, FitOptions?, Action{int, long}?)"/>.</summary>
    public static IDataSource Open(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new DuckDbChunkedSource(spec);
    }

    /// <summary>Reads a DuckDB query or table whole (the text after <c>duckdb:</c>).</summary>
    public static DataTable Read(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var source = new DuckDbChunkedSource(spec);
        return ChunkedSources.ReadAll(source, new SparseLmm.Numerics.ThreadBudget());
    }
}

/// <summary>A DuckDB result read 65,536 rows at a time; each pass runs the query again, selecting only the columns the
/// pass reads (DuckDB pushes the projection into its scan). Types map as for Parquet: numbers numeric, text, booleans,
/// dates and times categorical, NULL missing.</summary>
internal sealed class DuckDbChunkedSource : IDataSource
{
    private const int ChunkRows = 1 << 16;
    private readonly string database;
    private readonly string query;

    public DuckDbChunkedSource(string spec)
    {
        int split = spec.IndexOf("::", StringComparison.Ordinal);
        if (split >= 0)
        {
            database = spec[..split];
            var what = spec[(split + 2)..].Trim();
            if (!File.Exists(database)) throw new InputException($"cannot read '{database}': no such DuckDB database file");
            query = what.Contains(' ') ? what : $"SELECT * FROM {Quote(what)}";
        }
        else
        {
            database = ":memory:";
            query = spec.Trim();
        }
        if (query.Length == 0) throw new InputException("duckdb: needs a query, e.g. duckdb:SELECT * FROM 'data.parquet'");
        Source = Scheme + spec;
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM ({query}) AS q LIMIT 0";
        using var reader = Execute(command);
        ColumnNames = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var duplicate = ColumnNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InputException($"{Source}: duplicate column name '{duplicate.Key}'");
    }

    private static string Scheme => DuckDbSource.Scheme;

    public string Source { get; }

    public IReadOnlyList<string> ColumnNames { get; }

    public long? RowCount => null;

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private DuckDBConnection Open()
    {
        try
        {
            var connection = new DuckDBConnection($"Data Source={database}{(database == ":memory:" ? "" : ";ACCESS_MODE=READ_ONLY")}");
            connection.Open();
            return connection;
        }
        catch (Exception e) when (e is DbException or DllNotFoundException or TypeInitializationException)
        {
            throw new InputException($"cannot open DuckDB database '{database}': {OneLine(e)}");
        }
    }

    private DbDataReader Execute(DbCommand command)
    {
        try
        {
            return command.ExecuteReader();
        }
        catch (DbException e)
        {
            throw new InputException($"{Source}: {OneLine(e)}");
        }
    }

    private static string OneLine(Exception e) => e.Message.Split('\n')[0].Trim();

    IEnumerable<IReadOnlyList<ColumnChunk>> IDataSource.Chunks(IReadOnlyList<string> columns)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", columns.Select(Quote))} FROM ({query}) AS q";
        using var reader = Execute(command);
        var types = Enumerable.Range(0, columns.Count).Select(reader.GetFieldType).ToArray();
        var numbers = new double[columns.Count][];
        var missing = new bool[columns.Count][];
        var labels = new string?[columns.Count][];
        for (int j = 0; j < columns.Count; j++)
        {
            if (IsNumber(types[j])) { numbers[j] = new double[ChunkRows]; missing[j] = new bool[ChunkRows]; }
            else labels[j] = new string?[ChunkRows];
        }
        int rows = 0;
        while (true)
        {
            bool more;
            try
            {
                more = reader.Read();
                if (more)
                {
                    for (int j = 0; j < columns.Count; j++)
                    {
                        bool isNull = reader.IsDBNull(j);
                        if (numbers[j] is { } values)
                        {
                            missing[j][rows] = isNull;
                            values[rows] = isNull ? double.NaN : Convert.ToDouble(reader.GetValue(j), CultureInfo.InvariantCulture);
                        }
                        else labels[j][rows] = isNull ? null : Label(reader.GetValue(j));
                    }
                    rows++;
                }
            }
            catch (DbException e)
            {
                throw new InputException($"{Source}: {OneLine(e)}");
            }
            if (rows == ChunkRows || (!more && rows > 0))
            {
                var chunk = new ColumnChunk[columns.Count];
                for (int j = 0; j < columns.Count; j++)
                    chunk[j] = numbers[j] is { } values
                        ? new NumberChunk(columns[j], values[..rows], missing[j].AsSpan(0, rows).Contains(true) ? missing[j][..rows] : null)
                        : LabelChunk.FromLabels(columns[j], labels[j].AsSpan(0, rows));
                rows = 0;
                yield return chunk;
            }
            if (!more) yield break;
        }
    }

    private static bool IsNumber(Type type) =>
        type == typeof(double) || type == typeof(float) || type == typeof(decimal) || type == typeof(long) || type == typeof(int)
        || type == typeof(short) || type == typeof(sbyte) || type == typeof(byte) || type == typeof(ushort) || type == typeof(uint)
        || type == typeof(ulong) || type == typeof(System.Numerics.BigInteger) || type == typeof(Half);

    private static string Label(object value) => value switch
    {
        string s => s,
        bool b => b ? "TRUE" : "FALSE",
        DateTime d => d.TimeOfDay == TimeSpan.Zero
            ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public void Dispose()
    {
    }
}
