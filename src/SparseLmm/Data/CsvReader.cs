using System.IO.Compression;
using System.Text;

namespace SparseLmm.Data;

/// <summary>Reads delimited text (CSV or TSV) into a <see cref="DataTable"/>.</summary>
/// <remarks>
/// <para>Format: a header row of column names, then one record per row. Fields are separated by ',' (CSV) or tab
/// (TSV); RFC 4180 quoting (quoted fields may contain delimiters, newlines and doubled quotes); LF or CRLF line ends;
/// an optional trailing newline; an optional UTF-8 byte order mark. Empty lines are skipped.</para>
/// <para>Types: a column is numeric when every non-missing cell parses as a number (invariant culture; <c>Inf</c>,
/// <c>-Inf</c> and <c>NaN</c> are numbers), else categorical. A cell is missing when it is empty (quoted or not) or an
/// unquoted <c>NA</c>.</para>
/// <para>Problems with the input throw <see cref="InputException"/> with a one-line message naming the source and
/// the 1-based physical line.</para>
/// </remarks>
public static class CsvReader
{
    /// <summary>Data regions at least this long (in characters) without any quote are parsed in parallel chunks.</summary>
    internal const int DefaultParallelThreshold = 4 << 20;

    /// <summary>Target size of a parallel chunk, in characters.</summary>
    internal const int DefaultChunkSize = 2 << 20;

    /// <summary>Reads a CSV or TSV file. The delimiter is chosen from the extension (.tsv/.tab: tab, .csv: comma)
    /// unless the header line clearly says otherwise; for other extensions it is sniffed from the header line.
    /// A file ending in .gz is decompressed.</summary>
    /// <param name="path">The file to read; also used as the table's source name in messages.</param>
    public static DataTable ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new InputException($"cannot read '{path}': it is a directory");
        if (!File.Exists(path))
            throw new InputException($"cannot read '{path}': no such file");

