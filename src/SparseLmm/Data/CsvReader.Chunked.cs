namespace SparseLmm.Data;

public static partial class CsvReader
{
    /// <summary>A CSV/TSV file (optionally gzip-compressed) as a chunked source, for passes that never hold the table.</summary>
    internal static IDataSource OpenChunked(string path) => new CsvChunkedSource(path);

    /// <summary>Chunks of a delimited text file, a few megabytes each, parsed as <see cref="ReadFile(string)"/> parses
    /// them. A column is numeric in a chunk while its cells are numbers; once a chunk shows text in it, later chunks
    /// read it as labels from their first row, and a pass that had already handed out numbers for it stops with
    /// <see cref="Streaming.ColumnTurnedTextException"/> so that the caller can start again.</summary>
    private sealed class CsvChunkedSource : IDataSource
    {
        private readonly string path;
        private readonly bool gzip;
        private readonly char delimiter;
        private bool[] text;

        public CsvChunkedSource(string path)
        {
            if (Directory.Exists(path)) throw new InputException($"cannot read '{path}': it is a directory");
            if (!File.Exists(path)) throw new InputException($"cannot read '{path}': no such file");
            this.path = path;
            gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
            using var window = Open();
            var header = ReadHeader(window, path, null, DefaultChunkSize, MaxRecordLength);
            ColumnNames = header.Names;
            delimiter = header.Delimiter;
            text = new bool[header.Names.Count];
        }

        public string Source => path;

        public IReadOnlyList<string> ColumnNames { get; }

        public long? RowCount => null;

        private CsvTextWindow Open()
        {
            var stream = OpenStream(path);
            long expected = -1;
            if (gzip)
            {
                expected = GzipIntegrity.ExpectedLength(stream, path);
                stream.Seek(0, SeekOrigin.Begin);
            }
            return OpenText(stream, path, gzip, expected);
        }

        IEnumerable<IReadOnlyList<ColumnChunk>> IDataSource.Chunks(IReadOnlyList<string> columns)
        {
            var selected = columns.Select(name => ColumnNames.ToList().IndexOf(name)).ToArray();
            var handedAsNumbers = new bool[ColumnNames.Count];
            using var window = Open();
            var header = ReadHeader(window, path, delimiter, DefaultChunkSize, MaxRecordLength);
            var pool = new CsvBufferPool();
            foreach (var raw in CsvReader.Chunks(window, header, DefaultChunkSize, pool, path, MaxRecordLength))
            {
                var chunk = ParseChunk(raw, delimiter, path, text);
                var result = new ColumnChunk[selected.Length];
                try
                {
                    for (int j = 0; j < selected.Length; j++)
                    {
                        int c = selected[j];
                        var part = chunk.Columns[c];
                        int rows = chunk.RowCount;
                        if (part.IsNumeric && !text[c])
                        {
                            handedAsNumbers[c] = true;
                            result[j] = new NumberChunk(ColumnNames[c], part.Values.AsSpan(0, rows).ToArray(),
                                part.Missing is null ? null : part.Missing.AsSpan(0, rows).ToArray());
                            continue;
                        }
                        if (!text[c])
                        {
                            text[c] = true;
                            if (handedAsNumbers[c]) throw new Streaming.ColumnTurnedTextException(ColumnNames[c]);
                        }
                        result[j] = new LabelChunk(ColumnNames[c], part.Codes.AsSpan(0, rows).ToArray(), part.Labels!.Labels.ToArray());
                    }
                }
                finally
                {
                    chunk.Release();
                }
                yield return result;
            }
        }

        public void Dispose()
        {
        }
    }
}
