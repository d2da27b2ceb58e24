using SparseLmm.Design;
using SparseLmm.Numerics.Sparse;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>How the rest (the random effects of the terms after the first, then X and y) is stored and factored,
/// chosen once per model from the data (the symbolic phase).
/// <para>Eliminating the first term's levels couples the rest levels that share one of its levels: the graph of the
/// rest is the union of one clique per first-term level. When later factors are nested (classes in schools) that
/// graph is a forest and the factor has no fill; when they are partially crossed (pupils' primary × secondary school)
/// it is sparse with some fill; when they are crossed (InstEval's lecturers) it fills in. The graph is ordered to
/// reduce fill and analysed; the sparse supernodal factor is used when it costs clearly less than one dense block in
/// flops and memory, otherwise the dense block, whose kernels run several times faster per flop.</para></summary>
internal sealed class RestStructure
{
    // Rest blocks this small are factored densely without analysis: the dense kernels are fastest there.
    private const int DenseWithoutAnalysis = 64;
    // More raw co-occurring pairs than this (before removing repeats) means a graph too dense to be worth building
    // when the dense block fits.
    private const long RawPairLimit = 16_000_000;
    // Up to this many level nodes, distinct edges are counted in a bit matrix (at most 50 MB) with an early exit.
    private const int BitsetNodeLimit = 20_000;
    // The dense kernels' advantage per flop over small supernodes: the dense factor of the crossed 1M benchmark runs at
    // about 90 GFLOP/s on two AVX2 cores, the supernodal one on nested data at a few GFLOP/s (dot products of short rows).
    private const double DenseSpeedAdvantage = 8;
    // A dense block larger than this is not stored, however the sparse factor compares.
    private const long DenseByteLimit = 2L << 30;

    private RestStructure(SupernodalStructure? supernodal, FactorStructure description, IReadOnlyList<(int Inner, int Outer)> nested)
    {
        Supernodal = supernodal;
        Description = description;
        NestedTerms = nested;
    }

    /// <summary>Pairs of terms (inner, outer) whose grouping factors are nested, in the layout's term order.</summary>
    public IReadOnlyList<(int Inner, int Outer)> NestedTerms { get; }

    /// <summary>The sparse factor's structure, or null for the dense block.</summary>
    public SupernodalStructure? Supernodal { get; }

    /// <summary>What was chosen, for the fit's timing record.</summary>
    public FactorStructure Description { get; }

    /// <summary>Chooses the structure for <paramref name="layout"/> (or takes the one <paramref name="storage"/> asks
    /// for, which tests use to hold the two against each other).</summary>
    /// <param name="layout">The layout.</param>
    /// <param name="storage">The storage asked for.</param>
    /// <param name="nestedTerms">The nested pairs when the terms have no rows to find them from (streamed data).</param>
    public static RestStructure Choose(CrossProductLayout layout, RestStorage storage = RestStorage.Automatic,
        IReadOnlyList<(int Inner, int Outer)>? nestedTerms = null)
    {
        var nested = nestedTerms ?? FindNestedTerms(layout.Terms);
        var nesting = nested.Select(pair => $"{layout.Terms[pair.Inner].GroupName} in {layout.Terms[pair.Outer].GroupName}")
            .Distinct().ToList();
        int randomSize = layout.RestRandomSize, tail = layout.FixedEffectCount + 1;
        double denseFlops = Math.Pow(layout.RestSize, 3) / 3;
        long denseValues = (long)layout.RestSize * layout.RestSize;
        long denseBytes = RestMemory.DenseBytes(layout.RestSize, randomSize);
        RestStructure Dense()
        {
            RestMemory.Require(denseBytes, layout, $"one dense block of {layout.RestSize:N0}²");
            return new(null, new FactorStructure(randomSize == 0 ? "none" : "dense", randomSize, denseValues, 0, denseFlops, nesting), nested);
        }
        bool forced = storage == RestStorage.Supernodal && randomSize > 0;
        if (storage == RestStorage.Dense || (!forced && randomSize <= DenseWithoutAnalysis)) return Dense();
        bool denseFits = !forced && denseValues * sizeof(double) <= DenseByteLimit;
        var (nodeTerm, nodeStart, nodeOfRow) = Nodes(layout);
        int nodes = nodeTerm.Length;
        // A graph a tenth full before any fill will fill in: not worth analysing.
        long denseEdges = (long)(0.1 * nodes * (nodes - 1.0) / 2);
        // The raw pair count bounds the distinct edges: when even it is below the limit (nested designs), the bit
        // matrix is not needed.
        long rawPairs = RawPairs(layout);
        bool mayBeDense = rawPairs > denseEdges;
        if (denseFits && mayBeDense && (nodes <= BitsetNodeLimit ? EdgesExceed(layout, nodeOfRow, nodes, denseEdges) : rawPairs > RawPairLimit))
            return Dense();

        var (adjacencyStart, adjacency) = LevelGraph(layout, nodeOfRow, nodes);
        if (denseFits && adjacency.Length / 2 > denseEdges) return Dense();

        var nodeOrder = FillReducingOrder(nodes, adjacencyStart, adjacency);
        var (columnStart, columnAdjacency, columnOrder) = ExpandToColumns(layout, nodeTerm, nodeStart, adjacencyStart, adjacency, nodeOrder);
        var structure = SupernodalStructure.Analyse(randomSize, columnStart, columnAdjacency, columnOrder, tail);
        bool sparseWins = structure.FactorFlops * DenseSpeedAdvantage < denseFlops && structure.ValueCount * 2 < denseValues;
        if (denseFits && !sparseWins) return Dense();
        long sparseBytes = RestMemory.SupernodalBytes(structure.ValueCount);
        // Past the dense block's size limit, the sparse factor is taken unless it needs more memory than the dense one.
        if (!forced && sparseBytes > denseBytes) return Dense();
        RestMemory.Require(sparseBytes, layout, $"a sparse factor of {structure.ValueCount:N0} values");
        return new RestStructure(structure, new FactorStructure("supernodal", randomSize, structure.ValueCount,
            structure.SupernodeCount - 1, structure.FactorFlops, nesting), nested);
    }

