namespace SparseLmm.Numerics.Sparse;

/// <summary>Numeric supernodal Cholesky factorization in the storage of a <see cref="SupernodalStructure"/>,
/// left-looking: before a supernode is factored, every earlier supernode with rows in its columns subtracts its
/// contribution (dot products of contiguous rows), scattered through a row map. Each descendant waits in a linked list
/// of the next supernode it updates, so the work is proportional to the factor's flops; all buffers are allocated
/// here, once, and a factorization allocates nothing.</summary>
internal sealed unsafe class SupernodalCholesky
{
    private readonly SupernodalStructure structure;
    private readonly int[] rowMap;
    private readonly int[] waitingHead;
    private readonly int[] waitingNext;
    private readonly int[] nextRow;

    /// <summary>Prepares the workspaces for <paramref name="structure"/>.</summary>
    public SupernodalCholesky(SupernodalStructure structure)
    {
        this.structure = structure;
        rowMap = new int[structure.Order];
        waitingHead = new int[structure.SupernodeCount];
        waitingNext = new int[structure.SupernodeCount];
        nextRow = new int[structure.SupernodeCount];
    }

    /// <summary>Factors in place: <paramref name="values"/> holds the lower triangle of the matrix in the structure's
    /// layout and receives L. False when a pivot is not a finite positive number.</summary>
    public bool Factor(double[] values)
    {
        var s = structure;
        int supernodes = s.SupernodeCount;
        Array.Fill(waitingHead, -1);
        fixed (double* all = values)
        {
            for (int target = 0; target < supernodes; target++)
            {
                int rowStart = s.RowStart[target], height = s.RowStart[target + 1] - rowStart;
                for (int i = 0; i < height; i++) rowMap[s.Rows[rowStart + i]] = i;
                int descendant = waitingHead[target];
                while (descendant != -1)
                {
                    int following = waitingNext[descendant];
                    Update(all, descendant, target);
                    descendant = following;
                }
                if (!FactorSupernode(all + s.ValueStart[target], height, s.Width(target))) return false;
                if (target < supernodes - 1)
                {
                    nextRow[target] = s.Width(target);
                    Wait(target, s.SupernodeOfColumn[s.Rows[rowStart + s.Width(target)]]);
                }
            }
        }
        return true;
    }

    /// <summary>2 Σ log L_jj over the sparse columns: the log-determinant of the sparse block of L L'.</summary>
    public double SparseLogDeterminant(double[] values)
    {
        var s = structure;
        double sum = 0;
        for (int supernode = 0; supernode < s.SupernodeCount - 1; supernode++)
        {
            long start = s.ValueStart[supernode];
            int width = s.Width(supernode);
            for (int c = 0; c < width; c++) sum += Math.Log(values[start + (long)c * width + c]);
        }
        return 2 * sum;
    }

    /// <summary>After <see cref="Factor"/>: solves L₋' x = ℓ, where ℓ is L's last row without its diagonal and L₋
    /// is L without its last row and column (the response rides along as the last tail row, so this gives the
    /// penalized least-squares solution). <paramref name="x"/> has Order − 1 entries, in permuted numbering.</summary>
    public void SolveWithLastRow(double[] values, Span<double> x) => SolveWithLastRow(values, x, []);

