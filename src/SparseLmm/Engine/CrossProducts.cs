using SparseLmm.Design;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SparseLmm.Engine;

/// <summary>The numeric cross-product matrix of [Z X y] in the structure of a <see cref="CrossProductLayout"/>,
/// accumulated in one pass over the rows. Rebuilt with new weights and working response by each PIRLS step of a GLMM;
/// built once for a linear mixed model.</summary>
/// <remarks>With many rows the pass runs in <see cref="PartitionCount"/> partitions on all cores. A partition owns a
/// range of the first term's levels (balanced by rows), so the first term's blocks and <see cref="FirstRest"/> entries
/// each receive their rows' contributions in row order from one partition, exactly as in the sequential pass, for any
/// row order; the dense <see cref="Rest"/> is summed per partition and the partial sums added in partition order. The
/// partition count depends on the data only, not on the machine, so results are the same on any number of cores.</remarks>
internal sealed class CrossProducts
{
    /// <summary>Partitions of a parallel pass.</summary>
    internal const int PartitionCount = 4;

    /// <summary>Fewer rows than this are accumulated in one sequential pass.</summary>
    internal const int ParallelRowThreshold = 1 << 18;

    /// <summary>How often the pass over the rows looks at the caller's token: a few milliseconds of rows, a power of two.</summary>
    private const int RowsBetweenCancellationChecks = 1 << 16;

    /// <summary>Largest total size of the partial sums of the dense block, in bytes, for a parallel pass.</summary>
    private const long MaxPartialBytes = 512L << 20;

    private readonly int restEntriesPerRow;
    private readonly FixedEffectScaling identity;
    private RowPartition[]? partitions;

    /// <summary>Allocates storage for <paramref name="layout"/>.</summary>
    public CrossProducts(CrossProductLayout layout)
    {
        Layout = layout;
        int k1 = layout.First.ColumnCount;
        FirstBlocks = new double[layout.First.LevelCount * k1 * k1];
        FirstRest = new double[layout.PatternRow.Length * k1];
        if (layout.RestValueCount > Array.MaxLength)
            throw new InputException($"the random effects after '{layout.First.GroupName}' need {layout.RestValueCount:N0} stored values, more than one array holds");
        Rest = new double[layout.RestValueCount];
        restEntriesPerRow = layout.RestSize - layout.RestRandomSize;
        for (int t = 1; t < layout.Terms.Count; t++) restEntriesPerRow += layout.Terms[t].ColumnCount;
        identity = FixedEffectScaling.Identity(layout.FixedEffectCount);
        Scaling = identity;
    }

    /// <summary>The structure.</summary>
    public CrossProductLayout Layout { get; }

    /// <summary>Z₁'Z₁: one row-major k₁×k₁ block per level of the first term.</summary>
    public double[] FirstBlocks { get; }

    /// <summary>The rest against Z₁: for each pattern entry, k₁ values.</summary>
    public double[] FirstRest { get; }

    /// <summary>The rest against itself in the layout's storage: dense row-major with both triangles filled, or the
    /// supernodal factor's layout (lower triangle, plus the upper triangle of each level's own diagonal block when some
    /// rest term has several columns, which the scaling by T needs).</summary>
    public double[] Rest { get; }

    /// <summary>Entry (row, column) of the rest's cross-products (rest numbering; 0 when structurally zero). A lookup
    /// for starting values, not for loops over entries.</summary>
    public double RestEntry(int row, int column)
    {
        if (Layout.Supernodal is not { } sparse) return Rest[row * Layout.RestSize + column];
        long position = sparse.Position(row, column);
        return position < 0 ? 0 : Rest[position];
    }

