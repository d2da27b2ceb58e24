namespace SparseLmm.Data;

/// <summary>Reads Parquet files and Arrow IPC files or streams into a <see cref="DataTable"/>; the format is told by
/// the file's first bytes ("PAR1", "ARROW1", or an Arrow stream's first message), not by its name.</summary>
/// <remarks>Types: every integer, floating-point and decimal type is numeric (declare a numeric column categorical with
/// <c>--factor</c> or <see cref="FitOptions.FactorColumns"/>); strings, dictionary-encoded columns, booleans (FALSE,
/// TRUE), dates and times (ISO 8601 text) are categorical, with levels sorted as the CSV reader sorts them; nulls are
/// missing cells, dropped and counted as a CSV file's NA. Nested columns (lists, maps, structs) are left out.</remarks>
public static class ColumnarReader
{
    /// <summary>Reads a Parquet or Arrow file whole.</summary>
    /// <param name="path">The file; also the table's source name in messages.</param>
    /// <exception cref="InputException">The file is missing, not Parquet or Arrow, or cannot be read; the message says why.</exception>
    public static DataTable ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var source = DataFormats.OpenChunked(path)
            ?? throw new InputException($"cannot read '{path}': it is neither a Parquet nor an Arrow IPC file");
        return ChunkedSources.ReadAll(source, new Numerics.ThreadBudget());
    }
}

/// <summary>The formats a data path can hold, told by content.</summary>
internal enum DataFormat
{
    /// <summary>Delimited text, optionally gzip-compressed.</summary>
    Text,

    /// <summary>Apache Parquet (starts and ends with "PAR1").</summary>
    Parquet,

    /// <summary>Arrow IPC file format (starts with "ARROW1").</summary>
    ArrowFile,

    /// <summary>Arrow IPC stream format (starts with a continuation marker 0xFFFFFFFF).</summary>
    ArrowStream,
}

/// <summary>Telling formats apart and opening chunked sources.</summary>
internal static class DataFormats
{
    /// <summary>The format of a file, from its first bytes (text when shorter than any magic).</summary>
    public static DataFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("PAR1"u8)) return DataFormat.Parquet;
        if (head.StartsWith("ARROW1"u8)) return DataFormat.ArrowFile;
        if (head.Length >= 8 && head.StartsWith(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })) return DataFormat.ArrowStream;
        return DataFormat.Text;
    }

    /// <summary>The format of the file at <paramref name="path"/>.</summary>
    public static DataFormat Detect(string path)
    {
        Span<byte> head = stackalloc byte[8];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            if (!stream.CanSeek) return DataFormat.Text;
            int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return Detect(head[..read]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{path}': {e.Message.Split('\n')[0].Trim()}");
        }
    }

    /// <summary>A chunked source over a Parquet or Arrow file, or null when it holds text.</summary>
    public static IDataSource? OpenChunked(string path)
    {
        if (Directory.Exists(path)) throw new InputException($"cannot read '{path}': it is a directory");
        if (!File.Exists(path)) throw new InputException($"cannot read '{path}': no such file");
        return Open(Detect(path), () => File.OpenRead(path), path);
    }

    /// <summary>A chunked source over bytes in memory (standard input), or null when they hold text.</summary>
    public static IDataSource? OpenChunked(byte[] bytes, string source) =>
        Open(Detect(bytes), () => new MemoryStream(bytes, writable: false), source);

    private static IDataSource? Open(DataFormat format, Func<Stream> open, string source) => format switch
    {
        DataFormat.Parquet => ParquetSource.Open(open, source),
        DataFormat.ArrowFile => ArrowSource.Open(open, fileFormat: true, source),
        DataFormat.ArrowStream => ArrowSource.Open(open, fileFormat: false, source),
        _ => null,
    };
}
