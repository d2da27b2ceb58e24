namespace SparseLmm.Data;

/// <summary>A table that is read a chunk at a time (a Parquet file's row groups, an Arrow file's record batches, a few
/// megabytes of CSV text, a DuckDB result's vectors, slices of an in-memory table), as many times as a pass needs,
/// without being held whole: what a streamed fit (<see cref="MixedModel.FitStreamed(string, IDataSource, FitOptions?, Action{int, long}?)"/>)
/// reads once per pass. Open one with <see cref="DataSource.Open"/> or <see cref="DataSource.FromTable"/> (or
/// <c>SparseLmm.DuckDb.DuckDbSource.Open</c>); dispose it when done.</summary>
public interface IDataSource : IDisposable
{
    /// <summary>Names the data in messages (a path, <c>duckdb:</c> and its query, a table's source).</summary>
    string Source { get; }

    /// <summary>The columns that can be read, in file order.</summary>
    IReadOnlyList<string> ColumnNames { get; }

    /// <summary>The rows, when the source says how many without being read (Parquet and Arrow files, tables).</summary>
    long? RowCount { get; }

    /// <summary>The chunks in order, each holding the <paramref name="columns"/> (names from <see cref="ColumnNames"/>)
    /// in the order given. Each call starts again from the first chunk.</summary>
    internal IEnumerable<IReadOnlyList<ColumnChunk>> Chunks(IReadOnlyList<string> columns);

    /// <summary>True when the source's metadata say that <paramref name="column"/> holds numbers only and no missing
    /// value (a Parquet column whose statistics count no nulls), so that a pass looking for missing values and levels
    /// need not read it.</summary>
    internal bool IsCompleteNumber(string column) => false;

    /// <summary>The chunks in order as tables of the <paramref name="columns"/> given (every column when null), text
    /// columns categorical with each chunk's own levels. Each call starts again from the first chunk.</summary>
    /// <exception cref="InputException">A column is not in the source, or the source cannot be read.</exception>
    IEnumerable<DataTable> ReadChunks(IReadOnlyList<string>? columns = null)
    {
        var selected = columns ?? ColumnNames;
        foreach (var name in selected)
            if (!ColumnNames.Contains(name)) throw new InputException($"unknown column '{name}' in {Source}");
        return ChunkedSources.Tables(this, selected);
    }
}

/// <summary>Opening data sources.</summary>
public static class DataSource
{
    /// <summary>The rows of an in-memory table's slices, for <see cref="FromTable"/>.</summary>
    public const int DefaultTableChunkRows = 1 << 16;

    /// <summary>A CSV/TSV (optionally gzip-compressed), Parquet or Arrow IPC file, told apart by content, or a
    /// <c>duckdb:</c> path once <c>SparseLmm.DuckDb.DuckDbSource.Register()</c> has run.</summary>
    /// <exception cref="InputException">The file is missing, a directory or a pipe (a source is read more than once),
    /// or its header cannot be read.</exception>
    public static IDataSource Open(string path) => DataSources.OpenChunked(path);

    /// <summary>An in-memory table read in slices of <paramref name="chunkRows"/> rows (its columns are not copied).</summary>
    public static IDataSource FromTable(DataTable table, int chunkRows = DefaultTableChunkRows)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        return new TableSource(table, chunkRows);
    }
}

/// <summary>Reading a chunked source whole, or as tables.</summary>
internal static class ChunkedSources
{
    /// <summary>Every column of every chunk, in one table, decoded on the <paramref name="budget"/>'s threads where the
    /// source can (<see cref="Decoders"/>), as the CSV reader parses.</summary>
    public static DataTable ReadAll(IDataSource source, Numerics.ThreadBudget budget)
    {
        var concatenation = new ColumnChunkConcatenation(source.ColumnNames);
        int decoders = Decoders(source, budget);
        var chunks = decoders > 1
            ? ((IParallelChunkSource)source).Chunks(source.ColumnNames, decoders)
            : source.Chunks(source.ColumnNames);
        foreach (var chunk in chunks) concatenation.Append(chunk, source.Source);
        return concatenation.ToTable(source.Source);
    }

    /// <summary>The threads that decode <paramref name="source"/>'s chunks, the caller's included: the budget's, when
    /// the source can decode several at once; one (the caller's) otherwise.</summary>
    public static int Decoders(IDataSource source, Numerics.ThreadBudget budget) =>
        source is IParallelChunkSource ? budget.Degree : 1;

    /// <summary>The chunks of <paramref name="columns"/> as tables, each text chunk's dictionary sorted into levels.</summary>
    public static IEnumerable<DataTable> Tables(IDataSource source, IReadOnlyList<string> columns)
    {
        using var chunks = source.Chunks(columns).GetEnumerator();
        while (true)
        {
            try
            {
                if (!chunks.MoveNext()) yield break;
            }
            catch (Streaming.ColumnTurnedTextException e)
            {
                throw new InputException(
                    $"{source.Source}: column '{e.Column}' held numbers in the chunks read so far and text after them; read the source again (it now reads the column as text from the start)");
            }
            var table = new List<DataColumn>(chunks.Current.Count);
            foreach (var part in chunks.Current)
            {
                table.Add(part switch
                {
                    NumberChunk number => new NumericColumn(number.Name, number.Values, number.Missing),
                    LabelChunk labels => SortedLabels(labels),
                    _ => throw new InvalidOperationException($"unknown chunk {part.GetType().Name}"),
                });
            }
            yield return new DataTable(table, source.Source);
        }
    }

    private static CategoricalColumn SortedLabels(LabelChunk chunk)
    {
        var rank = LevelOrdering.Sort(chunk.Dictionary, out var levels);
        var codes = new int[chunk.Codes.Length];
        for (int i = 0; i < codes.Length; i++) codes[i] = chunk.Codes[i] < 0 ? -1 : rank[chunk.Codes[i]];
        return new CategoricalColumn(chunk.Name, codes, levels);
    }
}

/// <summary>An in-memory table in slices: numbers copied per slice, codes sliced with the table's levels as the
/// dictionary.</summary>
internal sealed class TableSource(DataTable table, int chunkRows) : IDataSource
{
    public string Source => table.Source;

    public IReadOnlyList<string> ColumnNames { get; } = table.Columns.Select(c => c.Name).ToList();

    public long? RowCount => table.RowCount;

    IEnumerable<IReadOnlyList<ColumnChunk>> IDataSource.Chunks(IReadOnlyList<string> columns)
    {
        var selected = columns.Select(name => table[name]).ToArray();
        for (int start = 0; start < table.RowCount; start += chunkRows)
        {
            int length = Math.Min(chunkRows, table.RowCount - start);
            var chunk = new ColumnChunk[selected.Length];
            for (int j = 0; j < selected.Length; j++)
            {
                chunk[j] = selected[j] switch
                {
                    NumericColumn number => new NumberChunk(number.Name, number.Values.AsSpan(start, length).ToArray(),
                        number.Missing?.AsSpan(start, length).ToArray()),
                    CategoricalColumn labels => new LabelChunk(labels.Name, labels.Codes.AsSpan(start, length).ToArray(), labels.Levels),
                    var other => throw new InvalidOperationException($"unknown column {other.GetType().Name}"),
                };
            }
            yield return chunk;
        }
    }

    public void Dispose()
    {
    }
}
