using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Factors the first term's k×k diagonal blocks and forms its rows of L₂₁, level by level. With a hundred
/// thousand levels or more this is a fifth of an evaluation, and the levels are independent, so chunks of levels run
/// on all cores; each chunk keeps its own part of the log-determinant.</summary>
internal sealed class FirstTermLevels : IDenseParallelJob
{
    private const int LevelsPerChunk = 4096;
    private const int ParallelMinimumLevels = 2 * LevelsPerChunk;

    private readonly ProfiledDeviance deviance;
    private readonly double[] lowerRows;
    private readonly double[] chunkLogDeterminant;
    private readonly bool[] chunkFailed;
    private readonly DenseParallelRunner? runner;

    /// <summary>Prepares the chunks for <paramref name="deviance"/>'s first term, writing rows into <paramref name="lowerRows"/>.</summary>
    public FirstTermLevels(ProfiledDeviance deviance, double[] lowerRows)
    {
        this.deviance = deviance;
        this.lowerRows = lowerRows;
        int levels = deviance.Layout.First.LevelCount;
        int chunks = (levels + LevelsPerChunk - 1) / LevelsPerChunk;
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

    /// <summary>Levels [chunk·4096, (chunk+1)·4096).</summary>
    public void RunChunk(int chunk)
    {
        var layout = deviance.Layout;
        int k1 = layout.First.ColumnCount;
        Span<double> block = stackalloc double[k1 * k1];
        int first = chunk * LevelsPerChunk, last = Math.Min(first + LevelsPerChunk, layout.First.LevelCount);
        double logDeterminant = 0;
        bool failed = false;
        for (int level = first; level < last && !failed; level++)
        {
            int start = layout.PatternStart[level], length = layout.PatternStart[level + 1] - start;
            if (!deviance.FirstLevelRows(level, block, lowerRows.AsSpan(start * k1, length * k1)))
            {
                failed = true;
                break;
            }
            for (int c = 0; c < k1; c++) logDeterminant += 2 * Math.Log(block[c * k1 + c]);
        }
        chunkLogDeterminant[chunk] = logDeterminant;
        chunkFailed[chunk] = failed;
    }
}
