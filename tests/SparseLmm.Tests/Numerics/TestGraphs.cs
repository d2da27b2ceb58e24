namespace SparseLmm.Tests.Numerics;

/// <summary>A symmetric graph in the adjacency form <see cref="SparseLmm.Numerics.Sparse.ApproximateMinimumDegree"/>
/// takes, and the families the ordering tests use.</summary>
internal sealed record TestGraph(int N, int[] Start, int[] Adjacency)
{
    /// <summary>Number of distinct edges (nnz of the strict lower triangle).</summary>
    public long EdgeCount
    {
        get
        {
            long edges = 0;
            for (int i = 0; i < N; i++)
                edges += Adjacency[Start[i]..Start[i + 1]].Where(j => j < i).Distinct().Count();
            return edges;
        }
    }

    /// <summary>Each edge once, as listed from its larger end.</summary>
    public IEnumerable<(int A, int B)> EdgesOf()
    {
        for (int i = 0; i < N; i++)
            for (int entry = Start[i]; entry < Start[i + 1]; entry++)
                if (Adjacency[entry] < i) yield return (i, Adjacency[entry]);
    }

    /// <summary>Both directions of every pair listed (a pair listed twice gives a duplicate entry; self pairs dropped).</summary>
    public static TestGraph FromEdges(int n, IEnumerable<(int A, int B)> edges)
    {
        var lists = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        foreach (var (a, b) in edges)
        {
            if (a == b) continue;
            lists[a].Add(b);
            lists[b].Add(a);
        }
        var start = new int[n + 1];
        for (int i = 0; i < n; i++) start[i + 1] = start[i] + lists[i].Count;
        return new TestGraph(n, start, lists.SelectMany(l => l).ToArray());
    }

    /// <summary>The k × k five-point grid, numbered row by row.</summary>
    public static TestGraph Grid(int k)
    {
        var edges = new List<(int, int)>();
        for (int row = 0; row < k; row++)
            for (int column = 0; column < k; column++)
            {
                int node = row * k + column;
                if (column + 1 < k) edges.Add((node, node + 1));
                if (row + 1 < k) edges.Add((node, node + k));
            }
        return FromEdges(k * k, edges);
    }

    /// <summary>Random pairs (duplicates likely when dense), some nodes left isolated.</summary>
    public static TestGraph Random(int n, int edgeCount, int seed)
    {
        var random = new Random(seed);
        var edges = new List<(int, int)>();
        for (int e = 0; e < edgeCount && n > 1; e++) edges.Add((random.Next(n), random.Next(n)));
        return FromEdges(n, edges);
    }

    public static TestGraph Star(int leaves) => FromEdges(leaves + 1, Enumerable.Range(1, leaves).Select(leaf => (0, leaf)));

    public static TestGraph Clique(int n)
    {
        var edges = new List<(int, int)>();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) edges.Add((i, j));
        return FromEdges(n, edges);
    }

    /// <summary>Levels of nested grouping factors (students in classes in schools, and deeper), numbered in a shuffled
    /// order: a level co-occurs with all its ancestors, so every root-to-leaf path is a clique and the graph is a
    /// forest of cliques with a no-fill ordering (chordal). <paramref name="roots"/> top levels, each level below with
    /// 1 to <paramref name="maxChildren"/> children, <paramref name="depth"/> levels in all.</summary>
    public static TestGraph NestedHierarchy(int roots, int depth, int maxChildren, int seed)
    {
        var random = new Random(seed);
        var edges = new List<(int, int)>();
        int n = 0;
        // Depth-first without recursion: each entry is a level still to create, with the parent it hangs from.
        var pending = new Stack<(int Parent, int Depth)>();
        var parentOf = new List<int>();
        for (int r = 0; r < roots; r++) pending.Push((-1, 0));
        while (pending.Count > 0)
        {
            var (parent, level) = pending.Pop();
            int node = n++;
            parentOf.Add(parent);
            for (int a = parent; a >= 0; a = parentOf[a]) edges.Add((node, a));
            if (level + 1 < depth)
                for (int c = random.Next(1, maxChildren + 1); c > 0; c--) pending.Push((node, level + 1));
        }
        return Relabel(n, edges, random);
    }

    /// <summary>The same graph with the nodes renamed by a random permutation, so that an ordering cannot profit from
    /// the order the nodes were generated in.</summary>
    public static TestGraph Relabel(int n, List<(int A, int B)> edges, Random random)
    {
        var name = Enumerable.Range(0, n).ToArray();
        random.Shuffle(name);
        return FromEdges(n, edges.Select(e => (name[e.A], name[e.B])));
    }

    /// <summary>Nested dissection of the row-by-row k × k grid: order the two halves on either side of a middle row or
    /// column (whichever is longer to cut), then the separator. The textbook ordering AMD should come close to.</summary>
    public static int[] GridNestedDissection(int k)
    {
        var order = new List<int>();
        var pending = new Stack<(int Row, int Column, int Rows, int Columns, bool Separator)>();
        pending.Push((0, 0, k, k, false));
        while (pending.Count > 0)
        {
            var (row, column, rows, columns, separator) = pending.Pop();
            if (separator || rows * columns <= 4)
            {
                for (int r = row; r < row + rows; r++)
                    for (int c = column; c < column + columns; c++) order.Add(r * k + c);
                continue;
            }
            if (rows >= columns)
            {
                int middle = row + rows / 2;
                pending.Push((middle, column, 1, columns, true));
                pending.Push((middle + 1, column, row + rows - middle - 1, columns, false));
                pending.Push((row, column, middle - row, columns, false));
            }
            else
            {
                int middle = column + columns / 2;
                pending.Push((row, middle, rows, 1, true));
                pending.Push((row, middle + 1, rows, column + columns - middle - 1, false));
                pending.Push((row, column, rows, middle - column, false));
            }
        }
        return order.ToArray();
    }
}
