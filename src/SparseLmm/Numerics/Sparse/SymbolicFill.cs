namespace SparseLmm.Numerics.Sparse;

/// <summary>
/// Exact size of the Cholesky factor of a symmetric matrix's graph under a given ordering: the elimination tree by
/// Liu's algorithm with path compression, then, for each row, the row subtree of L (the nodes reached walking up the
/// tree from the row's nonzeros). Costs O(nnz(L)) time and O(n) extra memory; used to judge orderings.
/// </summary>
internal static class SymbolicFill
{
    /// <summary>Number of nonzeros of the Cholesky factor L (diagonal included) of the graph's matrix when node
    /// <c>perm[k]</c> is eliminated k-th.</summary>
    /// <param name="n">Number of nodes.</param>
    /// <param name="adjacencyStart">n + 1 offsets into <paramref name="adjacency"/>, as for
    /// <see cref="ApproximateMinimumDegree.Order"/>.</param>
    /// <param name="adjacency">Symmetric neighbour lists; duplicates and self loops are ignored.</param>
    /// <param name="perm">The elimination order, a permutation of 0..n-1.</param>
    /// <exception cref="ArgumentException">Sizes disagree or <paramref name="perm"/> is not a permutation.</exception>
    public static long FactorNonzeros(int n, ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency, ReadOnlySpan<int> perm)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (adjacencyStart.Length != n + 1) throw new ArgumentException("adjacencyStart needs n + 1 entries.", nameof(adjacencyStart));
        if (perm.Length != n) throw new ArgumentException("perm needs n entries.", nameof(perm));
        var position = new int[n];
        position.AsSpan().Fill(-1);
        for (int k = 0; k < n; k++)
        {
            if ((uint)perm[k] >= (uint)n || position[perm[k]] >= 0)
                throw new ArgumentException($"perm is not a permutation (entry {k} = {perm[k]}).", nameof(perm));
            position[perm[k]] = k;
        }
        int[] parent = EliminationTree(n, adjacencyStart, adjacency, perm, position);

        // Row k of L holds the nodes on the tree paths from each earlier neighbour of k up to k.
        var visited = new int[n];
        visited.AsSpan().Fill(-1);
        long nonzeros = n;
        for (int k = 0; k < n; k++)
        {
            visited[k] = k;
            int node = perm[k];
            for (int entry = adjacencyStart[node]; entry < adjacencyStart[node + 1]; entry++)
            {
                for (int t = position[adjacency[entry]]; t < k && visited[t] != k; t = parent[t])
                {
                    visited[t] = k;
                    nonzeros++;
                }
            }
        }
        return nonzeros;
    }

    /// <summary>parent[j] = the first row below j with a nonzero in column j of L (−1 for a root), in the permuted
    /// numbering. Each neighbour's climb toward the root is shortcut through <c>ancestor</c>.</summary>
    private static int[] EliminationTree(int n, ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency, ReadOnlySpan<int> perm, int[] position)
    {
        var parent = new int[n];
        var ancestor = new int[n];
        for (int k = 0; k < n; k++)
        {
            parent[k] = -1;
            ancestor[k] = -1;
            int node = perm[k];
            for (int entry = adjacencyStart[node]; entry < adjacencyStart[node + 1]; entry++)
            {
                int t = position[adjacency[entry]];
                while (t >= 0 && t < k)
                {
                    int next = ancestor[t];
                    ancestor[t] = k;
                    if (next < 0) { parent[t] = k; break; }
                    t = next;
                }
            }
        }
        return parent;
    }
}
