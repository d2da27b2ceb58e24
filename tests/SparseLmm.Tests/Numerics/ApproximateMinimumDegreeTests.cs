using FsCheck;
using FsCheck.Xunit;
using Xunit.Abstractions;
using SparseLmm.Numerics.Sparse;

namespace SparseLmm.Tests.Numerics;

/// <summary>The approximate minimum degree ordering returns a permutation on any graph, cuts the fill of grids and
/// random graphs, finds the no-fill ordering of nested hierarchies and orders dense nodes last; the symbolic analysis
/// it is judged by (the supernodal factor's) agrees with a brute-force elimination.</summary>
public class ApproximateMinimumDegreeTests(ITestOutputHelper output)
{
    private static int[] Order(TestGraph graph) => ApproximateMinimumDegree.Order(graph.N, graph.Start, graph.Adjacency);

    // nnz(L) by the engine's own symbolic analysis (fundamental supernodes count exactly the factor's nonzeros; the
    // postorder it applies keeps the fill of the given order).
    private static long Fill(TestGraph graph, int[] perm) =>
        SupernodalStructure.Analyse(graph.N, graph.Start, graph.Adjacency, perm, tailSize: 0).FactorNonzeros;

    private static int[] Natural(int n) => Enumerable.Range(0, n).ToArray();

    private static bool IsPermutation(int[] perm, int n) => perm.Length == n && perm.Order().SequenceEqual(Enumerable.Range(0, n));

    /// <summary>nnz(L) when the ordering has no fill: the graph's lower triangle plus the diagonal.</summary>
    private static long NoFill(TestGraph graph) => graph.EdgeCount + graph.N;

    /// <summary>Shapes drawn by the properties: random sparse, random dense with many duplicates, star, clique,
    /// isolated nodes only, and a mixture of a clique and a random part.</summary>
    private static TestGraph Shape(int shape, int n, int seed) => (n == 0 ? 4 : shape % 6) switch
    {
        0 => TestGraph.Random(n, 2 * n, seed),
        1 => TestGraph.Random(n, 4 * n * n, seed),
        2 => TestGraph.Star(n - 1),
        3 => TestGraph.Clique(n),
        4 => TestGraph.FromEdges(n, []),
        _ => TestGraph.FromEdges(n, TestGraph.Random(n, 3 * n, seed).EdgesOf().Concat(TestGraph.Clique(n / 3).EdgesOf())),
    };

    [Property(MaxTest = 300)]
    public bool Order_is_a_permutation_for_random_graphs(byte shape, byte size, int seed)
    {
        int n = size % 120;
        var graph = Shape(shape, n, seed);
        return IsPermutation(Order(graph), n);
    }

    [Property(MaxTest = 100)]
    public bool Duplicate_entries_do_not_change_the_order(byte shape, byte size, int seed)
    {
        var graph = Shape(shape, size % 120, seed);
        // Every list followed by a second copy of itself.
        var start = new int[graph.N + 1];
        var doubled = new List<int>();
        for (int i = 0; i < graph.N; i++)
        {
            var list = graph.Adjacency[graph.Start[i]..graph.Start[i + 1]];
            doubled.AddRange(list);
            doubled.AddRange(list);
            start[i + 1] = doubled.Count;
        }
        return Order(graph).SequenceEqual(ApproximateMinimumDegree.Order(graph.N, start, doubled.ToArray()));
    }

    [Fact]
    public void Order_handles_the_smallest_graphs()
    {
        Assert.Empty(ApproximateMinimumDegree.Order(0, [0], []));
        Assert.Equal([0], ApproximateMinimumDegree.Order(1, [0, 0], []));
        Assert.True(IsPermutation(ApproximateMinimumDegree.Order(5, [0, 0, 0, 0, 0, 0], []), 5));
        // One edge listed three times from each side.
        Assert.True(IsPermutation(ApproximateMinimumDegree.Order(2, [0, 3, 6], [1, 1, 1, 0, 0, 0]), 2));
    }

    [Fact]
    public void Order_rejects_malformed_input()
    {
        Assert.Throws<ArgumentException>(() => ApproximateMinimumDegree.Order(2, [0, 1], [1]));
        Assert.Throws<ArgumentException>(() => ApproximateMinimumDegree.Order(2, [0, 2, 1], [1, 0]));
        Assert.Throws<ArgumentException>(() => ApproximateMinimumDegree.Order(2, [0, 1, 2], [2, 0]));
        Assert.Throws<ArgumentException>(() => ApproximateMinimumDegree.Order(2, [0, 1, 3], [1, 0]));
    }

    [Fact]
    public void Star_eliminates_the_leaves_first_and_clique_fills_completely()
    {
        var star = TestGraph.Star(60);
        int[] perm = Order(star);
        Assert.Contains(0, perm[^2..]);  // the hub ties with the last leaf
        Assert.Equal(NoFill(star), Fill(star, perm));

        var clique = TestGraph.Clique(40);
        Assert.Equal(40L * 41 / 2, Fill(clique, Order(clique)));
    }

    [Fact]
    public void Grid_fill_is_far_below_natural_and_close_to_nested_dissection()
    {
        const int k = 30;
        var grid = TestGraph.Grid(k);
        long natural = Fill(grid, Natural(grid.N));
        long dissection = Fill(grid, TestGraph.GridNestedDissection(k));
        int[] perm = Order(grid);
        Assert.True(IsPermutation(perm, grid.N));
        long amd = Fill(grid, perm);
        output.WriteLine($"{k}x{k} grid nnz(L): natural {natural}, nested dissection {dissection}, AMD {amd}");
        Assert.True(amd < natural / 2, $"AMD {amd} vs natural {natural}");
        Assert.True(amd < 1.5 * dissection, $"AMD {amd} vs nested dissection {dissection}");
    }