    /// <summary>After <see cref="Factor"/>: solves L₋' x = ℓ + <paramref name="shift"/> (both in permuted numbering;
    /// an empty shift is zero). A shift of σ z, z standard normal, turns the solution into a draw from
    /// N(solution, σ² (L₋ L₋')⁻¹): the posterior draws of an MCMC sampler cost one solve.</summary>
    public void SolveWithLastRow(double[] values, Span<double> x, ReadOnlySpan<double> shift)
    {
        var s = structure;
        int n = s.SparseColumns, tail = s.TailSize;
        var tailBlock = values.AsSpan((int)s.ValueStart[s.SupernodeCount - 1], tail * tail);
        bool shifted = !shift.IsEmpty;
        for (int a = 0; a < tail - 1; a++) x[n + a] = tailBlock[(tail - 1) * tail + a] + (shifted ? shift[n + a] : 0);
        for (int a = tail - 2; a >= 0; a--)
        {
            double value = x[n + a] / tailBlock[a * tail + a];
            x[n + a] = value;
            for (int b = 0; b < a; b++) x[n + b] -= tailBlock[a * tail + b] * value;
        }
        for (int supernode = s.SupernodeCount - 2; supernode >= 0; supernode--)
        {
            int first = s.SupernodeStart[supernode], width = s.Width(supernode), height = s.Height(supernode);
            var rows = s.Rows.AsSpan(s.RowStart[supernode], height);
            var block = values.AsSpan((int)s.ValueStart[supernode], height * width);
            for (int c = width - 1; c >= 0; c--)
            {
                double value = block[(height - 1) * width + c] + (shifted ? shift[first + c] : 0);
                for (int i = width; i < height - 1; i++) value -= block[i * width + c] * x[rows[i]];
                for (int other = c + 1; other < width; other++) value -= block[other * width + c] * x[first + other];
                x[first + c] = value / block[c * width + c];
            }
        }
    }

    /// <summary>Queues <paramref name="descendant"/> for the supernode that holds its next rows.</summary>
    private void Wait(int descendant, int target)
    {
        waitingNext[descendant] = waitingHead[target];
        waitingHead[target] = descendant;
    }

    /// <summary>Subtracts from <paramref name="target"/> the products of <paramref name="descendant"/>'s rows that fall
    /// in the target's columns with all its rows from there on, then queues the descendant for its next target.</summary>
    private void Update(double* all, int descendant, int target)
    {
        var s = structure;
        int width = s.Width(descendant), height = s.Height(descendant);
        int rowStart = s.RowStart[descendant];
        int first = s.SupernodeStart[target], end = s.SupernodeStart[target + 1], targetWidth = end - first;
        int from = nextRow[descendant], to = from;
        var rows = s.Rows;
        while (to < height && rows[rowStart + to] < end) to++;
        double* source = all + s.ValueStart[descendant];
        double* destination = all + s.ValueStart[target];
        if (width == 1)
        {
            for (int j = from; j < to; j++)
            {
                double lj = source[j];
                double* column = destination + (rows[rowStart + j] - first);
                for (int i = j; i < height; i++) column[(nint)rowMap[rows[rowStart + i]] * targetWidth] -= source[i] * lj;
            }
        }
        else
        {
            for (int j = from; j < to; j++)
            {
                double* lj = source + (nint)j * width;
                double* column = destination + (rows[rowStart + j] - first);
                for (int i = j; i < height; i++)
                    column[(nint)rowMap[rows[rowStart + i]] * targetWidth] -= DenseKernels.Dot(source + (nint)i * width, lj, width);
            }
        }
        nextRow[descendant] = to;
        if (to < height) Wait(descendant, s.SupernodeOfColumn[rows[rowStart + to]]);
    }

    /// <summary>Crout factorization of one supernode's row-major height × width block whose updates are all applied:
    /// its diagonal block becomes L_JJ and the rows below become L_IJ = A_IJ L_JJ⁻ᵀ.</summary>
    private static bool FactorSupernode(double* block, int height, int width)
    {
        for (int c = 0; c < width; c++)
        {
            double* pivotRow = block + (nint)c * width;
            double pivot = pivotRow[c] - DenseKernels.Dot(pivotRow, pivotRow, c);
            if (!(pivot > 0) || !double.IsFinite(pivot)) return false;
            double diagonal = Math.Sqrt(pivot), inverse = 1 / diagonal;
            pivotRow[c] = diagonal;
            for (int i = c + 1; i < height; i++)
            {
                double* row = block + (nint)i * width;
                row[c] = (row[c] - DenseKernels.Dot(row, pivotRow, c)) * inverse;
            }
        }
        return true;
    }
}
