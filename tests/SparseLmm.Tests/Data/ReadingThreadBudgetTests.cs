using System.Globalization;
using System.Text;
using SparseLmm.Data;
using SparseLmm.Numerics;

namespace SparseLmm.Tests.Data;

/// <summary>Reading a file into memory keeps to the fit's thread budget (<c>--threads</c>): with one thread a
/// chunked source is read on the caller's thread alone and the CSV reader parses beside no worker; with more, the
/// budget decides the decoders and workers; the table is the same either way.</summary>
public sealed class ReadingThreadBudgetTests
{
    [Fact]
    public void OneThreadReadsEveryChunkOnTheCallersThread()
    {
        var source = new RecordingSource(chunks: 6);
        var table = ChunkedSources.ReadAll(source, new ThreadBudget(1));

        Assert.Equal(6 * RecordingSource.ChunkRows, table.RowCount);
        Assert.Null(source.DecodersAsked);
        Assert.Equal(6, source.ProducingThreads.Count);
        Assert.All(source.ProducingThreads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
    }

    [Fact]
    public void TheBudgetIsTheNumberOfDecoders()
    {
        // The budget is capped by the processors; on one processor every budget is one thread.
        var budget = new ThreadBudget(2);
        var source = new RecordingSource(chunks: 6);
        ChunkedSources.ReadAll(source, budget);

        Assert.Equal(budget.Degree > 1 ? budget.Degree : null, source.DecodersAsked);
        Assert.Equal(1, ChunkedSources.Decoders(DataSource.FromTable(EmbeddedDatasets.Load("sleepstudy")), budget));
    }

    [Fact]
    public void TheCsvReaderParsesBesideOneWorkerFewerThanTheBudget()
    {
        Assert.Equal(0, CsvReader.ParseWorkers(new ThreadBudget(1), oneChunk: false));
        Assert.Equal(0, CsvReader.ParseWorkers(new ThreadBudget(), oneChunk: true));
        var two = new ThreadBudget(2);
        Assert.Equal(two.Degree - 1, CsvReader.ParseWorkers(two, oneChunk: false));
    }

    [Fact]
    public void OneThreadReadsTheSameTable()
    {
        var random = new Random(5);
        var text = new StringBuilder("y,g,x\n");
        for (int i = 0; i < 5_000; i++)
            text.Append(CultureInfo.InvariantCulture, $"{random.NextDouble():R},g{i % 17},{(i % 97 == 0 ? "NA" : (i % 11).ToString(CultureInfo.InvariantCulture))}\n");
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-budget-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text.ToString());
        try
        {
            var one = CsvReader.ReadFile(path, chunkSize: 2048, budget: new ThreadBudget(1));
            var every = CsvReader.ReadFile(path, chunkSize: 2048, budget: new ThreadBudget());
            Assert.Equal(every.RowCount, one.RowCount);
            Assert.Equal(((NumericColumn)every["y"]).Values, ((NumericColumn)one["y"]).Values);
            Assert.Equal(((CategoricalColumn)every["g"]).Codes, ((CategoricalColumn)one["g"]).Codes);
            var x = (NumericColumn)one["x"];
            Assert.Equal(((NumericColumn)every["x"]).Values, x.Values);
            Assert.True(x.IsMissing(0));
            Assert.Equal(every.RowCount, MixedModel.LoadData(path, 1).RowCount);
            var missing = Assert.Throws<InputException>(() => MixedModel.LoadData(path + ".missing.csv", 1));
            Assert.EndsWith("no such file", missing.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A source that says which thread produced each chunk read sequentially, and how many decoders a
    /// parallel read asked for (producing those chunks sequentially too).</summary>
    private sealed class RecordingSource(int chunks) : IDataSource, IParallelChunkSource
    {
        public const int ChunkRows = 10;

        public List<int> ProducingThreads { get; } = [];

        public int? DecodersAsked { get; private set; }

        public string Source => "recording";

        public IReadOnlyList<string> ColumnNames { get; } = ["x"];

        public long? RowCount => chunks * ChunkRows;

        IEnumerable<IReadOnlyList<ColumnChunk>> IDataSource.Chunks(IReadOnlyList<string> columns)
        {
            for (int c = 0; c < chunks; c++)
            {
                ProducingThreads.Add(Environment.CurrentManagedThreadId);
                yield return [new NumberChunk("x", Enumerable.Range(c * ChunkRows, ChunkRows).Select(i => (double)i).ToArray(), null)];
            }
        }

        IEnumerable<IReadOnlyList<ColumnChunk>> IParallelChunkSource.Chunks(IReadOnlyList<string> columns, int decoders)
        {
            DecodersAsked = decoders;
            return ((IDataSource)this).Chunks(columns);
        }

        public void Dispose()
        {
        }
    }
}