    /// <summary>Accumulates a linear mixed model's rows, weighted by the design's prior weights when it has them, in
    /// centred and scaled coordinates of X and y (see <see cref="FixedEffectScaling"/>; the shifts are absorbed by the
    /// intercept whatever the weights, so unweighted means serve).</summary>
    public void AccumulateCentred(ModelDesign design, ReadOnlySpan<double> response, CancellationToken cancellation = default)
    {
        double logWeights = 0;
        foreach (double weight in design.Weights ?? []) logWeights += Math.Log(weight);
        LogWeightSum = logWeights;
        Accumulate(design.X, response, design.Weights ?? ReadOnlySpan<double>.Empty,
            FixedEffectScaling.For(design.X, response, Layout.FixedEffectCount, design.FixedEffectNames, design.Response.Label),
            cancellation);
    }

    /// <summary>Σ log wᵢ of a linear mixed model's prior weights (0 without): residual i has variance σ²/wᵢ, so the
    /// log-likelihood gains ½ Σ log wᵢ over the unweighted formula (lme4's <c>ldW</c>).</summary>
    public double LogWeightSum { get; private set; }

    /// <summary>The coordinates X and y were accumulated in (identity unless given to <see cref="Accumulate"/>).</summary>
    public FixedEffectScaling Scaling { get; internal set; }

