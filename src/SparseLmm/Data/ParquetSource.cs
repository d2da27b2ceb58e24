using System.Globalization;
using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace SparseLmm.Data;

/// <summary>A Parquet file, read a row group at a time with Parquet.Net (fully managed).
/// <para>Types as a user expects them: every integer and floating-point type (and decimals) is numeric; strings,
/// byte arrays and dictionary-encoded columns are text (categorical, levels sorted as the CSV reader sorts them);
/// booleans are text with levels FALSE and TRUE, as R's factor of a logical; dates and times are text in ISO 8601, as
/// they would be read from a CSV file. Nulls are missing cells. Nested columns (lists, maps, structs) have no place in a
/// model frame and are not offered.</para></summary>
internal sealed class ParquetSource : IDataSource, IParallelChunkSource
{
    private static readonly ParquetOptions Options = new() { TreatByteArrayAsString = true };
    private readonly Func<Stream> open;
    private readonly Stream stream;
    private readonly ParquetReader reader;
    private readonly Dictionary<string, DataField> fields;

    private ParquetSource(Func<Stream> open, Stream stream, ParquetReader reader, string source)
    {
        this.open = open;
        this.stream = stream;
        this.reader = reader;
        Source = source;
        var flat = reader.Schema.Fields.OfType<DataField>().Where(f => !f.IsArray).ToList();
        fields = new Dictionary<string, DataField>(StringComparer.Ordinal);
        foreach (var field in flat)
            if (!fields.TryAdd(field.Name, field))
                throw new InputException($"{source}: duplicate column name '{field.Name}'");
        ColumnNames = flat.Select(f => f.Name).ToList();
        RowCount = reader.RowGroups.Sum(g => g.RowCount);
    }

    /// <summary>Opens the file <paramref name="open"/> gives (a seekable stream, opened again by each decoder of a
    /// parallel pass; the first is disposed with the source).</summary>
    public static ParquetSource Open(Func<Stream> open, string source)
    {
        var stream = open();
        try
        {
            return new ParquetSource(open, stream, OpenReader(stream), source);
        }
        catch (Exception e) when (e is not InputException)
        {
            stream.Dispose();
            throw Unreadable(source, e);
        }
    }

    private static ParquetReader OpenReader(Stream stream) =>
        ParquetReader.CreateAsync(stream, Options, leaveStreamOpen: true).GetAwaiter().GetResult();

    public string Source { get; }

    public IReadOnlyList<string> ColumnNames { get; }

    public long? RowCount { get; }

