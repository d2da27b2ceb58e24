namespace SparseLmm.Data;

/// <summary>A table that is read a chunk at a time (a Parquet file's row groups, an Arrow file's record batches), so that
/// it can be read whole into a <see cref="DataTable"/> or passed over without being held.</summary>
internal interface IChunkedSource : IDisposable
{
    /// <summary>Names the data in messages.</summary>
    string Source { get; }

    /// <summary>The columns that can be read, in file order.</summary>
    IReadOnlyList<string> ColumnNames { get; }

    /// <summary>The rows, when the file says how many.</summary>
    long? RowCount { get; }

    /// <summary>The chunks in file order, each holding the <paramref name="columns"/> (names from
    /// <see cref="ColumnNames"/>) in the order given. Each call starts again from the first chunk.</summary>
    IEnumerable<IReadOnlyList<ColumnChunk>> Chunks(IReadOnlyList<string> columns);
}

/// <summary>Reading a chunked source whole.</summary>
internal static class ChunkedSources
{
    /// <summary>Every column of every chunk, in one table.</summary>
    public static DataTable ReadAll(IChunkedSource source)
    {
        var concatenation = new ColumnChunkConcatenation(source.ColumnNames);
        foreach (var chunk in source.Chunks(source.ColumnNames)) concatenation.Append(chunk, source.Source);
        return concatenation.ToTable(source.Source);
    }
}
