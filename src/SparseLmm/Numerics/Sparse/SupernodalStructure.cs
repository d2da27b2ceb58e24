namespace SparseLmm.Numerics.Sparse;

/// <summary>The symbolic factorization of a symmetric positive definite matrix of order n + tail: n sparse columns,
/// ordered by a fill-reducing permutation, followed by <see cref="TailSize"/> dense rows and columns (the fixed effects
/// and the response of a mixed model) that every column reaches and that always come last.
/// <para>Columns are grouped into fundamental supernodes (consecutive columns of the postordered elimination tree with
/// nested structures); a supernode's rows are its own columns, its rows below them, then the tail rows. Its values
/// are stored row-major: a row of a supernode is contiguous, so the updates are dot products of contiguous rows. The
/// tail is the last supernode, a dense row-major block. Built once per model; the numeric factorization
/// (<see cref="SupernodalCholesky"/>) only fills the preallocated values.</para></summary>
internal sealed class SupernodalStructure
{
    private SupernodalStructure(int sparseColumns, int tailSize, int[] permutation, int[] supernodeStart,
        int[] rowStart, int[] rows, long[] valueStart)
    {
        SparseColumns = sparseColumns;
        TailSize = tailSize;
        Permutation = permutation;
        InversePermutation = new int[sparseColumns];
        for (int k = 0; k < sparseColumns; k++) InversePermutation[permutation[k]] = k;
        SupernodeStart = supernodeStart;
        RowStart = rowStart;
        Rows = rows;
        ValueStart = valueStart;
        int order = sparseColumns + tailSize;
        SupernodeOfColumn = new int[order];
        for (int s = 0; s < SupernodeCount; s++)
            SupernodeOfColumn.AsSpan(supernodeStart[s], supernodeStart[s + 1] - supernodeStart[s]).Fill(s);
    }

    /// <summary>Number of sparse (permuted) columns.</summary>
    public int SparseColumns { get; }

    /// <summary>Number of dense trailing rows and columns.</summary>
    public int TailSize { get; }

    /// <summary>Order of the whole matrix.</summary>
    public int Order => SparseColumns + TailSize;

    /// <summary>Permutation[k] = the original sparse column placed k-th.</summary>
    public int[] Permutation { get; }

    /// <summary>Position of each original sparse column in the factor.</summary>
    public int[] InversePermutation { get; }

    /// <summary>Supernode s holds columns SupernodeStart[s] .. SupernodeStart[s+1]−1 (the last supernode is the tail).</summary>
    public int[] SupernodeStart { get; }

    /// <summary>Number of supernodes, the tail included.</summary>
    public int SupernodeCount => SupernodeStart.Length - 1;

    /// <summary>Supernode s's rows (ascending, permuted numbering) are Rows[RowStart[s] .. RowStart[s+1]−1]; they
    /// begin with its own columns.</summary>
    public int[] RowStart { get; }

    /// <summary>Row indices of all supernodes.</summary>
    public int[] Rows { get; }

    /// <summary>Where supernode s's row-major values start; the last entry is the total.</summary>
    public long[] ValueStart { get; }

    /// <summary>The supernode that holds each column.</summary>
    public int[] SupernodeOfColumn { get; }

    /// <summary>Number of stored values of L (including the unused upper triangles of diagonal blocks).</summary>
    public long ValueCount => ValueStart[^1];

    /// <summary>Nonzeros of L (lower triangle, diagonal included), counted from the supernodes.</summary>
    public long FactorNonzeros
    {
        get
        {
            long count = 0;
            for (int s = 0; s < SupernodeCount; s++)
            {
                long width = Width(s), height = Height(s);
                count += width * (width + 1) / 2 + (height - width) * width;
            }
            return count;
        }
    }

    /// <summary>Floating-point operations of one numeric factorization: Σ over columns of (rows below)², roughly.</summary>
    public double FactorFlops { get; private init; }

    /// <summary>Width of supernode s.</summary>
    public int Width(int s) => SupernodeStart[s + 1] - SupernodeStart[s];

    /// <summary>Height (rows) of supernode s.</summary>
    public int Height(int s) => RowStart[s + 1] - RowStart[s];

    /// <summary>Index into the values of entry (row, column) of L, row ≥ column, both in permuted numbering;
    /// −1 when the entry is not in the structure. A binary search: for the symbolic phase, not for evaluations.</summary>
    public long Position(int row, int column)
    {
        int s = SupernodeOfColumn[column];
        int index = Array.BinarySearch(Rows, RowStart[s], RowStart[s + 1] - RowStart[s], row);
        if (index < 0) return -1;
        return ValueStart[s] + (long)(index - RowStart[s]) * Width(s) + (column - SupernodeStart[s]);
    }

    /// <summary>Analyses the matrix whose sparse part has the symmetric graph <paramref name="adjacencyStart"/> /
    /// <paramref name="adjacency"/> (original numbering, no self loops, duplicates allowed), ordered by
    /// <paramref name="ordering"/> (ordering[k] = the column placed k-th), then postordered.</summary>
    public static SupernodalStructure Analyse(int n, ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency,
        ReadOnlySpan<int> ordering, int tailSize)
    {
        // A postorder of the elimination tree keeps the fill of the given ordering and makes supernodes contiguous.
        var (firstStart, firstRows) = PermutedLower(n, adjacencyStart, adjacency, ordering);
        var firstParent = EliminationTree.Parents(n, firstStart, firstRows);
        var post = EliminationTree.Postorder(firstParent);
        var permutation = new int[n];
        for (int k = 0; k < n; k++) permutation[k] = ordering[post[k]];
        var (columnStart, lowerRows) = PermutedLower(n, adjacencyStart, adjacency, permutation);
        var parent = EliminationTree.Parents(n, columnStart, lowerRows);
        return Build(n, tailSize, permutation, columnStart, lowerRows, parent);
    }

