using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Factors the first term's k×k diagonal blocks and forms its rows of L₂₁, level by level. With a hundred
/// thousand levels or more this is a fifth of an evaluation, and the levels are independent, so chunks of levels run
/// on all cores; each chunk keeps its own part of the log-determinant. For a supernodal rest each level's outer product
/// L₂₁ L₂₁' is added to the rest right away, while its rows are in cache (the chunks are then the rest's fixed level
/// partitions, each summing into its own buffer); the dense rest reads all rows afterwards, blocked by target.</summary>
internal sealed class FirstTermLevels : IDenseParallelJob
{
    private const int LevelsPerChunk = 4096;
    private const int ParallelMinimumLevels = 2 * LevelsPerChunk;

    private readonly ProfiledDeviance deviance;
    private readonly double[] lowerRows;
    private readonly double[] chunkLogDeterminant;
    private readonly bool[] chunkFailed;
    private readonly DenseParallelRunner? runner;
    private readonly SupernodalRestFactor? supernodal;
    private readonly double[][] partitionRows = [];

    /// <summary>Prepares the chunks for <paramref name="deviance"/>'s first term, writing rows into
    /// <paramref name="lowerRows"/>, or handing them level by level to <paramref name="supernodal"/>.</summary>
    public FirstTermLevels(ProfiledDeviance deviance, double[] lowerRows, SupernodalRestFactor? supernodal)
    {
        this.deviance = deviance;
        this.lowerRows = lowerRows;
        this.supernodal = supernodal;
        int levels = deviance.Layout.First.LevelCount;
        int chunks = (levels + LevelsPerChunk - 1) / LevelsPerChunk;
        if (supernodal is not null)
        {
            chunks = supernodal.PartitionCount;
            int length = deviance.Layout.MaxPatternLength * deviance.Layout.First.ColumnCount;
            partitionRows = Enumerable.Range(0, chunks).Select(_ => new double[length]).ToArray();
        }
        chunkLogDeterminant = new double[chunks];
        chunkFailed = new bool[chunks];
        if (levels >= ParallelMinimumLevels && deviance.Layout.Threads.Degree > 1)
            runner = new DenseParallelRunner(deviance.Layout.Threads.Degree - 1);
    }

    /// <summary>Processes every level; false when some block is not positive definite.</summary>
    public bool Compute(out double logDeterminant)
    {
        int chunks = chunkLogDeterminant.Length;
        if (runner is null) for (int c = 0; c < chunks; c++) RunChunk(c);
        else runner.Run(this, chunks, runner.HelperCount);
        logDeterminant = 0;
        for (int c = 0; c < chunks; c++)
        {
            if (chunkFailed[c]) return false;
            logDeterminant += chunkLogDeterminant[c];
        }
        return true;
    }

    /// <summary>Levels [chunk·4096, (chunk+1)·4096), or the supernodal rest's partition <paramref name="chunk"/>.</summary>
    public void RunChunk(int chunk)
    {
        var layout = deviance.Layout;
        int k1 = layout.First.ColumnCount;
        Span<double> block = stackalloc double[k1 * k1];
        int first = chunk * LevelsPerChunk, last = Math.Min(first + LevelsPerChunk, layout.First.LevelCount);
        if (supernodal is not null)
        {
            first = supernodal.PartitionLevelStart[chunk];
            last = supernodal.PartitionLevelStart[chunk + 1];
            supernodal.ClearPartition(chunk);
        }
        double logDeterminant = 0;
        bool failed = false;
        for (int level = first; level < last && !failed; level++)
        {
            int start = layout.PatternStart[level], length = layout.PatternStart[level + 1] - start;
            var rows = supernodal is null ? lowerRows.AsSpan(start * k1, length * k1) : partitionRows[chunk].AsSpan(0, length * k1);
            if (!deviance.FirstLevelRows(level, block, rows))
            {
                failed = true;
                break;
            }
            supernodal?.AddLevel(level, rows, chunk);
            for (int c = 0; c < k1; c++) logDeterminant += 2 * Math.Log(block[c * k1 + c]);
        }
        chunkLogDeterminant[chunk] = logDeterminant;
        chunkFailed[chunk] = failed;
    }
}