    bool IDataSource.IsCompleteNumber(string column)
    {
        if (!fields.TryGetValue(column, out var field) || !IsNumber(field.ClrType)) return false;
        if (!field.IsNullable) return true;
        try
        {
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                using var rowGroup = reader.OpenRowGroupReader(group);
                if (rowGroup.GetStatistics(field) is not { NullCount: 0 }) return false;
            }
            return true;
        }
        catch (Exception e) when (e is not InputException)
        {
            throw Unreadable(Source, e);
        }
    }

    private static bool IsNumber(Type type) =>
        type == typeof(double) || type == typeof(float) || type == typeof(int) || type == typeof(long) || type == typeof(short)
        || type == typeof(sbyte) || type == typeof(byte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong)
        || type == typeof(decimal) || type == typeof(Half);

    IEnumerable<IReadOnlyList<ColumnChunk>> IDataSource.Chunks(IReadOnlyList<string> columns)
    {
        var selected = columns.Select(name => fields[name]).ToArray();
        for (int group = 0; group < reader.RowGroupCount; group++) yield return ReadGroup(reader, group, selected);
    }

    /// <summary>The row groups in order, decoded <paramref name="decoders"/> at a time, each decoder with its own stream
    /// and reader (a Parquet reader is not safe to share between threads): decoding is most of a streamed pass, and
    /// one core decoding while another sums left the pass at the decoder's speed. At most one group per decoder is held
    /// ahead of the caller.</summary>
    IEnumerable<IReadOnlyList<ColumnChunk>> IParallelChunkSource.Chunks(IReadOnlyList<string> columns, int decoders)
    {
        var selected = columns.Select(name => fields[name]).ToArray();
        int groups = reader.RowGroupCount, count = Math.Min(decoders, groups);
        if (count < 2)
        {
            for (int group = 0; group < groups; group++) yield return ReadGroup(reader, group, selected);
            yield break;
        }
        var streams = new List<Stream>();
        var readers = new List<ParquetReader>();
        var pending = new Queue<Task<ColumnChunk[]>>();
        try
        {
            for (int d = 0; d < count; d++)
            {
                streams.Add(open());
                readers.Add(OpenReader(streams[d]));
            }
            // Decoder d takes groups d, d + count, …, each after its previous one (the chain keeps its reader to itself).
            var last = new Task[count];
            for (int d = 0; d < count; d++) last[d] = Task.CompletedTask;
            Task<ColumnChunk[]> Schedule(int group)
            {
                int d = group % count;
                var groupReader = readers[d];
                var next = last[d].ContinueWith(_ => ReadGroup(groupReader, group, selected), CancellationToken.None,
                    TaskContinuationOptions.None, TaskScheduler.Default);
                last[d] = next;
                return next;
            }
            int scheduled = 0;
            for (; scheduled < count; scheduled++) pending.Enqueue(Schedule(scheduled));
            while (pending.Count > 0)
            {
                var chunk = pending.Dequeue().GetAwaiter().GetResult();
                if (scheduled < groups) pending.Enqueue(Schedule(scheduled++));
                yield return chunk;
            }
        }
        finally
        {
            // A caller that stops early (or a failed group) must not dispose a reader under a running decoder.
            foreach (var task in pending)
            {
                try
                {
                    task.Wait();
                }
                catch (AggregateException)
                {
                    // Surfaced already, or irrelevant once the caller stopped reading.
                }
            }
            foreach (var groupReader in readers) groupReader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            foreach (var opened in streams) opened.Dispose();
        }
    }

    private ColumnChunk[] ReadGroup(ParquetReader from, int group, DataField[] selected)
    {
        try
        {
            using var rowGroup = from.OpenRowGroupReader(group);
            int rows = checked((int)rowGroup.RowCount);
            var chunk = new ColumnChunk[selected.Length];
            for (int j = 0; j < selected.Length; j++) chunk[j] = ReadColumn(rowGroup, selected[j], rows);
            return chunk;
        }
        catch (Exception e) when (e is not InputException)
        {
            throw Unreadable(Source, e);
        }
    }

    private ColumnChunk ReadColumn(ParquetRowGroupReader rowGroup, DataField field, int rows)
    {
        var type = field.ClrType;
        if (type == typeof(double)) return Numbers<double>(rowGroup, field, rows);
        if (type == typeof(float)) return Numbers<float>(rowGroup, field, rows);
        if (type == typeof(int)) return Numbers<int>(rowGroup, field, rows);
        if (type == typeof(long)) return Numbers<long>(rowGroup, field, rows);
        if (type == typeof(short)) return Numbers<short>(rowGroup, field, rows);
        if (type == typeof(sbyte)) return Numbers<sbyte>(rowGroup, field, rows);
        if (type == typeof(byte)) return Numbers<byte>(rowGroup, field, rows);
        if (type == typeof(ushort)) return Numbers<ushort>(rowGroup, field, rows);
        if (type == typeof(uint)) return Numbers<uint>(rowGroup, field, rows);
        if (type == typeof(ulong)) return Numbers<ulong>(rowGroup, field, rows);
        if (type == typeof(decimal)) return Numbers<decimal>(rowGroup, field, rows);
        if (type == typeof(Half)) return Numbers<Half>(rowGroup, field, rows);
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var labels = new string[rows];
            rowGroup.ReadAsync(field, labels.AsMemory()).GetAwaiter().GetResult();
            return LabelChunk.FromLabels(field.Name, labels!);
        }
        if (type == typeof(bool)) return Labels<bool>(rowGroup, field, rows, b => b ? "TRUE" : "FALSE");
        if (type == typeof(DateTime)) return Labels<DateTime>(rowGroup, field, rows, FormatDateTime);
        if (type == typeof(DateOnly)) return Labels<DateOnly>(rowGroup, field, rows, d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (type == typeof(TimeOnly)) return Labels<TimeOnly>(rowGroup, field, rows, t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
        if (type == typeof(TimeSpan)) return Labels<TimeSpan>(rowGroup, field, rows, t => t.ToString("c", CultureInfo.InvariantCulture));
        if (type == typeof(Guid)) return Labels<Guid>(rowGroup, field, rows, g => g.ToString());
        throw new InputException($"{Source}: column '{field.Name}' has Parquet type {type.Name}, which cannot be read into a model frame");
    }

    internal static string FormatDateTime(DateTime value) =>
        value.TimeOfDay == TimeSpan.Zero
            ? value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static NumberChunk Numbers<T>(ParquetRowGroupReader rowGroup, DataField field, int rows) where T : struct, INumberBase<T>
    {
        var values = new double[rows];
        if (!field.IsNullable)
        {
            var raw = new T[rows];
            rowGroup.ReadAsync(field, raw.AsMemory()).GetAwaiter().GetResult();
            for (int i = 0; i < rows; i++) values[i] = double.CreateChecked(raw[i]);
            return new NumberChunk(field.Name, values, null);
        }
        var nullable = new T?[rows];
        rowGroup.ReadAsync(field, nullable.AsMemory()).GetAwaiter().GetResult();
        bool[]? missing = null;
        for (int i = 0; i < rows; i++)
        {
            if (nullable[i] is { } value) values[i] = double.CreateChecked(value);
            else
            {
                values[i] = double.NaN;
                (missing ??= new bool[rows])[i] = true;
            }
        }
        return new NumberChunk(field.Name, values, missing);
    }

    private static LabelChunk Labels<T>(ParquetRowGroupReader rowGroup, DataField field, int rows, Func<T, string> format) where T : struct
    {
        var labels = new string?[rows];
        if (!field.IsNullable)
        {
            var raw = new T[rows];
            rowGroup.ReadAsync(field, raw.AsMemory()).GetAwaiter().GetResult();
            for (int i = 0; i < rows; i++) labels[i] = format(raw[i]);
        }
        else
        {
            var nullable = new T?[rows];
            rowGroup.ReadAsync(field, nullable.AsMemory()).GetAwaiter().GetResult();
            for (int i = 0; i < rows; i++) labels[i] = nullable[i] is { } value ? format(value) : null;
        }
        return LabelChunk.FromLabels(field.Name, labels);
    }

    private static InputException Unreadable(string source, Exception e) =>
        new($"cannot read '{source}' as Parquet: {e.Message.Split('\n')[0].Trim()}");

    public void Dispose()
    {
        reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        stream.Dispose();
    }
}
