using System.Buffers;
using System.IO.Compression;
using System.Text;
using SparseLmm.Numerics;

namespace SparseLmm.Data;

/// <summary>Reads delimited text (CSV or TSV) into a <see cref="DataTable"/>.</summary>
/// <remarks>
/// <para>Format: a header row of column names, then one record per row. Fields are separated by ',' (CSV) or tab
/// (TSV); RFC 4180 quoting (quoted fields may contain delimiters, newlines and doubled quotes); LF or CRLF line ends;
/// an optional trailing newline; an optional UTF-8 byte order mark. Empty lines are skipped.</para>
/// <para>Types: a column is numeric when every non-missing cell parses as a number (invariant culture; <c>Inf</c>,
/// <c>-Inf</c> and <c>NaN</c> are numbers), else categorical. A cell is missing when it is empty or white space
/// (quoted or not) or an unquoted <c>NA</c>.</para>
/// <para>Bytes are decoded as UTF-8 (or UTF-16 after a byte order mark); text that is not valid UTF-8 is refused with
/// its line rather than read with replacement characters, which would merge distinct labels.</para>
/// <para>Problems with the input throw <see cref="InputException"/> with a one-line message naming the source and
/// the 1-based physical line.</para>
/// </remarks>
public static partial class CsvReader
{
    /// <summary>Text in memory at least this long (in characters) is parsed in parallel chunks.</summary>
    internal const int DefaultParallelThreshold = 4 << 20;

    /// <summary>Target size of a chunk, in characters: files are read and parsed this much at a time.</summary>
    internal const int DefaultChunkSize = 2 << 20;

    /// <summary>Reads a CSV or TSV file. The delimiter is chosen from the extension (.tsv/.tab: tab, .csv: comma)
    /// unless the header line clearly says otherwise; for other extensions it is sniffed from the header line.
    /// A file ending in .gz is decompressed.</summary>
    /// <remarks>The file is read a few megabytes at a time and parsed in parallel chunks straight into the table's
    /// columns; its text is never held whole.</remarks>
    /// <param name="path">The file to read; also used as the table's source name in messages.</param>
    public static DataTable ReadFile(string path) => ReadFile(path, new ThreadBudget());

    /// <summary><see cref="ReadFile(string)"/> on at most <paramref name="budget"/>'s threads, the caller's included.</summary>
    internal static DataTable ReadFile(string path, ThreadBudget budget)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new InputException($"cannot read '{path}': it is a directory");
        if (!File.Exists(path))
            throw new InputException($"cannot read '{path}': no such file");

