using Parquet;
using Parquet.Schema;
using SparseLmm.Data;
using SparseLmm.Streaming;

namespace SparseLmm.Tests.Data;

/// <summary>A Parquet file's row groups decoded on several threads (<see cref="IParallelChunkSource"/>) arrive as the
/// sequential reader gives them, in order, and a streamed fit over them is the same fit; a caller that stops early
/// leaves no decoder running under a disposed reader.</summary>
public sealed class ParallelParquetTests : IDisposable
{
    private const int Groups = 9, GroupRows = 120;
    private readonly string path = Path.Combine(Path.GetTempPath(), $"sparselmm-parallel-{Guid.NewGuid():N}.parquet");

    public ParallelParquetTests()
    {
        var fields = new DataField[] { new DataField<double>("y", false), new DataField<double?>("x"), new DataField<int>("g", false) };
        var random = new Random(17);
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).GetAwaiter().GetResult();
        var effects = Enumerable.Range(0, 30).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        for (int group = 0; group < Groups; group++)
        {
            var g = new int[GroupRows];
            var x = new double?[GroupRows];
            var y = new double[GroupRows];
            for (int i = 0; i < GroupRows; i++)
            {
                int level = random.Next(effects.Length);
                g[i] = level;
                x[i] = random.Next(25) == 0 ? null : random.NextDouble() * 3;
                y[i] = 1 + 0.5 * (x[i] ?? 0) + effects[level] + random.NextDouble();
            }
            using var rowGroup = writer.CreateRowGroup();
            rowGroup.WriteAsync(fields[0], new ReadOnlyMemory<double>(y)).GetAwaiter().GetResult();
            rowGroup.WriteAsync(fields[1], new ReadOnlyMemory<double?>(x)).GetAwaiter().GetResult();
            rowGroup.WriteAsync(fields[2], new ReadOnlyMemory<int>(g)).GetAwaiter().GetResult();
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    public void Dispose() => File.Delete(path);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16)]
    public void DecodersGiveTheSequentialChunksInOrder(int decoders)
    {
        using var source = DataSource.Open(path);
        string[] columns = ["g", "x", "y"];
        var sequential = source.Chunks(columns).ToList();
        Assert.Equal(Groups, sequential.Count);
        for (int pass = 0; pass < 2; pass++)
        {
            var parallel = ((IParallelChunkSource)source).Chunks(columns, decoders).ToList();
            Assert.Equal(sequential.Count, parallel.Count);
            for (int c = 0; c < sequential.Count; c++)
            {
                for (int j = 0; j < columns.Length; j++)
                {
                    Assert.Equal(((NumberChunk)sequential[c][j]).Values, ((NumberChunk)parallel[c][j]).Values);
                    Assert.Equal(((NumberChunk)sequential[c][j]).Missing, ((NumberChunk)parallel[c][j]).Missing);
                }
            }
        }
    }

    [Fact]
    public void StoppingEarlyWaitsForTheDecodersAndTheSourceStaysReadable()
    {
        using var source = DataSource.Open(path);
        var first = ((IParallelChunkSource)source).Chunks(["y"], 3).Take(2).ToList();
        Assert.Equal(2, first.Count);
        Assert.Equal(Groups * GroupRows, ChunkPrefetch.Read(source, ["y"], threads: 2).Sum(chunk => chunk[0].Length));
    }

    [Fact]
    public void AStreamedFitOnOneThreadAndOnTwoIsTheSameFit()
    {
        const string formula = "y ~ 1 + x + (1 | g)";
        using var source = DataSource.Open(path);
        var one = MixedModel.FitStreamed(formula, source, new FitOptions { Threads = 1 });
        var two = MixedModel.FitStreamed(formula, source, new FitOptions { Threads = 2 });
        Assert.Equal(one.LogLikelihood, two.LogLikelihood);
        Assert.Equal(one.Theta, two.Theta);
        Assert.Equal(one.DroppedRowCount, two.DroppedRowCount);
        Assert.True(one.DroppedRowCount > 0);
    }
}
