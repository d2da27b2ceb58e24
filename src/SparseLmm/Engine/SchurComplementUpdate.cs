using System.Numerics;
using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Eliminates the first term from the dense rest block: factors each level's k₁×k₁ block, forms its rows of
/// L₂₁ and subtracts their outer product L₂₁ L₂₁', which leaves the Schur complement to be factored.
/// <para>The levels are swept in order and each level's rows are formed into a small buffer and used at once, so
/// the only large arrays read are the cross-products, sequentially; L₂₁ is never stored. The scattered writes to the
/// other terms' random-effects rows land in the block's lower triangle, which at 2,000 random effects (16 MB) stays in
/// the last-level cache. An earlier version stored L₂₁ (272 MB at 10M rows) and swept it once per L2-sized block of
/// target rows, reading every level back from memory about ten times: three quarters of an evaluation at 10M rows.</para>
/// <para>Every level's pattern ends with the p + 1 fixed-effect and response rows (the tail), and their pairs are most
/// of the work (each tail entry pairs with every entry of its level). Their entries are gathered column-major into a
/// small buffer, p + 1 contiguous values per column of the block, so each of a level's entries updates all tail rows
/// with a few vector operations; the buffer is copied in before the sweep and back after it.</para>
/// <para>On several threads the random-effects rows are cut into bands of about equal work, one sweep per band (the
/// last band has the tail), each writing only its own rows: every entry still receives the levels' contributions in
/// level order, each computed as one scalar product in the same order, so the result is the same bits on any number of
/// threads and equal to a plain level-by-level update. The last band sweeps every level and gives the first term's
/// log-determinant. The bands are symbolic: built once.</para>
/// <para>A level that meets most of the random-effects columns its entries span (subjects seen at most of a few dozen
/// sites) is spread over that span with zeros between, and each of its rows is updated as a run of whole vectors
/// (<see cref="UpdateDenseSpan"/>): at 10M rows of 100k subjects × 50 sites this took the update from 40 % to 22 % of
/// the process's CPU.</para></summary>
internal sealed partial class SchurComplementUpdate : IDenseParallelJob
{
    // Below this many pattern pairs an evaluation's sweep is too short to share.
    private const long ParallelMinimumPairs = 1 << 18;

    // The log-determinant is summed per chunk of levels, then the chunks in order: a shorter rounding path than one
    // running sum over a million levels.
    private const int LogDeterminantChunk = 4096;

    private const int ScatteredUpdateCost = 4;

    // A level's entries up to a row are updated as whole vectors over the columns they span when they fill at least
    // three quarters of it and it is a few vectors long: the zeros between cost less than scattered scalar updates.
    private const int DenseSpanNumerator = 3, DenseSpanDenominator = 4, DenseSpanMinimum = 16;

    private readonly ProfiledDeviance deviance;
    private readonly CrossProductLayout layout;
    private readonly int[] bandStart;
    private readonly double[][] bandRows;
    private readonly double[][] bandSpans;
    private readonly int tailWidth;
    private readonly double[] tailColumns;
    private readonly double[] tailLanes;
    private readonly DenseParallelRunner? runner;
    private readonly RowUpdate? rowUpdate;
    private double[] factor = [];
    private double logDeterminant;
    private bool failed;

    /// <summary>Cuts <paramref name="deviance"/>'s rest rows into bands, one per thread of its budget, and allocates
    /// the buffers.</summary>
    public SchurComplementUpdate(ProfiledDeviance deviance) : this(deviance, PrefersRows(deviance.Layout)) { }

