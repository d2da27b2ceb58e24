using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;

namespace SparseLmm.Data;

/// <summary>An Arrow IPC file (the random-access format, also Feather v2) or stream, read a record batch at a time
/// with Apache.Arrow (fully managed, compressed buffers included). Types map as for Parquet
/// (<see cref="ParquetSource"/>): numbers numeric, strings and dictionary-encoded columns text (a dictionary column's
/// codes are taken as they are, without building a string per row), booleans FALSE/TRUE, dates and times ISO 8601
/// text, nulls missing; nested columns are not offered.</summary>
internal sealed class ArrowSource : IDataSource
{
    private static readonly CompressionCodecFactory Codecs = new();
    private readonly Func<Stream> open;
    private readonly bool fileFormat;
    private readonly Dictionary<string, int> fieldIndex;
    private readonly Schema schema;

    private ArrowSource(Func<Stream> open, bool fileFormat, string source)
    {
        this.open = open;
        this.fileFormat = fileFormat;
        Source = source;
        try
        {
            using var reader = Reader(open());
            schema = reader.Schema;
        }
        catch (Exception e) when (e is not InputException)
        {
            throw Unreadable(source, e);
        }
        fieldIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        for (int j = 0; j < schema.FieldsList.Count; j++)
        {
            var field = schema.FieldsList[j];
            if (field.DataType is NestedType && field.DataType is not DictionaryType) continue;
            if (!fieldIndex.TryAdd(field.Name, j)) throw new InputException($"{source}: duplicate column name '{field.Name}'");
            names.Add(field.Name);
        }
        ColumnNames = names;
    }

    /// <summary>A source over the bytes <paramref name="open"/> gives (opened once per pass); <paramref name="fileFormat"/>
    /// for the IPC file format (magic "ARROW1"), else the stream format.</summary>
    public static ArrowSource Open(Func<Stream> open, bool fileFormat, string source) => new(open, fileFormat, source);

    public string Source { get; }

    public IReadOnlyList<string> ColumnNames { get; }

    public long? RowCount => null;

    private ArrowReaderImplementation Reader(Stream stream) => fileFormat
        ? new ArrowReaderImplementation(new ArrowFileReader(stream, Codecs))
        : new ArrowReaderImplementation(new ArrowStreamReader(stream, Codecs));

    /// <summary>The two readers share no interface that reads batches.</summary>
    private sealed class ArrowReaderImplementation(ArrowStreamReader reader) : IDisposable
    {
        public Schema Schema => reader.Schema;

        public RecordBatch? Next() => reader.ReadNextRecordBatch();

        public void Dispose() => reader.Dispose();
    }

    IEnumerable<IReadOnlyList<ColumnChunk>> IDataSource.Chunks(IReadOnlyList<string> columns)
    {
        var selected = columns.Select(name => fieldIndex[name]).ToArray();
        ArrowReaderImplementation reader;
        try
        {
            reader = Reader(open());
        }
        catch (Exception e) when (e is not InputException)
        {
            throw Unreadable(Source, e);
        }
        using (reader)
        {
            while (true)
            {
                ColumnChunk[] chunk;
                try
                {
                    var batch = reader.Next();
                    if (batch is null) yield break;
                    chunk = new ColumnChunk[selected.Length];
                    for (int j = 0; j < selected.Length; j++)
                        chunk[j] = Convert(schema.FieldsList[selected[j]].Name, batch.Column(selected[j]));
                    // A batch's dictionaries belong to the reader and are shared with the batches after it: disposing
                    // one would free them, so a batch with a dictionary column is left to the collector.
                    if (!schema.FieldsList.Any(f => f.DataType is DictionaryType)) batch.Dispose();
                }
                catch (Exception e) when (e is not InputException)
                {
                    throw Unreadable(Source, e);
                }
                yield return chunk;
            }
        }
    }