    /// <summary>Accumulates the cross-products of the weighted rows [Z X y]: each row is scaled by √wᵢ
    /// (weights empty means all ones). <paramref name="x"/> is row-major n×p. With <paramref name="scaling"/>, X and y
    /// enter in its centred and scaled coordinates. A fired <paramref name="cancellation"/> stops the pass within
    /// <see cref="RowsBetweenCancellationChecks"/> rows per worker (<see cref="OperationCanceledException"/>; the
    /// cross-products are then incomplete).</summary>
    public unsafe void Accumulate(ReadOnlySpan<double> x, ReadOnlySpan<double> response, ReadOnlySpan<double> weights,
        FixedEffectScaling? scaling = null, CancellationToken cancellation = default)
    {
        Scaling = scaling ?? identity;
        Array.Clear(Rest);
        int size = Layout.RestSize;
        var parts = Partitions();
        // The first term's parts are cleared by whoever fills them (in parallel their first touch is spread too).
        if (parts is null) ClearLevels(0, Layout.First.LevelCount);
        fixed (double* px = x, py = response, pw = weights)
        {
            var rows = new RowData(px, x.Length, py, response.Length, pw, weights.Length);
            if (parts is null)
            {
                AccumulateRows(rows, Layout.Terms, Layout.RowPatternPosition, 0, Layout.RowCount, 0, Layout.First.LevelCount, Rest, packed: false, cancellation);
            }
            else
            {
                // Partition 0 adds into Rest itself; the others into their own copies (dense: packed lower triangles),
                // added in order after.
                bool sparse = Layout.Supernodal is not null;
                long packedLength = sparse ? Rest.Length : (long)size * (size + 1) / 2;
                var partials = new nint[parts.Length];
                try
                {
                    for (int k = 1; k < parts.Length; k++)
                        partials[k] = (nint)NativeMemory.AllocZeroed((nuint)packedLength, sizeof(double));
                    Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = Layout.Threads.Degree }, k =>
                    {
                        var part = parts[k];
                        var target = k == 0 ? Rest.AsSpan() : new Span<double>((void*)partials[k], (int)packedLength);
                        ClearLevels(part.LevelStart, part.LevelEnd);
                        AccumulateRows(rows, Layout.Terms, Layout.RowPatternPosition, part.RowStart, part.RowEnd, part.LevelStart, part.LevelEnd, target, packed: k != 0,
                            cancellation);
                    });
                    for (int k = 1; k < parts.Length; k++)
                        AddPartial(new ReadOnlySpan<double>((void*)partials[k], (int)packedLength));
                }
                finally
                {
                    foreach (var partial in partials)
                        if (partial != 0) NativeMemory.Free((void*)partial);
                }
            }
        }
        // The workers return early rather than throw, so that the caller sees the cancellation itself, not an
        // AggregateException from Parallel.For.
        cancellation.ThrowIfCancellationRequested();
        if (Layout.Supernodal is not null) return;
        // Entries were added in row-entry order; rest indices grow with entry order, so all landed in the lower triangle.
        for (int r = 0; r < size; r++)
            for (int s = 0; s < r; s++)
                Rest[s * size + r] = Rest[r * size + s];
    }

    /// <summary>Starts an accumulation a block of rows at a time (<see cref="AddBlock"/>, then <see cref="EndBlocks"/>),
    /// for rows that are not held together (a streamed GLMM's PIRLS passes): clears the products.</summary>
    public void BeginBlocks()
    {
        Scaling = identity;
        Array.Clear(Rest);
        ClearLevels(0, Layout.First.LevelCount);
        foreach (var partial in blockPartials) Array.Clear(partial);
    }

    /// <summary>Makes <see cref="AddBlock"/> sum as the parallel <see cref="Accumulate"/> would over rows with
    /// <paramref name="rowsOfLevel"/> rows per first-term level: the rest's sums split by the same level ranges and
    /// added in the same order at <see cref="EndBlocks"/>, so blocks give the in-memory bits at any size.</summary>
    public void SumBlocksAsPartitioned(int[] rowsOfLevel)
    {
        var ranges = PartitionLevels(rowsOfLevel);
        blockRanges = ranges;
        long packedLength = Layout.Supernodal is not null ? Rest.Length : (long)Layout.RestSize * (Layout.RestSize + 1) / 2;
        blockPartials = ranges is null ? [] : ranges.Skip(1).Select(_ => new double[packedLength]).ToArray();
    }

    // The level ranges blocks are summed by (null: one sequential sum), and the rest's sums of ranges 1.. (packed).
    private (int Start, int End)[]? blockRanges;
    private double[][] blockPartials = [];

    /// <summary>Adds <paramref name="rows"/> rows whose levels and Z are <paramref name="rowTerms"/>' (the layout's
    /// terms in its order, over these rows only), exactly as the sequential <see cref="Accumulate"/> adds them: blocks
    /// added in row order give the same bits as one pass over all the rows.</summary>
    public unsafe void AddBlock(IReadOnlyList<RandomEffectsDesign> rowTerms, int rows, ReadOnlySpan<double> x,
        ReadOnlySpan<double> response, ReadOnlySpan<double> weights)
    {
        var layout = Layout;
        blockPositions ??= new int[layout.Terms.Count][];
        for (int t = 1; t < layout.Terms.Count; t++)
        {
            if (blockPositions[t] is null || blockPositions[t].Length < rows) blockPositions[t] = new int[rows];
            var positions = blockPositions[t];
            var firstLevels = rowTerms[0].LevelOfRow;
            var levels = rowTerms[t].LevelOfRow;
            int k = layout.Terms[t].ColumnCount, offset = layout.RestTermOffset[t];
            for (int i = 0; i < rows; i++)
            {
                int level = firstLevels[i], start = layout.PatternStart[level];
                int at = Array.BinarySearch(layout.PatternRow, start, layout.PatternStart[level + 1] - start, offset + levels[i] * k);
                if (at < 0) throw new InvalidOperationException("a row's level pair is missing from the layout");
                positions[i] = at;
            }
        }
        fixed (double* px = x, py = response, pw = weights)
        {
            var data = new RowData(px, x.Length, py, response.Length, pw, weights.Length);
            if (blockRanges is null)
            {
                AccumulateRows(data, rowTerms, blockPositions, 0, rows, 0, layout.First.LevelCount, Rest, packed: false, default);
                return;
            }
            for (int k = 0; k < blockRanges.Length; k++)
                AccumulateRows(data, rowTerms, blockPositions, 0, rows, blockRanges[k].Start, blockRanges[k].End,
                    k == 0 ? Rest : blockPartials[k - 1], packed: k != 0, default);
        }
    }

    /// <summary>Ends an accumulation by blocks: mirrors the dense block's lower triangle, as <see cref="Accumulate"/> does.</summary>
    public void EndBlocks()
    {
        foreach (var partial in blockPartials) AddPartial(partial);
        if (Layout.Supernodal is not null) return;
        int size = Layout.RestSize;
        for (int r = 0; r < size; r++)
            for (int s = 0; s < r; s++)
                Rest[s * size + r] = Rest[r * size + s];
    }

    // Each block's pattern positions per rest term (the layout's per-row positions are those of rows it holds).
    private int[][]? blockPositions;

    /// <summary>Adds one partition's sums of the rest (the supernodal storage, or a packed lower triangle) into
    /// <see cref="Rest"/>.</summary>
    private void AddPartial(ReadOnlySpan<double> partial)
    {
        if (Layout.Supernodal is not null)
        {
            for (int e = 0; e < partial.Length; e++) Rest[e] += partial[e];
            return;
        }
        int size = Layout.RestSize;
        for (int r = 0, at = 0; r < size; r++)
        {
            var row = Rest.AsSpan(r * size, r + 1);
            var add = partial.Slice(at, r + 1);
            for (int s = 0; s <= r; s++) row[s] += add[s];
            at += r + 1;
        }
    }

    /// <summary>Clears the first term's blocks and <see cref="FirstRest"/> entries of levels
    /// <paramref name="levelStart"/> .. levelEnd−1 (contiguous ranges of both).</summary>
    private void ClearLevels(int levelStart, int levelEnd)
    {
        int k1 = Layout.First.ColumnCount;
        var patternStart = Layout.PatternStart;
        FirstBlocks.AsSpan(levelStart * k1 * k1, (levelEnd - levelStart) * k1 * k1).Clear();
        FirstRest.AsSpan(patternStart[levelStart] * k1, (patternStart[levelEnd] - patternStart[levelStart]) * k1).Clear();
    }

    /// <summary>The row data of one pass, as pointers so that parallel workers can share them (the caller pins them).</summary>
    private readonly unsafe struct RowData(double* x, int xLength, double* response, int responseLength, double* weights, int weightsLength)
    {
        public ReadOnlySpan<double> X => new(x, xLength);
        public ReadOnlySpan<double> Response => new(response, responseLength);
        public ReadOnlySpan<double> Weights => new(weights, weightsLength);
    }

    /// <summary>Adds rows <paramref name="rowStart"/> .. rowEnd−1 whose first-term level lies in
    /// [<paramref name="levelStart"/>, <paramref name="levelEnd"/>). <paramref name="rest"/> is the dense block
    /// (row-major, lower triangle) or, when <paramref name="packed"/>, its lower triangle packed by rows.</summary>
    private void AccumulateRows(RowData rows, IReadOnlyList<RandomEffectsDesign> rowTerms, int[][] patternPositions, int rowStart,
        int rowEnd, int levelStart, int levelEnd, Span<double> rest, bool packed, CancellationToken cancellation)
    {
        var layout = Layout;
        var first = rowTerms[0];
        var x = rows.X;
        var response = rows.Response;
        var weights = rows.Weights;
        int k1 = first.ColumnCount, p = layout.FixedEffectCount, size = layout.RestSize;
        var terms = rowTerms;
        var firstLevels = first.LevelOfRow;
        var firstZ = first.Z;
        var firstBlocks = FirstBlocks;
        var firstRest = FirstRest;
        var restPosition = new int[restEntriesPerRow];
        var restIndex = new int[restEntriesPerRow];
        var restValue = new double[restEntriesPerRow];
        var sparse = layout.Supernodal;
        var columnShift = Scaling.ColumnShift;
        var columnScale = Scaling.ColumnScale;
        double responseShift = Scaling.ResponseShift, responseScale = Scaling.ResponseScale;
        var rowOffset = new int[sparse is null ? size : 0];
        for (int r = 0; r < rowOffset.Length; r++) rowOffset[r] = packed ? r * (r + 1) / 2 : r * size;
        bool allLevels = levelStart == 0 && levelEnd == first.LevelCount;
        for (int i = rowStart; i < rowEnd; i++)
        {
            if ((i & (RowsBetweenCancellationChecks - 1)) == 0 && cancellation.IsCancellationRequested) return;
            int level = firstLevels[i];
            if (!allLevels && (level < levelStart || level >= levelEnd)) continue;
            double weight = weights.IsEmpty ? 1.0 : weights[i];
            var z1 = firstZ.AsSpan(i * k1, k1);
            var block = firstBlocks.AsSpan(level * k1 * k1, k1 * k1);
            for (int a = 0; a < k1; a++)
                for (int b = 0; b < k1; b++)
                    block[a * k1 + b] += weight * z1[a] * z1[b];

            int count = 0;
            for (int t = 1; t < terms.Count; t++)
            {
                var term = terms[t];
                int k = term.ColumnCount, termLevel = term.LevelOfRow[i];
                int position = patternPositions[t][i];
                for (int c = 0; c < k; c++)
                {
                    restPosition[count] = position + c;
                    restIndex[count] = layout.RestTermOffset[t] + termLevel * k + c;
                    restValue[count++] = term.Z[i * k + c];
                }
            }
            int randomCount = count;
            int tailPosition = layout.PatternStart[level + 1] - p - 1;
            for (int c = 0; c < p; c++)
            {
                restPosition[count] = tailPosition + c;
                restIndex[count] = layout.FixedOffset + c;
                restValue[count++] = (x[i * p + c] - columnShift[c]) * columnScale[c];
            }
            restPosition[count] = tailPosition + p;
            restIndex[count] = layout.ResponseIndex;
            restValue[count++] = (response[i] - responseShift) * responseScale;

            for (int e = 0; e < count; e++)
            {
                double value = weight * restValue[e];
                var target = firstRest.AsSpan(restPosition[e] * k1, k1);
                for (int c = 0; c < k1; c++) target[c] += value * z1[c];
                if (sparse is null)
                {
                    int offset = rowOffset[restIndex[e]];
                    for (int f = 0; f <= e; f++) rest[offset + restIndex[f]] += value * restValue[f];
                }
                else AddSparse(sparse, rest, e, value, level, randomCount, restPosition, restIndex, restValue);
            }
        }
    }

    /// <summary>Adds entry e's products with entries 0..e of one row into the supernodal storage: random-effects pairs
    /// through the first-term level's pattern pairs, a random effect against the tail in its column's tail rows, the
    /// tail against itself in the dense tail block. A level's own block gets its upper triangle too (see
    /// <see cref="Rest"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddSparse(SupernodalRestLayout sparse, Span<double> rest, int e, double value, int level, int randomCount,
        int[] restPosition, int[] restIndex, double[] restValue)
    {
        int patternStart = Layout.PatternStart[level];
        if (e < randomCount)
        {
            int local = restPosition[e] - patternStart;
            int pairs = sparse.LevelPairStart[level] + local * (local + 1) / 2;
            int term = Layout.RestRowTerm[restIndex[e]];
            for (int f = 0; f <= e; f++)
            {
                double product = value * restValue[f];
                int position = sparse.PairPosition[pairs + restPosition[f] - patternStart];
                rest[position] += product;
                // The mirror of an entry of the level's own block: the level's columns are consecutive in its supernode.
                if (f != e && Layout.RestRowTerm[restIndex[f]] == term)
                    rest[position - (restIndex[e] - restIndex[f]) * (sparse.ColumnStride[restIndex[e]] - 1)] += product;
            }
            return;
        }
        int a = e - randomCount, tail = sparse.TailSize;
        for (int f = 0; f < randomCount; f++)
        {
            int row = restIndex[f];
            rest[sparse.TailPosition[row] + a * sparse.ColumnStride[row]] += value * restValue[f];
        }
        int tailRow = sparse.TailStart + a * tail - randomCount;
        for (int f = randomCount; f <= e; f++) rest[tailRow + f] += value * restValue[f];
    }

    /// <summary>A partition of a parallel pass: the first-term levels it owns and the span of rows that holds them.</summary>
    private readonly record struct RowPartition(int LevelStart, int LevelEnd, int RowStart, int RowEnd);

    /// <summary>Whether a pass over this layout's rows runs in partitions (see <see cref="Partitions"/>).</summary>
    private bool Partitioned()
    {
        var layout = Layout;
        int n = layout.RowCount, q1 = layout.First.LevelCount, size = layout.RestSize;
        // The partial sums of the dense block cost memory and a merge: worth it only when they are small beside
        // the rows.
        long partialLength = (PartitionCount - 1L) * (layout.Supernodal is null ? (long)size * (size + 1) / 2 : Rest.Length);
        return !(n < ParallelRowThreshold || q1 < PartitionCount || partialLength > n
            || partialLength * sizeof(double) > MaxPartialBytes || layout.Threads.Degree == 1);
    }

    /// <summary>Level ranges holding about n / <see cref="PartitionCount"/> rows each (PartitionCount + 1 starts).</summary>
    private int[] LevelStarts(int[] rowsOfLevel)
    {
        int n = Layout.RowCount, q1 = Layout.First.LevelCount;
        var levelStart = new int[PartitionCount + 1];
        levelStart[PartitionCount] = q1;
        long cumulative = 0;
        for (int level = 0, k = 1; level < q1 && k < PartitionCount; level++)
        {
            cumulative += rowsOfLevel[level];
            while (k < PartitionCount && cumulative * PartitionCount >= (long)k * n) levelStart[k++] = level + 1;
        }
        return levelStart;
    }

    /// <summary>The non-empty level ranges of the partitions for rows with <paramref name="rowsOfLevel"/> rows per
    /// first-term level, or null when a pass would be sequential (as <see cref="Partitions"/> decides).</summary>
    private (int Start, int End)[]? PartitionLevels(int[] rowsOfLevel)
    {
        if (!Partitioned()) return null;
        var levelStart = LevelStarts(rowsOfLevel);
        var ranges = Enumerable.Range(0, PartitionCount).Where(k => levelStart[k] < levelStart[k + 1])
            .Select(k => (levelStart[k], levelStart[k + 1])).ToArray();
        return ranges.Length > 1 ? ranges : null;
    }

    /// <summary>The partitions for this layout (computed once), or null for a sequential pass.</summary>
    private RowPartition[]? Partitions()
    {
        if (partitions is not null) return partitions.Length == 0 ? null : partitions;
        var layout = Layout;
        int n = layout.RowCount, q1 = layout.First.LevelCount;
        if (!Partitioned())
        {
            partitions = [];
            return null;
        }

        var levels = layout.First.LevelOfRow;
        var rowsOfLevel = new int[q1];
        for (int i = 0; i < n; i++) rowsOfLevel[levels[i]]++;
        var levelStart = LevelStarts(rowsOfLevel);

        // The span of rows of each partition (all rows when the data are not grouped by the first term).
        var rowStart = new int[PartitionCount];
        var rowEnd = new int[PartitionCount];
        Array.Fill(rowStart, n);
        for (int i = 0; i < n; i++)
        {
            int level = levels[i], k = 0;
            while (level >= levelStart[k + 1]) k++;
            if (i < rowStart[k]) rowStart[k] = i;
            rowEnd[k] = i + 1;
        }
        var result = new List<RowPartition>();
        for (int k = 0; k < PartitionCount; k++)
            if (levelStart[k] < levelStart[k + 1])
                result.Add(new RowPartition(levelStart[k], levelStart[k + 1], Math.Min(rowStart[k], rowEnd[k]), rowEnd[k]));
        partitions = result.Count > 1 ? result.ToArray() : [];
        return partitions.Length == 0 ? null : partitions;
    }
}