    /// <summary>As <see cref="SchurComplementUpdate(ProfiledDeviance)"/>, updating row by row from stored rows of L₂₁
    /// (<paramref name="byRows"/>) or sweeping the levels; tests hold the two against each other.</summary>
    internal SchurComplementUpdate(ProfiledDeviance deviance, bool byRows)
    {
        this.deviance = deviance;
        layout = deviance.Layout;
        int random = layout.RestRandomSize, tail = layout.RestSize - random, k1 = layout.First.ColumnCount;
        tailWidth = (tail + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        tailColumns = new double[layout.RestSize * tailWidth];
        tailLanes = new double[k1 * tailWidth];
        // Work of a random-effects row: the pairs (e, f ≤ e) of its entries, each a scattered update that misses the
        // L2 cache (about four times a vector update, measured at 10M rows); of the tail: a vector update per entry.
        var work = new long[random + 1];
        for (int e = 0; e < layout.PatternRow.Length; e++)
        {
            int row = layout.PatternRow[e];
            if (row < random) work[row] += ScatteredUpdateCost * (e - layout.EntryLevelStart[e] + 1);
        }
        work[random] = (long)layout.PatternRow.Length * (tailWidth / Vector<double>.Count) * k1;
        long total = 0;
        foreach (long w in work) total += w;
        bandStart = BalancedBands(work, total, total >= ParallelMinimumPairs ? layout.Threads.Degree : 1);
        bandStart[^1] = layout.RestSize;
        // The sweep's buffers, one per band; the row update needs none.
        int length = layout.MaxPatternLength * k1, sweepBands = byRows ? 0 : bandStart.Length - 1;
        bandRows = Enumerable.Range(0, sweepBands).Select(_ => new double[length]).ToArray();
        // Zero between uses (UpdateDenseSpan clears what it spread).
        bandSpans = Enumerable.Range(0, sweepBands).Select(_ => new double[k1 <= 2 ? k1 * random : 0]).ToArray();
        if (byRows) rowUpdate = new RowUpdate(layout, work, total >= ParallelMinimumPairs ? layout.Threads.Degree : 1);
        int helpers = rowUpdate is { } rows ? rows.Threads - 1 : bandStart.Length - 2;
        if (helpers > 0) runner = new DenseParallelRunner(helpers);
    }

    /// <summary>Contiguous ranges of <paramref name="work"/>'s entries with about equal work (fewer when one entry
    /// outweighs a band).</summary>
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
    /// the deviance's last <see cref="ProfiledDeviance.FactorAt"/>. False when some level's block is not positive
    /// definite; otherwise <paramref name="firstLogDeterminant"/> is log|L₁₁|².</summary>
    public bool Apply(double[] factor, out double firstLogDeterminant)
    {
        this.factor = factor;
        failed = false;
        CopyTail(toColumns: true);
        if (rowUpdate is not null)
        {
            bool stored = StoreLevels(rowUpdate);
            if (stored) RunRowBands(rowUpdate);
            CopyTail(toColumns: false);
            firstLogDeterminant = logDeterminant;
            return stored;
        }
        int bands = bandStart.Length - 1;
        if (runner is null) for (int b = 0; b < bands; b++) RunChunk(b);
        else runner.Run(this, bands, runner.HelperCount);
        CopyTail(toColumns: false);
        firstLogDeterminant = logDeterminant;
        return !failed;
    }

    /// <summary>Moves the tail rows' lower triangle between the block and the column-major buffer (lanes above the
    /// diagonal are zero going in and are not copied back).</summary>
    private void CopyTail(bool toColumns)
    {
        int size = layout.RestSize, random = layout.RestRandomSize, width = tailWidth;
        if (toColumns) Array.Clear(tailColumns);
        for (int a = 0; a < size - random; a++)
        {
            int row = random + a;
            for (int column = 0; column <= row; column++)
            {
                if (toColumns) tailColumns[column * width + a] = factor[row * size + column];
                else factor[row * size + column] = tailColumns[column * width + a];
            }
        }
    }

    /// <summary>Sweeps every level for band <paramref name="chunk"/>'s rows.</summary>
    public void RunChunk(int chunk)
    {
        if (rowUpdate is not null)
        {
            UpdateRowBand(rowUpdate, chunk);
            return;
        }
        int k1 = layout.First.ColumnCount, size = layout.RestSize, random = layout.RestRandomSize;
        int low = bandStart[chunk], high = Math.Min(bandStart[chunk + 1], random);
        bool last = chunk == bandStart.Length - 2;
        Span<double> block = stackalloc double[k1 * k1];
        var values = bandRows[chunk];
        var patternRow = layout.PatternRow;
        var patternStart = layout.PatternStart;
        double sum = 0, chunkSum = 0;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            int start = patternStart[level], end = patternStart[level + 1];
            // Rows ascend within a level: skip the levels with no entry in the band.
            if (!last && (patternRow[end - 1] < low || patternRow[start] >= high)) continue;
            if (!deviance.FirstLevelRows(level, block, values))
            {
                if (last) failed = true;
                return;
            }
            var rows = patternRow.AsSpan(start, end - start);
            int i = 0;
            while (i < rows.Length && rows[i] < low) i++;
            int first = i;
            while (i < rows.Length && rows[i] < high) i++;
            if (i > first) UpdateRandomRows(rows, values, first, i, k1, size, bandSpans[chunk]);
            if (!last) continue;
            UpdateTailRows(rows, values, k1, size - random);
            for (int c = 0; c < k1; c++) chunkSum += 2 * Math.Log(block[c * k1 + c]);
            if ((level + 1) % LogDeterminantChunk == 0)
            {
                sum += chunkSum;
                chunkSum = 0;
            }
        }
        if (last) logDeterminant = sum + chunkSum;
    }

