using SparseLmm.Numerics;

namespace SparseLmm.Data;

/// <summary>Reads a data path whatever its format: Parquet and Arrow by their magic bytes, anything else as delimited
/// text.</summary>
internal static class DataSources
{
    private static readonly Dictionary<string, Func<string, IDataSource>> Schemes = new(StringComparer.Ordinal);

    /// <summary>Makes data paths that start with <paramref name="scheme"/> (e.g. "duckdb:") open through
    /// <paramref name="open"/>, which is given the rest of the path: how an optional assembly (SparseLmm.DuckDb, whose
    /// native code the core library does not carry) adds a source.</summary>
    public static void RegisterScheme(string scheme, Func<string, IDataSource> open)
    {
        lock (Schemes) Schemes[scheme] = open;
    }

    private static IDataSource? OpenScheme(string path)
    {
        lock (Schemes)
        {
            foreach (var (scheme, open) in Schemes)
                if (path.StartsWith(scheme, StringComparison.Ordinal)) return open(path[scheme.Length..]);
        }
        if (path.StartsWith("duckdb:", StringComparison.Ordinal) && !File.Exists(path))
            throw new InputException("'duckdb:' sources need the SparseLmm.DuckDb assembly (DuckDbSource.Register())");
        return null;
    }

    /// <summary>The file at <paramref name="path"/> as a table, read on at most <paramref name="budget"/>'s threads.</summary>
    public static DataTable ReadFile(string path, ThreadBudget budget)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OpenScheme(path) is { } scheme)
        {
            using (scheme) return ChunkedSources.ReadAll(scheme, budget);
        }
        // A pipe or FIFO cannot be probed and rewound; the CSV reader reads it once.
        if (File.Exists(path) && IsRegularFile(path))
        {
            using var source = DataFormats.OpenChunked(path);
            if (source is not null) return ChunkedSources.ReadAll(source, budget);
        }
        return CsvReader.ReadFile(path, budget);
    }

    /// <summary>The file at <paramref name="path"/> as a chunked source, whatever its format (a pipe cannot be read
    /// twice and is refused).</summary>
    public static IDataSource OpenChunked(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OpenScheme(path) is { } scheme) return scheme;
        if (File.Exists(path) && !IsRegularFile(path))
            throw new InputException($"cannot stream '{path}': it is a pipe or empty, and a streamed fit reads its data twice; save it to a file");
        return DataFormats.OpenChunked(path) ?? CsvReader.OpenChunked(path);
    }

    /// <summary>A stream read once (standard input) as a table, its format told by its first bytes, read on at most
    /// <paramref name="budget"/>'s threads.</summary>
    public static DataTable ReadStream(Stream stream, string source, ThreadBudget budget)
    {
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        using var chunked = DataFormats.OpenChunked(bytes, source);
        if (chunked is not null) return ChunkedSources.ReadAll(chunked, budget);
        return CsvReader.ReadStream(new MemoryStream(bytes, writable: false), source, budget);
    }

    /// <summary>Whether <paramref name="path"/> can be probed for its format and opened again: a file with a length
    /// (a pipe, FIFO or terminal reports none and is left to the CSV reader, which reads it once).</summary>
    private static bool IsRegularFile(string path)
    {
        try
        {
            return new FileInfo(path).Length >= 8;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
