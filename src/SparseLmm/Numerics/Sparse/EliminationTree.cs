namespace SparseLmm.Numerics.Sparse;

/// <summary>The elimination tree of a symmetric sparse matrix and its postorder, computed without recursion so that
/// a chain of a million columns cannot overflow the stack.</summary>
internal static class EliminationTree
{
    /// <summary>parent[j] of each column (−1 for a root), from the lower pattern by columns: column j's rows
    /// (all &gt; j) are <paramref name="rows"/>[<paramref name="columnStart"/>[j] ..]. Liu's algorithm with path
    /// compression: it walks, for each row i, the columns j &lt; i of row i, which are the transpose of the lower
    /// pattern, built here once.</summary>
    public static int[] Parents(int n, ReadOnlySpan<int> columnStart, ReadOnlySpan<int> rows)
    {
        // Transpose: for each row i, the columns j < i with an entry (i, j).
        var rowStart = new int[n + 1];
        for (int e = 0; e < columnStart[n]; e++) rowStart[rows[e] + 1]++;
        for (int i = 0; i < n; i++) rowStart[i + 1] += rowStart[i];
        var next = rowStart[..n];
        var columnsOfRow = new int[columnStart[n]];
        for (int j = 0; j < n; j++)
            for (int e = columnStart[j]; e < columnStart[j + 1]; e++) columnsOfRow[next[rows[e]]++] = j;

        var parent = new int[n];
        var ancestor = new int[n];
        for (int k = 0; k < n; k++)
        {
            parent[k] = -1;
            ancestor[k] = -1;
            for (int e = rowStart[k]; e < rowStart[k + 1]; e++)
            {
                int i = columnsOfRow[e];
                while (i != -1 && i < k)
                {
                    int following = ancestor[i];
                    ancestor[i] = k;
                    if (following == -1) parent[i] = k;
                    i = following;
                }
            }
        }
        return parent;
    }

    /// <summary>A postorder of the forest: post[k] is the k-th column visited, children before their parent, each
    /// subtree contiguous, children in increasing order.</summary>
    public static int[] Postorder(ReadOnlySpan<int> parent)
    {
        int n = parent.Length;
        var head = new int[n];
        var nextSibling = new int[n];
        Array.Fill(head, -1);
        // Push in decreasing order so that each child list runs in increasing order.
        for (int j = n - 1; j >= 0; j--)
        {
            if (parent[j] == -1) continue;
            nextSibling[j] = head[parent[j]];
            head[parent[j]] = j;
        }
        var post = new int[n];
        var stack = new int[n];
        int count = 0;
        for (int root = 0; root < n; root++)
        {
            if (parent[root] != -1) continue;
            int top = 0;
            stack[0] = root;
            while (top >= 0)
            {
                int node = stack[top];
                int child = head[node];
                if (child == -1)
                {
                    top--;
                    post[count++] = node;
                }
                else
                {
                    head[node] = nextSibling[child];
                    stack[++top] = child;
                }
            }
        }
        return post;
    }
}
