namespace SparseLmm.Engine;

/// <summary>The update row by row, for a large block over few first-term levels (cross-classified schools: 20,000
/// primaries over 4,000 secondaries). Sweeping the levels scatters each level's pairs over the whole lower triangle
/// (64 MB at 4,000 rows, twice the last-level cache), so nearly every update misses the cache. Here every level's
/// rows of L₂₁ are formed once, in level order, into one array (with the tail rows and the log-determinant, as the
/// sweep's last band does); then each random-effects row takes all its updates at once, from the entries that fall
/// in it: the row stays in the first-level cache and the stored rows are read in order. Each target entry still
/// receives its levels' contributions in level order, each the same scalar product: the same bits as the sweep.</summary>
internal sealed partial class SchurComplementUpdate
{
    // Below this many random-effects rows the lower triangle (16 MB at 2,048) stays in the last-level cache and the
    // sweep, which stores nothing, is as fast or faster: InstEval's 1,156 rows took 2.6–2.8 ms by the sweep and 2.8–3.6
    // by rows, while 4,000 secondaries met by 20,000 primaries half at random took 85–105 ms by the sweep, 43–65 by rows.
    private const int RowUpdateMinimumRows = 2048;

    // Stored rows of L₂₁ above this size would be read from memory for every row band: the sweep is better there (a 10M-
    // row panel's 272 MB of rows made the update three quarters of an evaluation).
    private const long RowUpdateStoredBytes = 64L << 20;

    // Bands per thread: rows differ in work, and more, smaller bands keep both threads busy to the end.
    private const int RowBandsPerThread = 4;

    /// <summary>Whether <paramref name="layout"/>'s update goes row by row (<see cref="RowUpdate"/>).</summary>
    internal static bool PrefersRows(CrossProductLayout layout) =>
        layout.RestRandomSize >= RowUpdateMinimumRows
        && (long)layout.PatternRow.Length * layout.First.ColumnCount * sizeof(double) <= RowUpdateStoredBytes;

    /// <summary>The symbolic part of the row update, built once: each random-effects row's pattern entries in level
    /// order (row-major CSR), bands of rows of about equal work, and the store for the rows of L₂₁.</summary>
    private sealed class RowUpdate
    {
        /// <summary>Built from the sweep's <paramref name="work"/> per row (its last entry, the tail's, is done apart
        /// from the bands here: <see cref="StoreLevels"/>).</summary>
        public RowUpdate(CrossProductLayout layout, long[] work, int threads)
        {
            int random = layout.RestRandomSize;
            var patternRow = layout.PatternRow;
            EntryStart = new int[random + 1];
            foreach (int row in patternRow)
                if (row < random) EntryStart[row + 1]++;
            for (int r = 0; r < random; r++) EntryStart[r + 1] += EntryStart[r];
            Entries = new int[EntryStart[random]];
            var next = EntryStart[..random];
            // Entries ascend with their level, so each row's list is in level order.
            for (int e = 0; e < patternRow.Length; e++)
                if (patternRow[e] < random) Entries[next[patternRow[e]]++] = e;
            var rowWork = work.ToArray();
            rowWork[random] = 0;
            long total = 0;
            foreach (long w in rowWork) total += w;
            Threads = threads;
            BandStart = BalancedBands(rowWork, total, threads == 1 ? 1 : threads * RowBandsPerThread);
            BandStart[^1] = random;
            Stored = new double[patternRow.Length * layout.First.ColumnCount];
        }

        /// <summary>Where each random-effects row's entries start in <see cref="Entries"/>.</summary>
        public int[] EntryStart { get; }

        /// <summary>Pattern entries by row, in level order.</summary>
        public int[] Entries { get; }

        /// <summary>First row of each band, then the number of random-effects rows.</summary>
        public int[] BandStart { get; }

        /// <summary>Threads the bands run on.</summary>
        public int Threads { get; }

        /// <summary>The rows of L₂₁ of every level, k₁ values per pattern entry.</summary>
        public double[] Stored { get; }
    }

    /// <summary>Forms every level's rows of L₂₁ into the store, in level order, updating the tail rows and summing the
    /// log-determinant as the sweep's last band does; false when some level's block is not positive definite.</summary>
    private bool StoreLevels(RowUpdate rows)
    {
        int k1 = layout.First.ColumnCount, tail = layout.RestSize - layout.RestRandomSize;
        Span<double> block = stackalloc double[k1 * k1];
        var patternStart = layout.PatternStart;
        double sum = 0, chunkSum = 0;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            int start = patternStart[level], end = patternStart[level + 1];
            var values = rows.Stored.AsSpan(start * k1, (end - start) * k1);
            if (!deviance.FirstLevelRows(level, block, values)) return false;
            UpdateTailRows(layout.PatternRow.AsSpan(start, end - start), values, k1, tail);
            for (int c = 0; c < k1; c++) chunkSum += 2 * Math.Log(block[c * k1 + c]);
            if ((level + 1) % LogDeterminantChunk == 0)
            {
                sum += chunkSum;
                chunkSum = 0;
            }
        }
        logDeterminant = sum + chunkSum;
        return true;
    }

    private void RunRowBands(RowUpdate rows)
    {
        int bands = rows.BandStart.Length - 1;
        if (runner is null) for (int b = 0; b < bands; b++) UpdateRowBand(rows, b);
        else runner.Run(this, bands, runner.HelperCount);
    }

    /// <summary>Band <paramref name="band"/>'s rows: each entry e in row r pairs with its level's entries up to it,
    /// row[f's row] −= v_e · v_f, as <see cref="UpdateRandomRows"/> computes it.</summary>
    private unsafe void UpdateRowBand(RowUpdate rows, int band)
    {
        int k1 = layout.First.ColumnCount, size = layout.RestSize;
        var entryStart = rows.EntryStart;
        var entries = rows.Entries;
        fixed (double* target = factor, values = rows.Stored)
        fixed (int* patternRow = layout.PatternRow, levelStart = layout.EntryLevelStart)
        {
            for (int r = rows.BandStart[band]; r < rows.BandStart[band + 1]; r++)
            {
                double* row = target + (long)r * size;
                for (int index = entryStart[r]; index < entryStart[r + 1]; index++)
                {
                    int e = entries[index], first = levelStart[e];
                    if (k1 == 1)
                    {
                        double value = values[e];
                        for (int j = first; j <= e; j++) row[patternRow[j]] -= value * values[j];
                    }
                    else if (k1 == 2)
                    {
                        double a = values[2 * e], b = values[2 * e + 1];
                        for (int j = first; j <= e; j++) row[patternRow[j]] -= a * values[2 * j] + b * values[2 * j + 1];
                    }
                    else
                    {
                        for (int j = first; j <= e; j++)
                        {
                            double dot = 0;
                            for (int c = 0; c < k1; c++) dot += values[e * k1 + c] * values[j * k1 + c];
                            row[patternRow[j]] -= dot;
                        }
                    }
                }
            }
        }
    }
}
