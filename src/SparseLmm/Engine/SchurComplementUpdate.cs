using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Subtracts L₂₁ L₂₁' (the first term's contribution) from the dense rest block, which is then factored.
/// <para>Level l of the first term contributes the outer product of its few pattern rows. Scattering those straight into
/// a dense block of tens of megabytes costs a cache miss per entry, so the rest rows are cut into blocks whose slice of
/// the dense matrix fits in the L2 cache; each block visits, in ascending order, only the pattern entries that land in
/// it. Blocks write disjoint rows, so they run in parallel without locks. The blocking is symbolic: built once.</para></summary>
internal sealed class SchurComplementUpdate : IDenseParallelJob
{
    // Target bytes of the dense block's rows touched by one block of work, and the work (pattern entries) per block.
    private const int CacheBytes = 256 * 1024;
    private const int ParallelMinimumEntries = 50_000;

    private readonly CrossProductLayout layout;
    private readonly int[] blockStart;
    private readonly int[] blockEntries;
    private readonly DenseParallelRunner? runner;
    private double[] factor = [];
    private double[] lowerRows = [];

    /// <summary>Builds the blocked entry lists for <paramref name="layout"/>.</summary>
    public SchurComplementUpdate(CrossProductLayout layout)
    {
        this.layout = layout;
        int size = layout.RestSize, entryCount = layout.PatternRow.Length;
        var entriesPerRow = new int[size];
        foreach (var row in layout.PatternRow) entriesPerRow[row]++;

        int rowsPerBlock = Math.Max(1, CacheBytes / (size * sizeof(double)));
        int entriesPerBlock = Math.Max(1024, entryCount / (8 * Environment.ProcessorCount));
        var blockOfRow = new int[size];
        var starts = new List<int> { 0 };
        int rowsInBlock = 0, entriesInBlock = 0;
        for (int r = 0; r < size; r++)
        {
            if (rowsInBlock > 0 && (rowsInBlock >= rowsPerBlock || entriesInBlock + entriesPerRow[r] > entriesPerBlock))
            {
                starts.Add(starts[^1] + entriesInBlock);
                rowsInBlock = entriesInBlock = 0;
            }
            blockOfRow[r] = starts.Count - 1;
            rowsInBlock++;
            entriesInBlock += entriesPerRow[r];
        }
        starts.Add(starts[^1] + entriesInBlock);
        blockStart = starts.ToArray();

        // Entries are visited in ascending order within a block, so a level's rows are read while they are in cache.
        blockEntries = new int[entryCount];
        var next = blockStart[..^1];
        for (int e = 0; e < entryCount; e++) blockEntries[next[blockOfRow[layout.PatternRow[e]]]++] = e;
        if (entryCount >= ParallelMinimumEntries && layout.Threads.Degree > 1)
            runner = new DenseParallelRunner(layout.Threads.Degree - 1);
    }

    /// <summary>factor (row-major, lower triangle) ← factor − L₂₁ L₂₁', with L₂₁'s rows in <paramref name="rows"/>
    /// (k₁ values per pattern entry).</summary>
    public void Apply(double[] factor, double[] rows)
    {
        this.factor = factor;
        lowerRows = rows;
        int blocks = blockStart.Length - 1;
        if (runner is null) for (int b = 0; b < blocks; b++) RunChunk(b);
        else runner.Run(this, blocks, runner.HelperCount);
    }

    /// <summary>Processes block <paramref name="chunk"/>: its entries update only its own rows.</summary>
    public void RunChunk(int chunk)
    {
        int k1 = layout.First.ColumnCount, size = layout.RestSize;
        var entries = blockEntries;
        var patternRow = layout.PatternRow;
        var levelStart = layout.EntryLevelStart;
        var values = lowerRows;
        var target = factor;
        for (int index = blockStart[chunk]; index < blockStart[chunk + 1]; index++)
        {
            int e = entries[index];
            int offset = patternRow[e] * size;
            if (k1 == 1)
            {
                double value = values[e];
                for (int f = levelStart[e]; f <= e; f++) target[offset + patternRow[f]] -= value * values[f];
            }
            else if (k1 == 2)
            {
                double first = values[2 * e], second = values[2 * e + 1];
                for (int f = levelStart[e]; f <= e; f++)
                    target[offset + patternRow[f]] -= first * values[2 * f] + second * values[2 * f + 1];
            }
            else
            {
                for (int f = levelStart[e]; f <= e; f++)
                {
                    double dot = 0;
                    for (int c = 0; c < k1; c++) dot += values[e * k1 + c] * values[f * k1 + c];
                    target[offset + patternRow[f]] -= dot;
                }
            }
        }
    }
}
