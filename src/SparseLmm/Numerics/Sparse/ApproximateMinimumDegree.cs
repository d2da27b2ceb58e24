namespace SparseLmm.Numerics.Sparse;

/// <summary>
/// Approximate minimum degree (AMD) fill-reducing ordering of the graph of a symmetric sparse matrix, after Amestoy,
/// Davis and Duff (SIAM J. Matrix Anal. Appl. 17(4), 1996). Used once per model, in the symbolic phase, to order the
/// Schur complement (nodes = levels of grouping factors, edges = levels that co-occur) before the Cholesky factor.
/// </summary>
/// <remarks>
/// <para><b>Quotient graph.</b> Eliminating a node p turns its neighbours into a clique. Instead of storing the clique,
/// p becomes an <i>element</i> whose list L_p holds those neighbours; a <i>variable</i> (uneliminated node) i keeps the
/// elements it belongs to (E_i) and the variables it is still directly adjacent to (A_i). Its neighbours in the
/// eliminated graph are A_i ∪ (⋃ L_e for e in E_i). Elements in E_p are contained in L_p, so they are absorbed by p,
/// and the storage never grows past that of the original graph (plus one new L_p at a time).</para>
/// <para><b>Approximate degree.</b> The exact degree needs the size of a union of sets; AMD's bound (their eq. 4)
/// replaces it by d_i = min(n − k − |i|, d_i^old + |L_p \ i|, |A_i| + |L_p \ i| + Σ_{e ∈ E_i \ p} |L_e \ L_p|),
/// where all sizes count supervariable weights, k is the weight eliminated so far and |L_e \ L_p| is computed for every
/// element touching L_p in one pass over the E_i of i in L_p. The degree is external: it does not count i's own
/// supervariable. An element with |L_e \ L_p| = 0 lies inside L_p and is absorbed at once (aggressive absorption).
/// One departure from AMD: the pivot is the variable of least approximate <i>true</i> degree (external degree plus the
/// rest of its supervariable), which keeps nested hierarchies of grouping factors free of fill (see
/// <see cref="QuotientGraphElimination"/>).</para>
/// <para><b>Supervariables and mass elimination.</b> Variables of L_p with the same E_i and A_i after the update are
/// indistinguishable; a hash of the list finds candidates, a comparison confirms, and one representative of weight
/// |i| stands for all of them from then on. A variable adjacent to nothing but p is eliminated together with p.</para>
/// <para><b>Cost.</b> Variables sit in doubly linked lists by approximate degree, so picking a pivot is O(1) apart from
/// moving the minimum-degree pointer; each elimination costs about the size of the lists of the variables it touches,
/// which is near O(nnz) in practice. A node of degree h whose neighbours are eliminated one by one is rescanned each
/// time, about h² in all, as in AMD: below the dense threshold such hubs dominate the time. No recursion anywhere, so
/// chains and trees of millions of nodes are fine.</para>
/// <para><b>Dense nodes</b> (degree above max(16, 10 √n), as AMD) are taken out of the graph before it starts and
/// ordered last: they would make every degree update touch them and they end up last anyway.</para>
/// </remarks>
internal static class ApproximateMinimumDegree
{
    /// <summary>Returns perm with perm[k] = the node eliminated k-th (a permutation of 0..n-1).</summary>
    /// <param name="n">Number of nodes.</param>
    /// <param name="adjacencyStart">n + 1 offsets: the neighbours of node i are
    /// <c>adjacency[adjacencyStart[i] .. adjacencyStart[i+1]-1]</c>.</param>
    /// <param name="adjacency">Neighbour lists. The graph is symmetric (j lists i when i lists j) and has no self
    /// loops; duplicates are allowed and ignored. Each edge is read from the list of its smaller end (self loops are
    /// skipped), so a list that breaks symmetry cannot corrupt the elimination.</param>
    /// <returns>The elimination order; nodes with degree above max(16, 10 √n) come last, in index order.</returns>
    /// <exception cref="ArgumentException">The offsets are not n + 1 non-decreasing positions inside
    /// <paramref name="adjacency"/>, or a neighbour is outside 0..n-1.</exception>
    public static int[] Order(int n, ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (adjacencyStart.Length != n + 1)
            throw new ArgumentException($"adjacencyStart has {adjacencyStart.Length} entries; n + 1 = {n + 1} expected.", nameof(adjacencyStart));
        if (adjacencyStart[0] < 0 || adjacencyStart[n] > adjacency.Length)
            throw new ArgumentException("adjacencyStart points outside adjacency.", nameof(adjacencyStart));
        for (int i = 0; i < n; i++)
            if (adjacencyStart[i + 1] < adjacencyStart[i])
                throw new ArgumentException($"adjacencyStart decreases at node {i}.", nameof(adjacencyStart));
        if (n == 0) return [];
        var elimination = new QuotientGraphElimination(n, adjacencyStart, adjacency);
        elimination.Run();
        return elimination.Permutation();
    }
}