        return ReadFile(path, DefaultChunkSize, budget: budget);
    }

    /// <summary><see cref="ReadFile(string)"/> with an explicit chunk size in characters (for tests).</summary>
    /// <remarks>The file is opened once. A regular file is scanned for its line count and then read from the start
    /// (reopened only for the rare second pass); a pipe, FIFO or terminal (<c>/dev/stdin</c>, <c>&lt;(...)</c>) cannot
    /// be rewound, so its bytes are read once into memory and parsed from there.</remarks>
    internal static DataTable ReadFile(string path, int chunkSize, int maxRecordLength = MaxRecordLength,
        ThreadBudget? budget = null)
    {
        budget ??= new ThreadBudget();
        var stream = OpenStream(path);
        if (!stream.CanSeek)
        {
            using (stream) return ReadBytes(ReadAllBytes(stream, path), path, chunkSize, maxRecordLength, budget);
        }
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        int? rowBound;
        long expectedLength = -1;
        try
        {
            rowBound = gzip ? null : CountLines(stream, path) - 1;
            if (gzip) expectedLength = GzipIntegrity.ExpectedLength(stream, path);
            stream.Seek(0, SeekOrigin.Begin);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        bool first = true;
        return Parse(() =>
        {
            var s = first ? stream : OpenStream(path);
            first = false;
            return OpenText(s, path, gzip, expectedLength);
        }, path, null, rowBound, 0, chunkSize, maxRecordLength, budget);
    }

    /// <summary>Reads delimited text (optionally gzip-compressed, detected from its first bytes) from a stream,
    /// once: for standard input (<c>-</c> on the command line) and other streams that cannot be rewound.</summary>
    /// <param name="stream">The bytes; read to the end, not disposed.</param>
    /// <param name="sourceName">Names the data in messages and becomes <see cref="DataTable.Source"/>.</param>
    public static DataTable ReadStream(Stream stream, string sourceName) => ReadStream(stream, sourceName, new ThreadBudget());

    /// <summary><see cref="ReadStream(Stream, string)"/> on at most <paramref name="budget"/>'s threads.</summary>
    internal static DataTable ReadStream(Stream stream, string sourceName, ThreadBudget budget)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadBytes(ReadAllBytes(stream, sourceName), sourceName, DefaultChunkSize, MaxRecordLength, budget);
    }

    private static DataTable ReadBytes(byte[] bytes, string source, int chunkSize, int maxRecordLength, ThreadBudget budget)
    {
        bool gzip = bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
        long expectedLength = -1;
        int? rowBound = null;
        if (gzip)
            expectedLength = GzipIntegrity.ExpectedLength(new MemoryStream(bytes, writable: false), source);
        else
            rowBound = (int)Math.Min(Array.MaxLength, bytes.AsSpan().Count((byte)'\n') + 1L) - 1;
        return Parse(() => OpenText(new MemoryStream(bytes, writable: false), source, gzip, expectedLength),
            source, null, rowBound, 0, chunkSize, maxRecordLength, budget);
    }

    private static byte[] ReadAllBytes(Stream stream, string source)
    {
        var buffer = new MemoryStream();
        var block = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int read;
            while ((read = stream.Read(block, 0, block.Length)) > 0)
            {
                if (buffer.Length + read > Array.MaxLength)
                    throw new InputException($"cannot read '{source}': more than {Array.MaxLength:N0} bytes from a pipe; save the data to a file and read that");
                buffer.Write(block, 0, read);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{source}': {OneLine(e.Message)}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
        return buffer.Length == buffer.GetBuffer().Length ? buffer.GetBuffer() : buffer.ToArray();
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
        Parse(text, sourceName, delimiter, DefaultParallelThreshold, DefaultChunkSize);

    /// <summary><see cref="Parse(ReadOnlyMemory{char}, string, char?)"/> with explicit chunking (for tests): data
    /// regions of at least <paramref name="parallelThreshold"/> characters are split into chunks of about
    /// <paramref name="chunkSize"/> characters (cut where records end, quoted or not).</summary>
    internal static DataTable Parse(ReadOnlyMemory<char> text, string sourceName, char? delimiter,
        int parallelThreshold, int chunkSize, int maxRecordLength = MaxRecordLength, ThreadBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var span = text.Span;
        int lines = span.Count('\n') + (span.Length != 0 && span[^1] != '\n' ? 1 : 0);
        return Parse(() => new CsvTextWindow(text), sourceName, delimiter, Math.Max(0, lines - 1),
            parallelThreshold, chunkSize, maxRecordLength, budget ?? new ThreadBudget());
    }

    /// <summary>The reader: header, then data rows in chunks of about <paramref name="chunkSize"/> characters, parsed
    /// in parallel (unless the text is in memory and shorter than <paramref name="parallelThreshold"/>) and appended
    /// to the columns in file order.</summary>
    /// <param name="open">Opens the text; called again for a second pass in the rare case that a column turns out
    /// categorical after rows of it were stored as numbers and their text released.</param>
    /// <param name="sourceName">Names the data in messages.</param>
    /// <param name="delimiter">The delimiter, or null to choose it.</param>
    /// <param name="rowBound">An upper bound on the number of data rows, when known: the columns' size.</param>
    /// <param name="parallelThreshold">In-memory text shorter than this is parsed as one chunk.</param>
    /// <param name="chunkSize">Target chunk length in characters.</param>
    /// <param name="maxRecordLength">The longest record read, in characters.</param>
    /// <param name="budget">The threads to read on, the caller's included (<see cref="ParseWorkers"/>).</param>
    private static DataTable Parse(Func<CsvTextWindow> open, string sourceName, char? delimiter, int? rowBound,
        int parallelThreshold, int chunkSize, int maxRecordLength, ThreadBudget budget)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (delimiter is '"' or '\n' or '\r')
            throw new ArgumentException($"'{delimiter}' cannot be a delimiter", nameof(delimiter));

        using var window = open();
        var header = ReadHeader(window, sourceName, delimiter, chunkSize, maxRecordLength);
        var names = header.Names;
        int ncol = names.Count;
        var columns = new CsvColumnBuilder[ncol];
        for (int j = 0; j < ncol; j++) columns[j] = new CsvColumnBuilder(names[j]);

        bool oneChunk = window.InMemory && window.Available.Length < parallelThreshold;
        int workers = ParseWorkers(budget, oneChunk);
        bool parallel = workers > 0;
        int targetChunk = oneChunk ? int.MaxValue : Math.Max(1, chunkSize);
        // Columns known to be categorical: chunks parsed from then on read them as labels from their first row.
        var knownCategorical = new bool[ncol];
        int maxInFlight = 2 * workers + 2;
        // The parsing tasks run on at most `workers` threads at once, whatever the thread pool holds.
        var scheduler = parallel ? new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, workers).ConcurrentScheduler : null;
        var inFlight = new Queue<Task<CsvChunk>>();
        var pool = new CsvBufferPool();
        int rowCount = 0;

        void Commit(CsvChunk chunk)
        {
            int rows = chunk.RowCount;
            if (rows > 0)
            {
                // Chunks that read a column as numbers while other chunks found text: their labels, from their text.
                bool[]? needLabels = null;
                for (int j = 0; j < ncol; j++)
                    if (columns[j].IsCategorical && chunk.Columns[j].IsNumeric)
                        (needLabels ??= new bool[ncol])[j] = true;
                if (needLabels is not null) Backfill(chunk, needLabels, header.Delimiter, sourceName);

                if ((long)rowCount + rows > Array.MaxLength)
                    throw new InputException($"{sourceName}: the data are too large (more than {Array.MaxLength:N0} rows)");
                int needed = rowCount + rows;
                int preferred = rowBound is int bound && bound >= needed ? bound : 0;
                for (int j = 0; j < ncol; j++)
                {
                    var column = columns[j];
                    column.EnsureCapacity(needed, rowCount, preferred);
                    var part = chunk.Columns[j];
                    if (part.IsNumeric)
                    {
                        column.AppendNumbers(part, rowCount, rows);
                    }
                    else
                    {
                        column.AppendLabels(part, rowCount, rows);
                        Volatile.Write(ref knownCategorical[j], true);
                    }
                }
                rowCount = needed;
            }
            chunk.Release();
        }

        try
        {
            foreach (var chunk in Chunks(window, header, targetChunk, pool, sourceName, maxRecordLength))
            {
                if (!parallel)
                {
                    Commit(ParseChunk(chunk, header.Delimiter, sourceName, knownCategorical));
                    continue;
                }
                while (inFlight.Count >= maxInFlight) Commit(inFlight.Dequeue().GetAwaiter().GetResult());
                inFlight.Enqueue(Task.Factory.StartNew(() => ParseChunk(chunk, header.Delimiter, sourceName, knownCategorical),
                    CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler!));
            }
            // In file order, so the first error in the file is the one reported.
            while (inFlight.Count > 0) Commit(inFlight.Dequeue().GetAwaiter().GetResult());
        }
        catch
        {
            foreach (var task in inFlight)
                try { task.Wait(); } catch (AggregateException) { }
            throw;
        }

        if (rowCount == 0)
            throw new InputException(
                $"{sourceName}: no data rows (line {header.Line} is the header and nothing follows it)");

        int reread = columns.Max(c => c.RereadRows);
        if (reread > 0) Reread(open, sourceName, delimiter, chunkSize, maxRecordLength, columns, reread);

        var built = new DataColumn[ncol];
        for (int j = 0; j < ncol; j++) built[j] = columns[j].Build(rowCount);
        return new DataTable(built, sourceName);
    }

    /// <summary>The threads that parse chunks beside the caller, which reads the text and fills the columns: one fewer
    /// than the budget, so that the reader runs on the budget's threads; none (everything on the caller's thread) for a
    /// budget of one or text parsed as one chunk.</summary>
    internal static int ParseWorkers(ThreadBudget budget, bool oneChunk) => oneChunk ? 0 : budget.Degree - 1;

    /// <summary>What the header line says.</summary>
    private sealed record CsvHeader(List<string> Names, char Delimiter, int Line, int DataLine);

    /// <summary>Reads the header record, leaving the window at the first data row. Reads on until the header record
    /// (and the header line the delimiter is chosen from) is complete, up to <see cref="MaxHeaderLength"/>
    /// characters. Says what a file is when it is not delimited UTF-8 text with LF or CRLF line ends.</summary>
    private static CsvHeader ReadHeader(CsvTextWindow window, string sourceName, char? delimiter, int chunkSize,
        int maxRecordLength)
    {
        int limit = Math.Min(maxRecordLength, MaxHeaderLength);
        int want = Math.Min(limit, Math.Max(1 << 16, Math.Min(chunkSize, 1 << 20)));
        while (true)
        {
            window.Fill(want);
            var text = window.Available.Span;
            int bom = text.Length != 0 && text[0] == '\uFEFF' ? 1 : 0;
            text = text[bom..];
            CheckLineEnds(text, sourceName);
            var tokenizer = new CsvTokenizer(text, 1, ',', sourceName);
            if (!tokenizer.SkipBlankLines())
            {
                if (!window.AtEnd && text.Length < limit) { want = Grow(want, limit); continue; }
                if (!window.AtEnd) throw HeaderTooLong(sourceName, limit);
                throw new InputException($"{sourceName}: the file is empty (expected a header line and data rows)");
            }
            int headerLine = tokenizer.Line;
            int headerStart = tokenizer.Position;
            var fromHeader = text[headerStart..];
            if (!window.AtEnd && (!HeaderLineEnds(fromHeader) ||
                CsvRecordScanner.LastRecordEnd(fromHeader, delimiter ?? ChooseDelimiter(fromHeader, sourceName)) == 0))
            {
                if (text.Length >= limit) throw HeaderTooLong(sourceName, limit);
                want = Grow(want, limit);
                continue;
            }
            CheckHeaderText(fromHeader, sourceName, headerLine, window.InMemory);
            char delim = delimiter ?? ChooseDelimiter(fromHeader, sourceName);
            tokenizer = new CsvTokenizer(fromHeader, headerLine, delim, sourceName);
            var names = new List<string>();
            var headerSink = new CsvHeaderSink(names);
            tokenizer.ReadRecord(ref headerSink, int.MaxValue);
            if (tokenizer.Position > limit) throw HeaderTooLong(sourceName, limit);
            if (delimiter is null && names.Count == 1 && names[0].Contains(';'))
                throw new InputException(
                    $"{sourceName} line {headerLine}: the header is one column '{Escape(Shorten(names[0]))}': the file looks " +
                    "semicolon-separated (as spreadsheets write it in some locales); save it with commas or tabs between fields " +
                    "and '.' as the decimal point");
            CheckNames(names, sourceName, headerLine);
            window.Consume(bom + headerStart + tokenizer.Position);
            return new CsvHeader(names, delim, headerLine, tokenizer.Line);
        }
    }

    /// <summary>The longest header record read, in characters: a header is names, and a longer one is not a header.</summary>
    internal const int MaxHeaderLength = 1 << 26;

    /// <summary>The longest record read, in characters.</summary>
    internal const int MaxRecordLength = 1 << 30;

    private static int Grow(int want, int limit) => (int)Math.Min(limit, 2L * want);

    private static InputException HeaderTooLong(string source, int limit) =>
        new($"{source} line 1: the header is longer than {limit:N0} characters (is this a delimited text file with a header line?)");

    /// <summary>Refuses text whose first line ends in a lone carriage return (classic Mac OS line ends): read as LF
    /// text it would be one enormous header.</summary>
    private static void CheckLineEnds(ReadOnlySpan<char> text, string source)
    {
        int lf = text.IndexOf('\n');
        var firstLine = lf < 0 ? text : text[..lf];
        int cr = firstLine.IndexOf('\r');
        if (cr >= 0 && cr + 1 < text.Length && text[cr + 1] != '\n')
            throw new InputException(
                $"{source} line 1: lines end with a carriage return only (classic Mac OS line ends); convert them to LF or CRLF, e.g. tr '\\r' '\\n'");
    }

    /// <summary>Refuses a header line with NUL characters (UTF-16 text without a byte order mark, or binary data)
    /// or with bytes that were not UTF-8.</summary>
    private static void CheckHeaderText(ReadOnlySpan<char> fromHeader, string source, int line, bool inMemory)
    {
        int lf = fromHeader.IndexOf('\n');
        var headerLine = lf < 0 ? fromHeader : fromHeader[..lf];
        if (headerLine.Contains('\0'))
            throw new InputException(
                $"{source} line {line}: the header holds NUL characters: the file looks like UTF-16 text without a byte order " +
                "mark (or is not text); save it as UTF-8");
        if (!inMemory && headerLine.Contains(InvalidTextMark)) throw InvalidUtf8(source, line);
    }

    /// <summary>What the decoder puts where bytes are not UTF-8.</summary>
    private const char InvalidTextMark = '\uFFFD';

    private static InputException InvalidUtf8(string source, int line) =>
        new($"{source} line {line}: the text is not valid UTF-8 (bytes that decode to no character; distinct labels " +
            "would merge): the file is probably Latin-1 or Windows-1252, convert it, e.g. iconv -f latin1 -t utf-8");

    /// <summary>Text for a message: control characters written as escapes, so that a message stays one line and
    /// prints nothing invisible.</summary>
    internal static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) sb.Append($"\\u{(int)c:X4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>At most 60 characters of a label for a message.</summary>
    internal static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    /// <summary>Whether <see cref="ChooseDelimiter"/>'s scan of the header line stops at a line end within
    /// <paramref name="fromHeader"/> (so that reading more text cannot change its choice).</summary>
    private static bool HeaderLineEnds(ReadOnlySpan<char> fromHeader)
    {
        bool inQuotes = false;
        foreach (char c in fromHeader)
        {
            if (c == '"') inQuotes = !inQuotes;
            else if (!inQuotes && c == '\n') return true;
        }
        return false;
    }

    /// <summary>Cuts the data rows into chunks of whole records, about <paramref name="target"/> characters each:
    /// slices of the text when it is in memory, else pooled copies.</summary>
    private static IEnumerable<CsvChunk> Chunks(CsvTextWindow window, CsvHeader header, int target, CsvBufferPool pool,
        string source, int maxRecordLength)
    {
        int line = header.DataLine;
        int want = Math.Min(target, maxRecordLength);
        while (true)
        {
            window.Fill(want);
            var available = window.Available;
            if (available.Length == 0) yield break;
            int cut;
            if (window.AtEnd && available.Length <= want)
            {
                cut = available.Length;
            }
            else
            {
                cut = CsvRecordScanner.LastRecordEnd(available.Span[..Math.Min(want, available.Length)], header.Delimiter);
                if (cut == 0)
                {
                    // A record longer than the target: look further, up to the longest record read.
                    if (want >= maxRecordLength)
                        throw new InputException(
                            $"{source} line {line}: a record longer than {maxRecordLength:N0} characters starts here " +
                            "(a quote that is never closed makes the rest of the file one field)");
                    want = (int)Math.Min(maxRecordLength, 2L * want);
                    continue;
                }
            }
            if (!window.InMemory)
            {
                int invalid = available.Span[..cut].IndexOf(InvalidTextMark);
                if (invalid >= 0) throw InvalidUtf8(source, line + available.Span[..invalid].Count('\n'));
            }

            CsvChunk chunk;
            var text = available[..cut];
            if (window.InMemory)
            {
                chunk = new CsvChunk(text, null, line, header.Names.Count, pool);
            }
            else
            {
                var copy = pool.Rent<char>(cut);
                text.Span.CopyTo(copy);
                chunk = new CsvChunk(copy.AsMemory(0, cut), copy, line, header.Names.Count, pool);
            }
            line += text.Span.Count('\n');
            window.Consume(cut);
            want = Math.Min(target, maxRecordLength);
            yield return chunk;
        }
    }

    /// <summary>Parses one chunk into its own column arrays; columns that turned categorical get labels for the rows
    /// read before as numbers.</summary>
    private static CsvChunk ParseChunk(CsvChunk chunk, char delim, string source, bool[] knownCategorical)
    {
        var span = chunk.Text.Span;
        var columns = chunk.Columns;
        int ncol = columns.Length;
        // Every record ends at a newline or at the end, so this bounds the number of rows.
        int capacity = span.Count('\n') + (span.Length != 0 && span[^1] != '\n' ? 1 : 0);
        for (int j = 0; j < ncol; j++)
        {
            columns[j] = new CsvColumnChunk(capacity, chunk.Pool);
            if (Volatile.Read(ref knownCategorical[j])) columns[j].SwitchToLabelsFromStart();
        }

        var sink = new CsvParseSink(columns);
        var tokenizer = new CsvTokenizer(span, chunk.FirstLine, delim, source);
        while (tokenizer.SkipBlankLines())
        {
            int line = tokenizer.Line;
            sink.Line = line;
            int fields = tokenizer.ReadRecord(ref sink, ncol);
            if (fields != ncol) throw Ragged(source, line, fields, ncol);
            sink.Row++;
        }
        chunk.RowCount = sink.Row;

        bool[]? categorical = null;
        for (int j = 0; j < ncol; j++)
            if (columns[j].FlipRow > 0 || (columns[j].IsNumeric && Volatile.Read(ref knownCategorical[j])))
                (categorical ??= new bool[ncol])[j] = true;
        if (categorical is not null) Backfill(chunk, categorical, delim, source);
        return chunk;
    }

    /// <summary>The second pass: labels for the first rows of columns that were stored as numbers before a later
    /// chunk showed them to be categorical.</summary>
    private static void Reread(Func<CsvTextWindow> open, string sourceName, char? delimiter, int chunkSize,
        int maxRecordLength, CsvColumnBuilder[] columns, int rows)
    {
        using var window = open();
        var header = ReadHeader(window, sourceName, delimiter, chunkSize, maxRecordLength);
        var sink = new CsvRereadSink(columns);
        foreach (var chunk in Chunks(window, header, Math.Max(1, chunkSize), new CsvBufferPool(), sourceName, maxRecordLength))
        {
            var tokenizer = new CsvTokenizer(chunk.Text.Span, chunk.FirstLine, header.Delimiter, sourceName);
            while (sink.Row < rows && tokenizer.SkipBlankLines())
            {
                tokenizer.ReadRecord(ref sink, columns.Length);
                sink.Row++;
            }
            chunk.Release();
            if (sink.Row >= rows) return;
        }
    }

    /// <summary>Counts the lines of a file (line feeds, plus one for a last line without one): a bound on its rows
    /// that lets the columns be allocated once at their final size.</summary>
    private static int CountLines(Stream stream, string path)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long count = 0;
            byte last = (byte)'\n';
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                count += buffer.AsSpan(0, read).Count((byte)'\n');
                last = buffer[read - 1];
            }
            if (last != (byte)'\n') count++;
            return (int)Math.Min(count, Array.MaxLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{path}': {OneLine(e.Message)}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static FileStream OpenStream(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
                FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{path}': {OneLine(e.Message)}");
        }
    }

    /// <summary>The text of a byte stream: decompressed when <paramref name="gzip"/> (and checked against the gzip
    /// trailer's length, <paramref name="expectedLength"/>, so that a truncated file is an error), decoded as UTF-8
    /// unless a byte order mark says otherwise. Bytes that are not UTF-8 become U+FFFD, which the reader refuses.</summary>
    private static CsvTextWindow OpenText(Stream stream, string path, bool gzip, long expectedLength)
    {
        Stream input = gzip
            ? new GzipIntegrity.CheckedStream(new GZipStream(stream, CompressionMode.Decompress), expectedLength)
            : stream;
        var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        return new CsvTextWindow(reader, path);
    }

    /// <summary>Whether a cell is missing: empty or only white space (quoted or not, as R reads a blank field), or an
    /// unquoted <c>NA</c>.</summary>
    internal static bool IsMissing(ReadOnlySpan<char> text, bool quoted) =>
        text.Length == 0 || (!quoted && text.Length == 2 && text[0] == 'N' && text[1] == 'A') ||
        (char.IsWhiteSpace(text[0]) && text.IsWhiteSpace());

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

    private static InputException Ragged(string source, int line, int fields, int expected) =>
        new($"{source} line {line}: {fields} field{(fields == 1 ? "" : "s")}, expected {expected} " +
            $"(header has {expected} column{(expected == 1 ? "" : "s")})");

    /// <summary>Labels for the rows of <paramref name="categorical"/> columns that were read as numbers: all rows of a
    /// column still numeric in the chunk, the rows before the switch of one that switched.</summary>
    private static void Backfill(CsvChunk chunk, bool[] categorical, char delim, string source)
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
        var tokenizer = new CsvTokenizer(chunk.Text.Span, chunk.FirstLine, delim, source);
        while (sink.Row < maxLimit && tokenizer.SkipBlankLines())
        {
            tokenizer.ReadRecord(ref sink, columns.Length);
            sink.Row++;
        }
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