    private ColumnChunk Convert(string name, IArrowArray array)
    {
        switch (array)
        {
            case DoubleArray a: return Numbers(name, a, a.Values, v => v);
            case FloatArray a: return Numbers(name, a, a.Values, v => v);
            case HalfFloatArray a: return Numbers(name, a, a.Values, v => (double)v);
            case Int8Array a: return Numbers(name, a, a.Values, v => v);
            case Int16Array a: return Numbers(name, a, a.Values, v => v);
            case Int32Array a: return Numbers(name, a, a.Values, v => v);
            case Int64Array a: return Numbers(name, a, a.Values, v => v);
            case UInt8Array a: return Numbers(name, a, a.Values, v => v);
            case UInt16Array a: return Numbers(name, a, a.Values, v => v);
            case UInt32Array a: return Numbers(name, a, a.Values, v => v);
            case UInt64Array a: return Numbers(name, a, a.Values, v => v);
            case Decimal128Array a: return Each(name, a, i => a.GetValue(i) is { } v ? (double)v : null);
            case DictionaryArray a: return Dictionary(name, a);
            case StringArray a: return Texts(name, a, i => a.GetString(i));
            case LargeStringArray a: return Texts(name, a, i => a.GetString(i));
            case StringViewArray a: return Texts(name, a, i => a.GetString(i));
            case BooleanArray a: return Texts(name, a, i => a.GetValue(i) is { } b ? (b ? "TRUE" : "FALSE") : null);
            case Date32Array a: return Texts(name, a, i => a.GetDateTime(i) is { } d ? ParquetSource.FormatDateTime(d) : null);
            case Date64Array a: return Texts(name, a, i => a.GetDateTime(i) is { } d ? ParquetSource.FormatDateTime(d) : null);
            case TimestampArray a: return Texts(name, a, i => a.GetTimestamp(i) is { } t ? ParquetSource.FormatDateTime(t.UtcDateTime) : null);
            default:
                throw new InputException($"{Source}: column '{name}' has Arrow type {array.Data.DataType.Name}, which cannot be read into a model frame");
        }
    }

    private static NumberChunk Numbers<T>(string name, IArrowArray array, ReadOnlySpan<T> values, Func<T, double> convert)
    {
        int n = array.Length;
        var result = new double[n];
        bool[]? missing = null;
        for (int i = 0; i < n; i++)
        {
            if (array.NullCount > 0 && array.IsNull(i))
            {
                result[i] = double.NaN;
                (missing ??= new bool[n])[i] = true;
            }
            else result[i] = convert(values[i]);
        }
        return new NumberChunk(name, result, missing);
    }

    private static NumberChunk Each(string name, IArrowArray array, Func<int, double?> value)
    {
        int n = array.Length;
        var result = new double[n];
        bool[]? missing = null;
        for (int i = 0; i < n; i++)
        {
            if (value(i) is { } v) result[i] = v;
            else
            {
                result[i] = double.NaN;
                (missing ??= new bool[n])[i] = true;
            }
        }
        return new NumberChunk(name, result, missing);
    }

    private static LabelChunk Texts(string name, IArrowArray array, Func<int, string?> label)
    {
        var labels = new string?[array.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = array.IsNull(i) ? null : label(i);
        return LabelChunk.FromLabels(name, labels);
    }

    private LabelChunk Dictionary(string name, DictionaryArray array)
    {
        var dictionary = Convert(name, array.Dictionary) switch
        {
            LabelChunk labels => labels.Codes.Select(code => code < 0 ? null : labels.Dictionary[code]).ToArray(),
            NumberChunk numbers => numbers.Values.Select((v, i) => numbers.Missing?[i] == true ? null : v.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
            _ => throw new InvalidOperationException("unknown chunk kind"),
        };
        // Distinct dictionary entries may carry equal labels (a numeric dictionary's 1 and 1.0): intern them again; a
        // null entry makes its rows missing.
        var interned = LabelChunk.FromLabels(name, dictionary);
        var indices = array.Indices;
        var codes = new int[array.Length];
        for (int i = 0; i < codes.Length; i++)
            codes[i] = indices.IsNull(i) ? -1 : interned.Codes[IndexAt(indices, i)];
        return new LabelChunk(name, codes, interned.Dictionary);
    }

    private static int IndexAt(IArrowArray indices, int i) => indices switch
    {
        Int8Array a => a.Values[i],
        Int16Array a => a.Values[i],
        Int32Array a => a.Values[i],
        Int64Array a => checked((int)a.Values[i]),
        UInt8Array a => a.Values[i],
        UInt16Array a => a.Values[i],
        UInt32Array a => checked((int)a.Values[i]),
        UInt64Array a => checked((int)a.Values[i]),
        _ => throw new InvalidOperationException($"dictionary indices of type {indices.Data.DataType.Name}"),
    };

    private static InputException Unreadable(string source, Exception e) =>
        new($"cannot read '{source}' as Arrow IPC: {e.Message.Split('\n')[0].Trim()}");

    public void Dispose()
    {
    }
}