    [Fact]
    public void Students_in_classes_in_schools_have_no_fill()
    {
        var hierarchy = TestGraph.NestedHierarchy(roots: 40, depth: 3, maxChildren: 12, seed: 1);
        Assert.Equal(NoFill(hierarchy), Fill(hierarchy, Order(hierarchy)));
    }

    [Property(MaxTest = 200)]
    public bool Nested_hierarchies_have_no_fill(byte roots, byte depth, byte children, int seed)
    {
        var hierarchy = TestGraph.NestedHierarchy(1 + roots % 8, 2 + depth % 5, 1 + children % 5, seed);
        return Fill(hierarchy, Order(hierarchy)) == NoFill(hierarchy);
    }

    [Fact]
    public void Random_forest_has_no_fill()
    {
        var random = new Random(5);
        const int n = 5000;
        var edges = new List<(int, int)>();
        for (int node = 1; node < n; node++)
            if (random.Next(20) > 0) edges.Add((node, random.Next(node)));  // a few roots: a forest
        var forest = TestGraph.Relabel(n, edges, random);
        Assert.Equal(NoFill(forest), Fill(forest, Order(forest)));
    }

    [Property(MaxTest = 100)]
    public bool Random_sparse_graph_fill_is_at_most_natural(byte size, byte density, int seed)
    {
        int n = 30 + size;
        var graph = TestGraph.Random(n, n * (2 + density % 5) / 2, seed);
        return Fill(graph, Order(graph)) <= Fill(graph, Natural(n));
    }

    [Fact]
    public void Random_sparse_graph_fill_figures()
    {
        foreach (var (n, edges) in new[] { (1000, 2000), (1000, 4000), (3000, 6000) })
        {
            var graph = TestGraph.Random(n, edges, seed: n + edges);
            long natural = Fill(graph, Natural(n)), amd = Fill(graph, Order(graph));
            output.WriteLine($"random n = {n}, {edges} pairs: nnz(L) natural {natural}, AMD {amd}");
            Assert.True(amd < natural / 2, $"AMD {amd} vs natural {natural}");
        }
    }

    [Fact]
    public void Bordered_block_diagonal_orders_the_dense_border_last()
    {
        // 60 random blocks of 10 nodes at 3..602, and a border of 3 nodes (0, 1, 2) joined to every block node.
        var random = new Random(11);
        var edges = new List<(int, int)>();
        for (int block = 0; block < 60; block++)
        {
            int first = 3 + 10 * block;
            for (int e = 0; e < 25; e++) edges.Add((first + random.Next(10), first + random.Next(10)));
        }
        for (int border = 0; border < 3; border++)
            for (int node = 3; node < 603; node++) edges.Add((border, node));
        var graph = TestGraph.FromEdges(603, edges);
        int[] perm = Order(graph);
        Assert.True(IsPermutation(perm, graph.N));
        Assert.Equal([0, 1, 2], perm[^3..]);
    }

    [Fact]
    public void Million_node_chain_and_tree_order_without_recursion()
    {
        const int n = 1_000_000;
        var chain = TestGraph.FromEdges(n, Enumerable.Range(1, n - 1).Select(i => (i - 1, i)));
        int[] chainOrder = Order(chain);
        Assert.True(IsPermutation(chainOrder, n));
        Assert.Equal(NoFill(chain), Fill(chain, chainOrder));

        // A deep random tree: each node hangs below one of the last few, so the depth is in the hundreds of thousands.
        var random = new Random(3);
        var tree = TestGraph.FromEdges(n, Enumerable.Range(1, n - 1).Select(i => (i, Math.Max(0, i - 1 - random.Next(3)))));
        int[] treeOrder = Order(tree);
        Assert.True(IsPermutation(treeOrder, n));
        Assert.Equal(NoFill(tree), Fill(tree, treeOrder));
    }

    [Property(MaxTest = 300)]
    public bool Symbolic_fill_matches_brute_force_elimination(byte shape, byte size, int seed)
    {
        int n = size % 26;
        var graph = Shape(shape, n, seed);
        var perm = Natural(n);
        new Random(seed).Shuffle(perm);
        return Fill(graph, perm) == BruteForceFill(graph, perm);
    }

    /// <summary>Eliminates the nodes in order on a dense boolean matrix: the later neighbours of each become a clique.</summary>
    private static long BruteForceFill(TestGraph graph, int[] perm)
    {
        int n = graph.N;
        var position = new int[n];
        for (int k = 0; k < n; k++) position[perm[k]] = k;
        var pattern = new bool[n, n];
        for (int i = 0; i < n; i++)
            for (int entry = graph.Start[i]; entry < graph.Start[i + 1]; entry++)
                pattern[position[i], position[graph.Adjacency[entry]]] = true;
        long nonzeros = n;
        for (int k = 0; k < n; k++)
        {
            var later = Enumerable.Range(k + 1, n - k - 1).Where(i => pattern[i, k]).ToArray();
            nonzeros += later.Length;
            foreach (int a in later)
                foreach (int b in later)
                    pattern[a, b] = true;
        }
        return nonzeros;
    }
}
