using SparseLmm.Design;
using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The symbolic structure of the cross-product matrix of [Z X y], computed once per model.
/// <para>Random-effects terms are ordered by number of levels, largest first. The first term's block of Z'Z is block
/// diagonal (one k×k block per level), so its Cholesky factor needs no fill-reducing ordering and its off-diagonal block
/// keeps the sparsity of the data: for each level of the first term, the "pattern" lists the rows of the rest
/// (the other terms' random effects, then X, then y) that co-occur with it. Everything after the first term is "the
/// rest", whose storage (one dense block, or a supernodal sparse factor) <see cref="RestStructure"/> chooses from the
/// data.</para></summary>
internal sealed class CrossProductLayout
{
    /// <summary>Builds the layout for <paramref name="terms"/> (already ordered largest first) and p fixed effects.</summary>
    public CrossProductLayout(IReadOnlyList<RandomEffectsDesign> terms, int fixedEffectCount, int rowCount,
        RestStorage storage = RestStorage.Automatic, ThreadBudget? threads = null)
        : this(terms, fixedEffectCount, rowCount, null, null, storage, threads)
    {
    }

    /// <summary>Builds the layout from the co-occurring level pairs instead of the rows, for cross-products streamed
    /// from a source whose rows are not kept (the terms have no rows; <see cref="RowPatternPosition"/> is empty).</summary>
    /// <param name="terms">The terms, largest first, without rows.</param>
    /// <param name="fixedEffectCount">p.</param>
    /// <param name="rowCount">n.</param>
    /// <param name="pairs">For each term t ≥ 1 (entry 0 unused): the first term's levels' ranges (q₁ + 1 entries) into
    /// the ascending, distinct levels of term t that share a row with them.</param>
    /// <param name="nested">Which terms are nested in which, as <see cref="RestStructure.NestedTerms"/>.</param>
    /// <param name="storage">The rest's storage.</param>
    /// <param name="threads">The fit's threads.</param>
    internal CrossProductLayout(IReadOnlyList<RandomEffectsDesign> terms, int fixedEffectCount, int rowCount,
        (int[] Range, int[] Levels)[]? pairs, IReadOnlyList<(int Inner, int Outer)>? nested, RestStorage storage,
        ThreadBudget? threads)
    {
        Threads = threads ?? new ThreadBudget();
        Terms = terms;
        First = terms[0];
        FixedEffectCount = fixedEffectCount;
        RowCount = rowCount;
        RestTermOffset = new int[terms.Count];
        int offset = 0;
        for (int t = 1; t < terms.Count; t++)
        {
            RestTermOffset[t] = offset;
            offset += terms[t].Size;
        }
        RestRandomSize = offset;
        RestSize = offset + fixedEffectCount + 1;
        (PatternStart, PatternRow, RowPatternPosition) = BuildPatterns(pairs);
        MaxPatternLength = 0;
        for (int level = 0; level < First.LevelCount; level++)
            MaxPatternLength = Math.Max(MaxPatternLength, PatternStart[level + 1] - PatternStart[level]);
        EntryLevelStart = new int[PatternRow.Length];
        for (int level = 0; level < First.LevelCount; level++)
            EntryLevelStart.AsSpan(PatternStart[level], PatternStart[level + 1] - PatternStart[level]).Fill(PatternStart[level]);
        RestRowTerm = new int[RestRandomSize];
        for (int t = 1; t < terms.Count; t++)
            RestRowTerm.AsSpan(RestTermOffset[t], terms[t].Size).Fill(t);
        Structure = RestStructure.Choose(this, storage, nested);
        if (Structure.Supernodal is { } supernodal) Supernodal = new SupernodalRestLayout(this, supernodal);
    }

    /// <summary>How the rest is stored and factored.</summary>
    public RestStructure Structure { get; }

    /// <summary>The rest's positions in the supernodal factor, or null when the rest is one dense block.</summary>
    public SupernodalRestLayout? Supernodal { get; }

    /// <summary>Values of the rest's cross-products (and of its factor) in the chosen storage.</summary>
    public long RestValueCount => Supernodal?.Structure.ValueCount ?? (long)RestSize * RestSize;


    /// <summary>How many threads the fit's parallel kernels may use.</summary>
    public ThreadBudget Threads { get; }

    /// <summary>Random-effects terms, largest first.</summary>
    public IReadOnlyList<RandomEffectsDesign> Terms { get; }

    /// <summary>The term with the most levels, whose block is block diagonal.</summary>
    public RandomEffectsDesign First { get; }

    /// <summary>Number of fixed effects (p).</summary>
    public int FixedEffectCount { get; }

    /// <summary>Number of rows (n).</summary>
    public int RowCount { get; }

    /// <summary>For terms 1.., where their random effects start among the rest's rows.</summary>
    public int[] RestTermOffset { get; }

    /// <summary>For each rest row that belongs to a random-effects term, which term.</summary>
    public int[] RestRowTerm { get; }

    /// <summary>Rest rows that are random effects (terms after the first).</summary>
    public int RestRandomSize { get; }

    /// <summary>Order of the dense rest block: other terms' random effects, p fixed effects, and the response.</summary>
    public int RestSize { get; }

    /// <summary>Index of the first fixed-effect row in the rest.</summary>
    public int FixedOffset => RestRandomSize;

    /// <summary>Index of the response row in the rest (its last row).</summary>
    public int ResponseIndex => RestSize - 1;

    /// <summary>Level l's pattern entries are <c>PatternStart[l] .. PatternStart[l+1]−1</c>.</summary>
    public int[] PatternStart { get; }

    /// <summary>For each pattern entry, the rest row it refers to (ascending within a level).</summary>
    public int[] PatternRow { get; }