    /// <summary>The elimination order of the rest's levels: approximate minimum degree on the level graph (one node per
    /// level, so a vector term's columns stay together).</summary>
    private static int[] FillReducingOrder(int nodes, int[] adjacencyStart, int[] adjacency) =>
        ApproximateMinimumDegree.Order(nodes, adjacencyStart, adjacency);

    /// <summary>Σ over first-term levels of the pairs among their rest random effects: an upper bound on the edges.</summary>
    private static long RawPairs(CrossProductLayout layout)
    {
        long pairs = 0;
        int tail = layout.FixedEffectCount + 1;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            long random = layout.PatternStart[level + 1] - layout.PatternStart[level] - tail;
            pairs += random * (random - 1) / 2;
        }
        return pairs;
    }

    /// <summary>The rest's level nodes: one per level of each term after the first (a level's k columns are one node),
    /// the term of each node, where each term's nodes start, and the node of each rest row.</summary>
    private static (int[] NodeTerm, int[] NodeStart, int[] NodeOfRow) Nodes(CrossProductLayout layout)
    {
        var terms = layout.Terms;
        var nodeStart = new int[terms.Count + 1];
        for (int t = 1; t < terms.Count; t++) nodeStart[t + 1] = nodeStart[t] + terms[t].LevelCount;
        int nodes = nodeStart[terms.Count];
        var nodeTerm = new int[nodes];
        for (int t = 1; t < terms.Count; t++) nodeTerm.AsSpan(nodeStart[t], terms[t].LevelCount).Fill(t);
        var nodeOfRow = new int[layout.RestRandomSize];
        for (int t = 1; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            for (int r = 0; r < terms[t].Size; r++) nodeOfRow[layout.RestTermOffset[t] + r] = nodeStart[t] + r / k;
        }
        return (nodeTerm, nodeStart, nodeOfRow);
    }

    /// <summary>Level l's distinct rest nodes, in order, into <paramref name="clique"/>.</summary>
    private static void Clique(CrossProductLayout layout, int[] nodeOfRow, int level, List<int> clique)
    {
        clique.Clear();
        for (int e = layout.PatternStart[level]; e < layout.PatternStart[level + 1]; e++)
        {
            int row = layout.PatternRow[e];
            if (row >= layout.RestRandomSize) break;
            int node = nodeOfRow[row];
            if (clique.Count == 0 || clique[^1] != node) clique.Add(node);
        }
    }

    /// <summary>Whether the level graph has more than <paramref name="limit"/> distinct edges, counted in a bit matrix
    /// and stopped as soon as it does: for crossed factors (InstEval, a panel's sites) that is after a small part of
    /// the levels, so the check costs little beside the fit it chooses for.</summary>
    private static bool EdgesExceed(CrossProductLayout layout, int[] nodeOfRow, int nodes, long limit)
    {
        var seen = new ulong[((long)nodes * nodes + 63) / 64];
        var clique = new List<int>();
        long edges = 0;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            Clique(layout, nodeOfRow, level, clique);
            for (int a = 1; a < clique.Count; a++)
                for (int b = 0; b < a; b++)
                {
                    long bit = (long)clique[a] * nodes + clique[b];
                    ref ulong word = ref seen[bit >> 6];
                    ulong mask = 1UL << (int)(bit & 63);
                    if ((word & mask) != 0) continue;
                    word |= mask;
                    if (++edges > limit) return true;
                }
        }
        return false;
    }

    /// <summary>The graph of the rest's level nodes: two levels are adjacent when they share a first-term level,
    /// directly or through a row. Adjacency lists are distinct.</summary>
    private static (int[] AdjacencyStart, int[] Adjacency) LevelGraph(CrossProductLayout layout, int[] nodeOfRow, int nodes)
    {
        // Count, then fill, both directions of every clique pair; repeats are removed per node afterwards.
        var degree = new int[nodes + 1];
        var clique = new List<int>();
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            Clique(layout, nodeOfRow, level, clique);
            foreach (int node in clique) degree[node + 1] += clique.Count - 1;
        }
        for (int v = 0; v < nodes; v++) degree[v + 1] += degree[v];
        var raw = new int[degree[nodes]];
        var next = degree[..nodes];
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            Clique(layout, nodeOfRow, level, clique);
            foreach (int a in clique)
                foreach (int b in clique)
                    if (a != b) raw[next[a]++] = b;
        }
        var start = new int[nodes + 1];
        int count = 0;
        for (int v = 0; v < nodes; v++)
        {
            var list = raw.AsSpan(degree[v], degree[v + 1] - degree[v]);
            list.Sort();
            int begin = count;
            for (int e = 0; e < list.Length; e++)
                if (count == begin || list[e] != raw[count - 1]) raw[count++] = list[e];
            start[v + 1] = count;
        }
        return (start, raw[..count]);
    }

    /// <summary>The column graph and column order from the level graph and level order: a level's k columns are
    /// adjacent to each other and to every column of the adjacent levels, and stay consecutive in the order.</summary>
    private static (int[] Start, int[] Adjacency, int[] Order) ExpandToColumns(CrossProductLayout layout, int[] nodeTerm,
        int[] nodeStart, int[] adjacencyStart, int[] adjacency, int[] nodeOrder)
    {
        var terms = layout.Terms;
        int nodes = nodeTerm.Length;
        int FirstColumn(int node) => layout.RestTermOffset[nodeTerm[node]] + (node - nodeStart[nodeTerm[node]]) * terms[nodeTerm[node]].ColumnCount;
        int Width(int node) => terms[nodeTerm[node]].ColumnCount;

        int columns = layout.RestRandomSize;
        var start = new int[columns + 1];
        for (int v = 0; v < nodes; v++)
        {
            int width = Width(v), neighbours = width - 1;
            for (int e = adjacencyStart[v]; e < adjacencyStart[v + 1]; e++) neighbours += Width(adjacency[e]);
            for (int c = 0; c < width; c++) start[FirstColumn(v) + c + 1] = neighbours;
        }
        for (int c = 0; c < columns; c++) start[c + 1] += start[c];
        var result = new int[start[columns]];
        for (int v = 0; v < nodes; v++)
        {
            int first = FirstColumn(v), width = Width(v);
            for (int c = 0; c < width; c++)
            {
                int at = start[first + c];
                for (int other = 0; other < width; other++)
                    if (other != c) result[at++] = first + other;
                for (int e = adjacencyStart[v]; e < adjacencyStart[v + 1]; e++)
                {
                    int neighbour = adjacency[e], neighbourFirst = FirstColumn(neighbour);
                    for (int d = 0; d < Width(neighbour); d++) result[at++] = neighbourFirst + d;
                }
            }
        }
        var order = new int[columns];
        int position = 0;
        foreach (int node in nodeOrder)
            for (int c = 0; c < Width(node); c++) order[position++] = FirstColumn(node) + c;
        return (start, result, order);
    }

    /// <summary>For each pair of terms with distinct grouping factors, whether the one with more levels is nested in
    /// the other (each of its levels occurs with one level of the other only): one pass over the level codes per pair
    /// of factors. Pairs are (inner term, outer term), in the layout's term order.</summary>
    private static IReadOnlyList<(int Inner, int Outer)> FindNestedTerms(IReadOnlyList<RandomEffectsDesign> terms)
    {
        var found = new List<(int, int)>();
        var cache = new Dictionary<(string, string), bool>();
        for (int a = 0; a < terms.Count; a++)
            for (int b = 0; b < terms.Count; b++)
            {
                var inner = terms[a];
                var outer = terms[b];
                if (inner.GroupName == outer.GroupName || inner.LevelCount < outer.LevelCount
                    || (inner.LevelCount == outer.LevelCount && a > b)) continue;
                var key = (inner.GroupName, outer.GroupName);
                if (!cache.TryGetValue(key, out bool nested))
                    cache[key] = nested = IsNested(inner.LevelOfRow, inner.LevelCount, outer.LevelOfRow);
                if (nested) found.Add((a, b));
            }
        return found;
    }

    private static bool IsNested(int[] inner, int innerLevels, int[] outer)
    {
        var owner = new int[innerLevels];
        Array.Fill(owner, -1);
        for (int i = 0; i < inner.Length; i++)
        {
            ref int slot = ref owner[inner[i]];
            if (slot == -1) slot = outer[i];
            else if (slot != outer[i]) return false;
        }
        return true;
    }
}
