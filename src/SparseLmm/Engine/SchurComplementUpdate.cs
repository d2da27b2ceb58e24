using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Eliminates the first term from the dense rest block: factors each level's k₁×k₁ block, forms its rows of
/// L₂₁ and subtracts their outer product L₂₁ L₂₁', which leaves the Schur complement to be factored.
/// <para>The levels are swept in order and each level's rows are formed into a small buffer and used at once, so
/// the only large arrays read are the cross-products, sequentially; L₂₁ is never stored. The scattered writes land in
/// the dense block's lower triangle, which at 2,000 random effects (16 MB) stays in the last-level cache. An earlier
/// version stored L₂₁ (272 MB at 10M rows) and swept it once per L2-sized block of target rows, reading every level
/// back from memory about ten times: that was three quarters of an evaluation at 10M rows.</para>
/// <para>On several threads the rest rows are cut into bands of about equal work, one sweep per band, each writing only
/// its own rows: every entry still receives the levels' contributions in level order, so the result is the same bits
/// on any number of threads. Every level's pattern ends with the fixed-effect and response rows, so the last band
/// sweeps every level and gives the first term's log-determinant. The bands are symbolic: built once.</para></summary>
internal sealed class SchurComplementUpdate : IDenseParallelJob
{
    // Below this many pattern pairs an evaluation's sweep is too short to share.
    private const long ParallelMinimumPairs = 1 << 20;

    // The log-determinant is summed per chunk of levels, then the chunks in order: a shorter rounding path than one
    // running sum over a million levels.
    private const int LogDeterminantChunk = 4096;

    private readonly ProfiledDeviance deviance;
    private readonly CrossProductLayout layout;
    private readonly int[] bandStart;
    private readonly double[][] bandRows;
    private readonly DenseParallelRunner? runner;
    private double[] factor = [];
    private double logDeterminant;
    private bool failed;

    /// <summary>Cuts <paramref name="deviance"/>'s rest rows into bands, one per thread of its budget, and allocates each
    /// band's row buffer.</summary>
    public SchurComplementUpdate(ProfiledDeviance deviance)
    {
        this.deviance = deviance;
        layout = deviance.Layout;
        int size = layout.RestSize;
        // Work of a target row: the pairs (e, f ≤ e) of its entries.
        var work = new long[size];
        for (int e = 0; e < layout.PatternRow.Length; e++) work[layout.PatternRow[e]] += e - layout.EntryLevelStart[e] + 1;
        long total = 0;
        foreach (long w in work) total += w;
        int bands = total >= ParallelMinimumPairs ? layout.Threads.Degree : 1;
        bandStart = BalancedBands(work, total, bands);
        int length = layout.MaxPatternLength * layout.First.ColumnCount;
        bandRows = Enumerable.Range(0, bandStart.Length - 1).Select(_ => new double[length]).ToArray();
        if (bandStart.Length > 2) runner = new DenseParallelRunner(bandStart.Length - 2);
    }

    /// <summary>Contiguous row ranges with about equal work; fewer when one row outweighs a band.</summary>
    private static int[] BalancedBands(long[] work, long total, int bands)
    {
        var starts = new List<int> { 0 };
        long sum = 0;
        for (int r = 0; r + 1 < work.Length; r++)
        {
            sum += work[r];
            if (starts.Count < bands && sum * bands >= total * starts.Count) starts.Add(r + 1);
        }
        starts.Add(work.Length);
        return starts.ToArray();
    }

    /// <summary>factor (row-major, lower triangle, already holding the scaled rest) ← factor − L₂₁ L₂₁', at the T's of
    /// the deviance's last <see cref="ProfiledDeviance.FactorAt"/>. False when some level's block is not positive definite;
    /// otherwise <paramref name="firstLogDeterminant"/> is log|L₁₁|².</summary>
    public bool Apply(double[] factor, out double firstLogDeterminant)
    {
        this.factor = factor;
        failed = false;
        int bands = bandStart.Length - 1;
        if (runner is null) for (int b = 0; b < bands; b++) RunChunk(b);
        else runner.Run(this, bands, runner.HelperCount);
        firstLogDeterminant = logDeterminant;
        return !failed;
    }

    /// <summary>Sweeps every level for band <paramref name="chunk"/>'s rows.</summary>
    public void RunChunk(int chunk)
    {
        int k1 = layout.First.ColumnCount, size = layout.RestSize;
        int low = bandStart[chunk], high = bandStart[chunk + 1];
        bool last = chunk == bandStart.Length - 2;
        Span<double> block = stackalloc double[k1 * k1];
        var values = bandRows[chunk];
        var patternRow = layout.PatternRow;
        var patternStart = layout.PatternStart;
        var target = factor;
        double sum = 0, chunkSum = 0;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            int start = patternStart[level], end = patternStart[level + 1];
            // Rows ascend within a level: skip the levels with no entry in the band.
            if (patternRow[end - 1] < low || patternRow[start] >= high) continue;
            if (!deviance.FirstLevelRows(level, block, values))
            {
                if (last) failed = true;
                return;
            }
            if (last)
            {
                for (int c = 0; c < k1; c++) chunkSum += 2 * Math.Log(block[c * k1 + c]);
                if ((level + 1) % LogDeterminantChunk == 0)
                {
                    sum += chunkSum;
                    chunkSum = 0;
                }
            }
            var rows = patternRow.AsSpan(start, end - start);
            int i = 0;
            while (rows[i] < low) i++;
            for (; i < rows.Length && rows[i] < high; i++)
            {
                int offset = rows[i] * size;
                if (k1 == 1)
                {
                    double value = values[i];
                    for (int j = 0; j <= i; j++) target[offset + rows[j]] -= value * values[j];
                }
                else if (k1 == 2)
                {
                    double first = values[2 * i], second = values[2 * i + 1];
                    for (int j = 0; j <= i; j++)
                        target[offset + rows[j]] -= first * values[2 * j] + second * values[2 * j + 1];
                }
                else
                {
                    for (int j = 0; j <= i; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < k1; c++) dot += values[i * k1 + c] * values[j * k1 + c];
                        target[offset + rows[j]] -= dot;
                    }
                }
            }
        }
        if (last) logDeterminant = sum + chunkSum;
    }
}