    /// <summary>For rest term t ≥ 1 and data row i, the pattern entry of the first column of row i's level of term t,
    /// so the one-pass accumulation needs no search.</summary>
    public int[][] RowPatternPosition { get; }

    /// <summary>For each pattern entry, where its level's pattern starts.</summary>
    public int[] EntryLevelStart { get; }

    /// <summary>The longest pattern, for sizing workspaces.</summary>
    public int MaxPatternLength { get; }

    private (int[] Start, int[] Row, int[][] RowPosition) BuildPatterns((int[] Range, int[] Levels)[]? given)
    {
        int q1 = First.LevelCount, n = RowCount, tail = FixedEffectCount + 1;
        var firstLevels = First.LevelOfRow;
        // For each rest term, the distinct (first level, this level) pairs in order: that is the pattern in order.
        // pairLevels[t][pair] is the term's level of a pair; the pairs of first level l are levelRangeByTerm[t][l] ..
        var pairLevels = new int[Terms.Count][];
        var levelRangeByTerm = new int[Terms.Count][];
        if (given is not null)
        {
            for (int t = 1; t < Terms.Count; t++) (levelRangeByTerm[t], pairLevels[t]) = given[t];
            var (patternStart, patternRow, _) = PatternsFromPairs(pairLevels, levelRangeByTerm);
            return (patternStart, patternRow, new int[Terms.Count][]);
        }
        // The rows of each first-term level (a counting sort), shared by the rest terms.
        var rowStart = new int[q1 + 1];
        for (int i = 0; i < n; i++) rowStart[firstLevels[i] + 1]++;
        for (int l = 0; l < q1; l++) rowStart[l + 1] += rowStart[l];

        var next = Terms.Count > 1 ? new int[q1] : [];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads.Degree };
        for (int t = 1; t < Terms.Count; t++)
        {
            var levelsOfTerm = Terms[t].LevelOfRow;
            var grouped = new int[n];
            rowStart.AsSpan(0, q1).CopyTo(next);
            for (int i = 0; i < n; i++) grouped[next[firstLevels[i]]++] = levelsOfTerm[i];
            if (n >= 1 << 16) Parallel.For(0, q1, parallel, l => grouped.AsSpan(rowStart[l], rowStart[l + 1] - rowStart[l]).Sort());
            else for (int l = 0; l < q1; l++) grouped.AsSpan(rowStart[l], rowStart[l + 1] - rowStart[l]).Sort();
            // Drop repeats, compacting in place (the write position never passes the read position).
            var range = new int[q1 + 1];
            int unique = 0;
            for (int l = 0; l < q1; l++)
            {
                range[l] = unique;
                int levelUnique = unique;
                for (int r = rowStart[l]; r < rowStart[l + 1]; r++)
                    if (unique == levelUnique || grouped[r] != grouped[unique - 1]) grouped[unique++] = grouped[r];
            }
            range[q1] = unique;
            pairLevels[t] = grouped;
            levelRangeByTerm[t] = range;
        }

        var (start, rows, termStartInPattern) = PatternsFromPairs(pairLevels, levelRangeByTerm);
        var rowPosition = new int[Terms.Count][];
        for (int t = 1; t < Terms.Count; t++)
        {
            var positions = new int[n];
            var pairs = pairLevels[t];
            var range = levelRangeByTerm[t];
            var startOfTerm = termStartInPattern[t];
            var levelsOfTerm = Terms[t].LevelOfRow;
            int k = Terms[t].ColumnCount;
            void Fill(int from, int to)
            {
                for (int i = from; i < to; i++)
                {
                    int l = firstLevels[i];
                    int pair = pairs.AsSpan(range[l], range[l + 1] - range[l]).BinarySearch(levelsOfTerm[i]);
                    positions[i] = startOfTerm[l] + pair * k;
                }
            }
            const int block = 1 << 16;
            if (n >= 2 * block) Parallel.For(0, (n + block - 1) / block, parallel, b => Fill(b * block, Math.Min(n, (b + 1) * block)));
            else Fill(0, n);
            rowPosition[t] = positions;
        }
        return (start, rows, rowPosition);
    }

    /// <summary>The pattern (each first-term level's rest rows, in order) from the distinct level pairs of each rest
    /// term, and where each term's entries start in each level's pattern.</summary>
    private (int[] Start, int[] Row, int[][] TermStartInPattern) PatternsFromPairs(int[][] pairLevels, int[][] levelRangeByTerm)
    {
        int q1 = First.LevelCount, tail = FixedEffectCount + 1;
        var start = new int[q1 + 1];
        for (int l = 0; l < q1; l++)
        {
            int length = tail;
            for (int t = 1; t < Terms.Count; t++)
                length += (levelRangeByTerm[t][l + 1] - levelRangeByTerm[t][l]) * Terms[t].ColumnCount;
            start[l + 1] = start[l] + length;
        }

        var rows = new int[start[q1]];
        var termStartInPattern = new int[Terms.Count][];
        for (int t = 1; t < Terms.Count; t++) termStartInPattern[t] = new int[q1];
        for (int l = 0; l < q1; l++)
        {
            int entry = start[l];
            for (int t = 1; t < Terms.Count; t++)
            {
                termStartInPattern[t][l] = entry;
                int k = Terms[t].ColumnCount;
                for (int pair = levelRangeByTerm[t][l]; pair < levelRangeByTerm[t][l + 1]; pair++)
                {
                    int level = pairLevels[t][pair];
                    for (int c = 0; c < k; c++) rows[entry++] = RestTermOffset[t] + level * k + c;
                }
            }
            for (int c = 0; c < tail; c++) rows[entry++] = RestRandomSize + c;
        }
        return (start, rows, termStartInPattern);
    }
}