    /// <summary>Entries [<paramref name="from"/>, <paramref name="to"/>) of a level, random-effects rows of the band:
    /// each row's pairs with the level's entries up to it.</summary>
    private void UpdateRandomRows(ReadOnlySpan<int> rows, double[] values, int from, int to, int k1, int size, double[] expanded)
    {
        int low = rows[0], span = rows[to - 1] - low + 1;
        if (k1 <= 2 && span >= DenseSpanMinimum && (long)to * DenseSpanDenominator >= (long)span * DenseSpanNumerator)
        {
            UpdateDenseSpan(rows, values, from, to, k1, size, expanded);
            return;
        }
        var target = factor;
        for (int i = from; i < to; i++)
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

    /// <summary>As <see cref="UpdateRandomRows"/> for a level whose entries fill most of the columns they span (a
    /// subject seen at most of a few dozen sites): its values are spread over the span, zeros between, so each row's
    /// update is a run of whole vectors instead of scattered scalars. Every entry gets the same product, computed in
    /// the same order, as the scattered loop gives it, and the columns between entries get x − 0 = x: the same bits.</summary>
    private unsafe void UpdateDenseSpan(ReadOnlySpan<int> rows, double[] values, int from, int to, int k1, int size, double[] expanded)
    {
        int low = rows[0], lanes = Vector<double>.Count, stride = layout.RestRandomSize;
        for (int j = 0; j < to; j++)
            for (int c = 0; c < k1; c++) expanded[c * stride + rows[j] - low] = values[j * k1 + c];
        fixed (double* target = factor, spread = expanded)
        {
            for (int i = from; i < to; i++)
            {
                double* row = target + (long)rows[i] * size + low;
                int length = rows[i] - low + 1, x = 0;
                if (k1 == 1)
                {
                    double value = values[i];
                    var scale = new Vector<double>(value);
                    for (; x <= length - lanes; x += lanes)
                        Vector.Store(Vector.Load(row + x) - scale * Vector.Load(spread + x), row + x);
                    for (; x < length; x++) row[x] -= value * spread[x];
                }
                else
                {
                    double first = values[2 * i], second = values[2 * i + 1];
                    var firstScale = new Vector<double>(first);
                    var secondScale = new Vector<double>(second);
                    double* other = spread + stride;
                    for (; x <= length - lanes; x += lanes)
                        Vector.Store(Vector.Load(row + x) - (firstScale * Vector.Load(spread + x) + secondScale * Vector.Load(other + x)), row + x);
                    for (; x < length; x++) row[x] -= first * spread[x] + second * other[x];
                }
            }
        }
        for (int j = 0; j < to; j++)
            for (int c = 0; c < k1; c++) expanded[c * stride + rows[j] - low] = 0;
    }

    /// <summary>The level's tail entries (its last <paramref name="tail"/>) against all its entries, into the
    /// column-major buffer: lane a of column rows[j] gets the product of tail entry a with entry j, computed as the
    /// scalar loops compute it (c-th products added in order, no fused multiply-add).</summary>
    private void UpdateTailRows(ReadOnlySpan<int> rows, ReadOnlySpan<double> values, int k1, int tail)
    {
        int width = tailWidth, lanes = Vector<double>.Count, tailEntry = rows.Length - tail;
        var gathered = tailLanes;
        for (int c = 0; c < k1; c++)
            for (int a = 0; a < tail; a++) gathered[c * width + a] = values[(tailEntry + a) * k1 + c];
        var columns = tailColumns;
        for (int j = 0; j < rows.Length; j++)
        {
            var destination = columns.AsSpan(rows[j] * width, width);
            for (int v = 0; v < width; v += lanes)
            {
                var product = new Vector<double>(gathered.AsSpan(v)) * values[j * k1];
                for (int c = 1; c < k1; c++) product += new Vector<double>(gathered.AsSpan(c * width + v)) * values[j * k1 + c];
                (new Vector<double>(destination[v..]) - product).CopyTo(destination[v..]);
            }
        }
    }
}