    /// <summary>The strictly lower pattern by columns of the permuted matrix, rows ascending and distinct.</summary>
    private static (int[] Start, int[] Rows) PermutedLower(int n, ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency,
        ReadOnlySpan<int> permutation)
    {
        var inverse = new int[n];
        for (int k = 0; k < n; k++) inverse[permutation[k]] = k;
        var start = new int[n + 1];
        for (int k = 0; k < n; k++)
        {
            int old = permutation[k];
            for (int e = adjacencyStart[old]; e < adjacencyStart[old + 1]; e++)
                if (inverse[adjacency[e]] > k) start[k + 1]++;
        }
        for (int k = 0; k < n; k++) start[k + 1] += start[k];
        var rows = new int[start[n]];
        var end = new int[n + 1];
        for (int k = 0; k < n; k++)
        {
            int old = permutation[k], at = start[k];
            for (int e = adjacencyStart[old]; e < adjacencyStart[old + 1]; e++)
            {
                int row = inverse[adjacency[e]];
                if (row > k) rows[at++] = row;
            }
            var column = rows.AsSpan(start[k], at - start[k]);
            column.Sort();
            int distinct = 0;
            for (int e = 0; e < column.Length; e++)
                if (distinct == 0 || column[e] != column[distinct - 1]) column[distinct++] = column[e];
            end[k] = start[k] + distinct;
        }
        // Compact away the duplicates.
        var compactStart = new int[n + 1];
        for (int k = 0; k < n; k++) compactStart[k + 1] = compactStart[k] + end[k] - start[k];
        var compact = new int[compactStart[n]];
        for (int k = 0; k < n; k++) rows.AsSpan(start[k], end[k] - start[k]).CopyTo(compact.AsSpan(compactStart[k]));
        return (compactStart, compact);
    }

    /// <summary>Column structures by the union over children (struct(j) = A's rows of j ∪ children's rows but j),
    /// fundamental supernodes, and the row lists. Only the structures of supernodes' last columns are kept.</summary>
    private static SupernodalStructure Build(int n, int tailSize, int[] permutation, int[] columnStart, int[] lowerRows, int[] parent)
    {
        var childHead = new int[n];
        var childNext = new int[n];
        var childCount = new int[n];
        Array.Fill(childHead, -1);
        for (int j = n - 1; j >= 0; j--)
        {
            if (parent[j] == -1) continue;
            childNext[j] = childHead[parent[j]];
            childHead[parent[j]] = j;
            childCount[parent[j]]++;
        }
        var structure = new int[n][];
        var marker = new int[n];
        Array.Fill(marker, -1);
        var buffer = new List<int>();
        var mergesWithNext = new bool[n];
        for (int j = 0; j < n; j++)
        {
            buffer.Clear();
            marker[j] = j;
            for (int e = columnStart[j]; e < columnStart[j + 1]; e++)
            {
                int row = lowerRows[e];
                if (marker[row] != j) { marker[row] = j; buffer.Add(row); }
            }
            for (int child = childHead[j]; child != -1; child = childNext[child])
            {
                foreach (int row in structure[child])
                    if (marker[row] != j) { marker[row] = j; buffer.Add(row); }
            }
            buffer.Sort();
            structure[j] = buffer.ToArray();
            if (j > 0 && parent[j - 1] == j && childCount[j] == 1 && structure[j - 1]!.Length == structure[j].Length + 1)
            {
                // Column j−1's rows are {j} ∪ struct(j), and only its parent j read them: drop the copy, so that only
                // the supernodes' last columns keep theirs (the supernodal row lists).
                mergesWithNext[j - 1] = true;
                structure[j - 1] = null!;
            }
        }

        var supernodeStart = new List<int> { 0 };
        for (int j = 0; j < n; j++)
            if (!mergesWithNext[j]) supernodeStart.Add(j + 1);
        int sparseSupernodes = supernodeStart.Count - 1;
        supernodeStart.Add(n + tailSize);

        var rowStart = new int[supernodeStart.Count];
        long rowTotal = 0;
        for (int s = 0; s < sparseSupernodes; s++)
        {
            int first = supernodeStart[s], last = supernodeStart[s + 1] - 1;
            rowTotal += last - first + 1 + structure[last].Length + tailSize;
        }
        rowTotal += tailSize;
        if (rowTotal > Array.MaxLength) throw new InvalidOperationException("the sparse factor's structure is too large");
        var rows = new int[rowTotal];
        var valueStart = new long[supernodeStart.Count];
        int at = 0;
        double flops = 0;
        for (int s = 0; s < supernodeStart.Count - 1; s++)
        {
            rowStart[s] = at;
            int first = supernodeStart[s], end = supernodeStart[s + 1];
            for (int c = first; c < end; c++) rows[at++] = c;
            if (s < sparseSupernodes)
            {
                foreach (int row in structure[end - 1]) rows[at++] = row;
                for (int t = 0; t < tailSize; t++) rows[at++] = n + t;
            }
            int height = at - rowStart[s], width = end - first;
            valueStart[s + 1] = valueStart[s] + (long)height * width;
            for (int c = 0; c < width; c++)
            {
                double below = height - c - 1;
                flops += (below + 1) * (below + 1);
            }
        }
        rowStart[^1] = at;
        return new SupernodalStructure(n, tailSize, permutation, supernodeStart.ToArray(), rowStart, rows, valueStart)
        {
            FactorFlops = flops,
        };
    }
}