        char[] buffer;
        int length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
                FileOptions.SequentialScan);
            bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
            long sizeHint = stream.Length;
            if (!gzip && sizeHint >= Array.MaxLength)
                throw new InputException($"cannot read '{path}': the file is too large ({sizeHint:N0} bytes)");
            using Stream input = gzip ? new GZipStream(stream, CompressionMode.Decompress) : stream;
            using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
            // UTF-8 (or UTF-16) never decodes to more characters than bytes, so one exact-size buffer usually suffices.
            (buffer, length) = ReadAll(reader, gzip ? 4 * sizeHint : sizeHint, path);
        }
        catch (InputException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InputException($"cannot read '{path}': {OneLine(e.Message)}");
        }

        return Parse(new ReadOnlyMemory<char>(buffer, 0, length), path, null);
    }

    /// <summary>Reads delimited text from <paramref name="reader"/>.</summary>
    /// <param name="reader">The text; read to the end.</param>
    /// <param name="sourceName">Names the data in messages and becomes <see cref="DataTable.Source"/>. Its extension,
    /// if any, is a hint for the delimiter.</param>
    /// <param name="delimiter">The field delimiter, or null to choose from <paramref name="sourceName"/>'s extension
    /// and the header line.</param>
    public static DataTable Read(TextReader reader, string sourceName, char? delimiter = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var (buffer, length) = ReadAll(reader, 1 << 16, sourceName);
        return Parse(new ReadOnlyMemory<char>(buffer, 0, length), sourceName, delimiter);
    }

    /// <summary>Parses delimited text held in a string.</summary>
    /// <param name="text">The whole text: header line and data rows.</param>
    /// <param name="sourceName">Names the data in messages and becomes <see cref="DataTable.Source"/>.</param>
    /// <param name="delimiter">The field delimiter, or null to choose as <see cref="Read"/> does.</param>
    public static DataTable Parse(string text, string sourceName = "data", char? delimiter = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(text.AsMemory(), sourceName, delimiter);
    }

    /// <summary>Parses delimited text held in memory.</summary>
    /// <param name="text">The whole text: header line and data rows.</param>
    /// <param name="sourceName">Names the data in messages and becomes <see cref="DataTable.Source"/>.</param>
    /// <param name="delimiter">The field delimiter, or null to choose as <see cref="Read"/> does.</param>
    public static DataTable Parse(ReadOnlyMemory<char> text, string sourceName, char? delimiter = null) =>
        Parse(text, sourceName, delimiter,
            Environment.ProcessorCount > 1 ? DefaultParallelThreshold : int.MaxValue, DefaultChunkSize);

    /// <summary><see cref="Parse(ReadOnlyMemory{char}, string, char?)"/> with explicit chunking (for tests): data
    /// regions of at least <paramref name="parallelThreshold"/> characters without quotes are split into chunks of
    /// about <paramref name="chunkSize"/> characters.</summary>
    internal static DataTable Parse(ReadOnlyMemory<char> text, string sourceName, char? delimiter,
        int parallelThreshold, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (delimiter is '"' or '\n' or '\r')
            throw new ArgumentException($"'{delimiter}' cannot be a delimiter", nameof(delimiter));
        if (!text.IsEmpty && text.Span[0] == '\uFEFF') text = text[1..];

        // Header.
        var tokenizer = new CsvTokenizer(text.Span, 1, ',', sourceName);
        if (!tokenizer.SkipBlankLines())
            throw new InputException($"{sourceName}: the file is empty (expected a header line and data rows)");
        int headerLine = tokenizer.Line;
        int headerStart = tokenizer.Position;
        char delim = delimiter ?? ChooseDelimiter(text.Span[headerStart..], sourceName);
        tokenizer = new CsvTokenizer(text.Span[headerStart..], headerLine, delim, sourceName);
        var names = new List<string>();
        var headerSink = new CsvHeaderSink(names);
        tokenizer.ReadRecord(ref headerSink, int.MaxValue);
        CheckNames(names, sourceName, headerLine);
        int dataStart = headerStart + tokenizer.Position;
        int dataLine = tokenizer.Line;
        if (!tokenizer.SkipBlankLines())
            throw new InputException(
                $"{sourceName}: no data rows (line {headerLine} is the header and nothing follows it)");

        // Data rows, in chunks: one chunk unless the data are large and contain no quote (then every newline ends a
        // record, so the data can be split at newlines).
        var data = text[dataStart..];
        var ncol = names.Count;
        var chunks = SplitIntoChunks(data.Span, dataLine, ncol, parallelThreshold, chunkSize);
        if (chunks.Count == 1)
        {
            ParseChunk(data.Span, chunks[0], delim, sourceName, ncol);
        }
        else
        {
            var errors = new Exception?[chunks.Count];
            Parallel.For(0, chunks.Count, k =>
            {
                try { ParseChunk(data.Span, chunks[k], delim, sourceName, ncol); }
                catch (Exception e) { errors[k] = e; }
            });
            // The first chunk's error is the first error in the file.
            foreach (var e in errors)
                if (e is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        }

        // Decide each column's type; categorical columns get labels for rows that were read as numbers.
        var categorical = new bool[ncol];
        for (int j = 0; j < ncol; j++)
            categorical[j] = chunks.Any(c => !c.Columns[j].IsNumeric);
        if (categorical.Any(c => c))
        {
            if (chunks.Count == 1) Backfill(data.Span, chunks[0], categorical, delim, sourceName);
            else Parallel.ForEach(chunks, c => Backfill(data.Span, c, categorical, delim, sourceName));
        }

        int rowCount = chunks.Sum(c => c.RowCount);
        var columns = new DataColumn[ncol];
        for (int j = 0; j < ncol; j++)
            columns[j] = categorical[j]
                ? MergeCategorical(names[j], chunks, j, rowCount)
                : MergeNumeric(names[j], chunks, j, rowCount);
        return new DataTable(columns, sourceName);
    }

    /// <summary>Whether a cell is missing: empty (quoted or not) or an unquoted <c>NA</c>.</summary>
    internal static bool IsMissing(ReadOnlySpan<char> text, bool quoted) =>
        text.Length == 0 || (!quoted && text.Length == 2 && text[0] == 'N' && text[1] == 'A');

    /// <summary>The delimiter for a source: from the extension, unless the header line clearly disagrees (it has only
    /// the other delimiter); for unknown extensions the more frequent of comma and tab in the header line.</summary>
    internal static char ChooseDelimiter(ReadOnlySpan<char> fromHeader, string sourceName)
    {
        // Count commas and tabs outside quotes, up to the end of the header record.
        int commas = 0, tabs = 0;
        bool inQuotes = false;
        foreach (char c in fromHeader)
        {
            if (c == '"') inQuotes = !inQuotes;
            else if (inQuotes) continue;
            else if (c == '\n') break;
            else if (c == ',') commas++;
            else if (c == '\t') tabs++;
        }

        var name = sourceName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? sourceName[..^3] : sourceName;
        var extension = Path.GetExtension(name).ToLowerInvariant();
        char? byExtension = extension switch
        {
            ".tsv" or ".tab" => '\t',
            ".csv" => ',',
            _ => null,
        };
        if (commas > 0 && tabs == 0) return ',';
        if (tabs > 0 && commas == 0) return '\t';
        if (byExtension is char fromExtension) return fromExtension;
        return tabs > commas ? '\t' : ',';
    }

    private static void CheckNames(List<string> names, string source, int line)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < names.Count; j++)
        {
            if (names[j].Length == 0)
                throw new InputException(names.Count == 1
                    ? $"{source} line {line}: the header line has no column name"
                    : $"{source} line {line}: column {j + 1} of the header has an empty name");
            if (!seen.TryAdd(names[j], j))
                throw new InputException(
                    $"{source} line {line}: duplicate column name '{names[j]}' (columns {seen[names[j]] + 1} and {j + 1})");
        }
    }

    private static List<CsvChunk> SplitIntoChunks(ReadOnlySpan<char> data, int firstLine, int ncol,
        int parallelThreshold, int chunkSize)
    {
        var chunks = new List<CsvChunk>();
        bool split = data.Length >= parallelThreshold && data.Length > 1 && !data.Contains('"');
        if (!split)
        {
            chunks.Add(new CsvChunk(0, data.Length, firstLine, new CsvColumnChunk[ncol]));
            return chunks;
        }

        // Several chunks per core so that uneven chunks still balance; at least two.
        int count = (int)Math.Clamp(data.Length / Math.Max(1, chunkSize), 2, Math.Max(2, 4L * Environment.ProcessorCount));
        long step = data.Length / count;
        int start = 0;
        int line = firstLine;
        for (int k = 1; k <= count && start < data.Length; k++)
        {
            int end;
            if (k == count)
            {
                end = data.Length;
            }
            else
            {
                int target = (int)Math.Max(start, k * step);
                int newline = data[target..].IndexOf('\n');
                end = newline < 0 ? data.Length : target + newline + 1;
            }
            chunks.Add(new CsvChunk(start, end - start, line, new CsvColumnChunk[ncol]));
            line += data[start..end].Count('\n');
            start = end;
        }
        return chunks;
    }

    private static void ParseChunk(ReadOnlySpan<char> data, CsvChunk chunk, char delim, string source, int ncol)
    {
        var span = data.Slice(chunk.Offset, chunk.Length);
        // Every record ends at a newline or at the end, so this bounds the number of rows.
        int capacity = span.Count('\n') + (span.Length != 0 && span[^1] != '\n' ? 1 : 0);
        var columns = chunk.Columns;
        for (int j = 0; j < ncol; j++) columns[j] = new CsvColumnChunk(capacity);

        var sink = new CsvParseSink(columns);
        var tokenizer = new CsvTokenizer(span, chunk.FirstLine, delim, source);
        while (tokenizer.SkipBlankLines())
        {
            int line = tokenizer.Line;
            int fields = tokenizer.ReadRecord(ref sink, ncol);
            if (fields != ncol) throw Ragged(source, line, fields, ncol);
            sink.Row++;
        }
        chunk.RowCount = sink.Row;
    }

    private static InputException Ragged(string source, int line, int fields, int expected) =>
        new($"{source} line {line}: {fields} field{(fields == 1 ? "" : "s")}, expected {expected} " +
            $"(header has {expected} column{(expected == 1 ? "" : "s")})");

    private static void Backfill(ReadOnlySpan<char> data, CsvChunk chunk, bool[] categorical, char delim, string source)
    {
        var columns = chunk.Columns;
        var limits = new int[columns.Length];
        int maxLimit = 0;
        for (int j = 0; j < columns.Length; j++)
        {
            if (!categorical[j]) continue;
            var column = columns[j];
            if (column.IsNumeric)
            {
                limits[j] = chunk.RowCount;
                column.SwitchToLabelsFromStart();
            }
            else
            {
                limits[j] = column.FlipRow;
            }
            maxLimit = Math.Max(maxLimit, limits[j]);
        }
        if (maxLimit == 0) return;

        var sink = new CsvBackfillSink(columns, limits);
        var tokenizer = new CsvTokenizer(data.Slice(chunk.Offset, chunk.Length), chunk.FirstLine, delim, source);
        while (sink.Row < maxLimit && tokenizer.SkipBlankLines())
        {
            tokenizer.ReadRecord(ref sink, columns.Length);
            sink.Row++;
        }
    }

    private static NumericColumn MergeNumeric(string name, List<CsvChunk> chunks, int j, int rowCount)
    {
        if (chunks.Count == 1)
        {
            var only = chunks[0].Columns[j];
            var values = only.Values!;
            var missing = only.Missing;
            if (values.Length != rowCount) Array.Resize(ref values, rowCount);
            if (missing is not null && missing.Length != rowCount) Array.Resize(ref missing, rowCount);
            return new NumericColumn(name, values, missing);
        }

        var allValues = new double[rowCount];
        bool[]? allMissing = null;
        int offset = 0;
        foreach (var chunk in chunks)
        {
            var column = chunk.Columns[j];
            column.Values.AsSpan(0, chunk.RowCount).CopyTo(allValues.AsSpan(offset));
            if (column.Missing is not null)
                column.Missing.AsSpan(0, chunk.RowCount).CopyTo((allMissing ??= new bool[rowCount]).AsSpan(offset));
            offset += chunk.RowCount;
        }
        return new NumericColumn(name, allValues, allMissing);
    }

    private static CategoricalColumn MergeCategorical(string name, List<CsvChunk> chunks, int j, int rowCount)
    {
        // Provisional global codes in first-seen order, then sorted levels.
        var global = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new List<string>();
        var remaps = new int[chunks.Count][];
        for (int k = 0; k < chunks.Count; k++)
        {
            var local = chunks[k].Columns[j].Labels!.Labels;
            var remap = remaps[k] = new int[local.Count];
            for (int c = 0; c < local.Count; c++)
            {
                if (!global.TryGetValue(local[c], out int g))
                {
                    g = labels.Count;
                    global.Add(local[c], g);
                    labels.Add(local[c]);
                }
                remap[c] = g;
            }
        }
        var rank = LevelOrdering.Sort(labels, out var levels);

        int[] codes = chunks.Count == 1 && chunks[0].Columns[j].Codes!.Length == rowCount
            ? chunks[0].Columns[j].Codes!
            : new int[rowCount];
        int offset = 0;
        for (int k = 0; k < chunks.Count; k++)
        {
            var local = chunks[k].Columns[j].Codes!;
            var remap = remaps[k];
            for (int r = 0; r < chunks[k].RowCount; r++)
            {
                int code = local[r];
                codes[offset + r] = code < 0 ? -1 : rank[remap[code]];
            }
            offset += chunks[k].RowCount;
        }
        return new CategoricalColumn(name, codes, levels);
    }

    private static (char[] Buffer, int Length) ReadAll(TextReader reader, long sizeHint, string source)
    {
        var buffer = new char[(int)Math.Clamp(sizeHint + 1, 1024, Array.MaxLength)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length == Array.MaxLength)
                    throw new InputException($"cannot read '{source}': the data are too large");
                Array.Resize(ref buffer, (int)Math.Min(Array.MaxLength, 2L * buffer.Length));
            }
            int read = reader.ReadBlock(buffer, length, buffer.Length - length);
            if (read == 0) return (buffer, length);
            length += read;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
