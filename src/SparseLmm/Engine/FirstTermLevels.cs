using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>For a supernodal rest: factors the first term's k×k diagonal blocks and forms its rows of L₂₁, level by
/// level, and adds each level's outer product L₂₁ L₂₁' to the rest right away, while its rows are in cache. The levels
/// are independent, so the rest's fixed level partitions run on all cores, each summing into its own buffer and keeping
/// its own part of the log-determinant. (The dense rest eliminates the first term itself: <see cref="SchurComplementUpdate"/>.)</summary>
internal sealed class FirstTermLevels : IDenseParallelJob
{
    // Below this many levels the partitions run one after the other.
    private const int ParallelMinimumLevels = 8192;

    private readonly ProfiledDeviance deviance;
    private readonly double[] chunkLogDeterminant;
    private readonly bool[] chunkFailed;
    private readonly DenseParallelRunner? runner;
    private readonly SupernodalRestFactor supernodal;
    private readonly double[][] partitionRows;

    /// <summary>Prepares a row buffer per partition of <paramref name="supernodal"/>'s levels for <paramref name="deviance"/>'s
    /// first term.</summary>
    public FirstTermLevels(ProfiledDeviance deviance, SupernodalRestFactor supernodal)
    {
        this.deviance = deviance;
        this.supernodal = supernodal;
        int chunks = supernodal.PartitionCount;
        int length = deviance.Layout.MaxPatternLength * deviance.Layout.First.ColumnCount;
        partitionRows = Enumerable.Range(0, chunks).Select(_ => new double[length]).ToArray();
        chunkLogDeterminant = new double[chunks];
        chunkFailed = new bool[chunks];
        if (deviance.Layout.First.LevelCount >= ParallelMinimumLevels && deviance.Layout.Threads.Degree > 1)
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

    /// <summary>The supernodal rest's partition <paramref name="chunk"/> of the levels.</summary>
    public void RunChunk(int chunk)
    {
        var layout = deviance.Layout;
        int k1 = layout.First.ColumnCount;
        Span<double> block = stackalloc double[k1 * k1];
        int first = supernodal.PartitionLevelStart[chunk], last = supernodal.PartitionLevelStart[chunk + 1];
        supernodal.ClearPartition(chunk);
        double logDeterminant = 0;
        bool failed = false;
        for (int level = first; level < last && !failed; level++)
        {
            int start = layout.PatternStart[level], length = layout.PatternStart[level + 1] - start;
            var rows = partitionRows[chunk].AsSpan(0, length * k1);
            if (!deviance.FirstLevelRows(level, block, rows))
            {
                failed = true;
                break;
            }
            supernodal.AddLevel(level, rows, chunk);
            for (int c = 0; c < k1; c++) logDeterminant += 2 * Math.Log(block[c * k1 + c]);
        }
        if (!failed) supernodal.FinishPartition(chunk);
        chunkLogDeterminant[chunk] = logDeterminant;
        chunkFailed[chunk] = failed;
    }
}
