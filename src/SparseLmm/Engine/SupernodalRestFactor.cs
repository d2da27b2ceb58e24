using SparseLmm.Numerics;
using SparseLmm.Numerics.Sparse;

namespace SparseLmm.Engine;

/// <summary>The rest as a supernodal sparse factor: right when the later factors are nested (no fill at all) or
/// partially crossed (fill confined by the ordering). Scaling by Λ, the first term's Schur complement and the
/// factorization touch only the stored entries; all buffers are allocated here, once.</summary>
internal sealed class SupernodalRestFactor : IRestFactor
{
    private readonly CrossProductLayout layout;
    private readonly SupernodalRestLayout positions;
    private readonly SupernodalStructure structure;
    private readonly SupernodalCholesky cholesky;
    private readonly double[] values;
    private readonly double[] columnScale;
    private readonly double[] permutedSolution;
    private readonly double[] permutedShift;
    private readonly bool allScalar;
    private readonly double[][] schurSums;
    private readonly TailWorkspace[] tailWorkspaces;
    private double[] inverse = [];

    /// <summary>Allocates the factor for <paramref name="layout"/>'s sparse structure.</summary>
    public SupernodalRestFactor(CrossProductLayout layout, SupernodalRestLayout positions)
    {
        this.layout = layout;
        this.positions = positions;
        structure = positions.Structure;
        cholesky = new SupernodalCholesky(structure);
        values = new double[structure.ValueCount];
        columnScale = new double[structure.Order];
        permutedSolution = new double[structure.Order - 1];
        permutedShift = new double[structure.Order - 1];
        allScalar = layout.Terms.Skip(1).All(t => t.ColumnCount == 1);
        // The first term's contributions are summed per partition of its levels (see FirstTermLevels), each into its
        // own buffer, and the buffers subtracted in order: deterministic for any number of threads. One buffer when
        // the factor is too large to hold several copies.
        int partitions = values.Length <= PartitionedValueLimit ? LevelPartitionCount : 1;
        schurSums = new double[partitions][];
        for (int p = 0; p < partitions; p++) schurSums[p] = new double[values.Length];
        tailWorkspaces = Enumerable.Range(0, partitions)
            .Select(_ => new TailWorkspace(positions.TailPosition.Length, positions.TailSize, layout.First.ColumnCount)).ToArray();
        PartitionLevelStart = BalancedLevelRanges(layout, positions, partitions);
    }

    /// <summary>Fixed number of partitions of the first term's levels (independent of the machine).</summary>
    internal const int LevelPartitionCount = 4;

    // Above this many stored values, one buffer only (four copies would cost more memory than they save time).
    private const int PartitionedValueLimit = 4 << 20;

    /// <summary>Partition p holds the first term's levels PartitionLevelStart[p] .. PartitionLevelStart[p+1]−1.</summary>
    public int[] PartitionLevelStart { get; }

    /// <summary>Number of partitions of the first term's levels.</summary>
    public int PartitionCount => schurSums.Length;

    /// <summary>Contiguous level ranges with about equal numbers of pattern pairs (the work of a level).</summary>
    private static int[] BalancedLevelRanges(CrossProductLayout layout, SupernodalRestLayout positions, int partitions)
    {
        int levels = layout.First.LevelCount, tail = positions.TailSize;
        var work = new long[levels + 1];
        for (int level = 0; level < levels; level++)
        {
            long entries = layout.PatternStart[level + 1] - layout.PatternStart[level];
            work[level + 1] = work[level] + entries * (entries + 1) / 2 + tail;
        }
        var start = new int[partitions + 1];
        start[partitions] = levels;
        for (int p = 1, level = 0; p < partitions; p++)
        {
            while (level < levels && work[level] * partitions < work[levels] * p) level++;
            start[p] = level;
        }
        return start;
    }

    /// <summary>Clears partition <paramref name="partition"/>'s sum before its levels are added.</summary>
    public void ClearPartition(int partition)
    {
        Array.Clear(schurSums[partition]);
        Array.Clear(tailWorkspaces[partition].Columns);
        Array.Clear(tailWorkspaces[partition].Square);
    }

    /// <inheritdoc/>
    public double RandomLogDeterminant { get; private set; }

    /// <inheritdoc/>
    public ReadOnlySpan<double> Tail => values.AsSpan(positions.TailStart, positions.TailSize * positions.TailSize);

    /// <inheritdoc/>
    public bool Factor(double[] products, double[][] factors)
    {
        if (allScalar) ScaleScalar(products, factors);
        else ScaleGeneral(products, factors);
        foreach (int position in positions.DiagonalPosition) values[position] += 1.0;
        SubtractFirstTerm();
        if (!cholesky.Factor(values)) return false;
        RandomLogDeterminant = cholesky.SparseLogDeterminant(values);
        return double.IsFinite(RandomLogDeterminant);
    }

    /// <summary>Every T is 1×1: entry (i, j) is scaled by λ_i λ_j (1 on the tail rows).</summary>
    private void ScaleScalar(double[] products, double[][] factors)
    {
        int random = structure.SparseColumns;
        for (int c = 0; c < random; c++) columnScale[c] = factors[positions.TermOfColumn[c]][0];
        columnScale.AsSpan(random).Fill(1.0);
        var rows = structure.Rows;
        for (int s = 0; s < structure.SupernodeCount - 1; s++)
        {
            int first = structure.SupernodeStart[s], width = structure.Width(s), height = structure.Height(s);
            int rowStart = structure.RowStart[s];
            int at = (int)structure.ValueStart[s];
            if (width == 1)
            {
                double scale = columnScale[first];
                for (int i = 0; i < height; i++, at++) values[at] = products[at] * scale * columnScale[rows[rowStart + i]];
                continue;
            }
            var scales = columnScale.AsSpan(first, width);
            for (int i = 0; i < height; i++)
            {
                double rowScale = columnScale[rows[rowStart + i]];
                for (int c = 0; c < width; c++, at++) values[at] = products[at] * rowScale * scales[c];
            }
        }
        int tail = positions.TailSize;
        products.AsSpan(positions.TailStart, tail * tail).CopyTo(values.AsSpan(positions.TailStart));
    }

    /// <summary>Some T is k×k: each k×k block of a level pair becomes T_a' B T_b, columns first (each row's k entries
    /// of a level times T), then rows. A level's own diagonal block is stored in full (see <see cref="CrossProducts"/>),
    /// since T' B T needs both of its triangles.</summary>
    private void ScaleGeneral(double[] products, double[][] factors)
    {
        Array.Copy(products, values, values.Length);
        var rows = structure.Rows;
        int random = structure.SparseColumns;
        Span<double> vector = stackalloc double[64];
        for (int s = 0; s < structure.SupernodeCount - 1; s++)
        {
            int first = structure.SupernodeStart[s], width = structure.Width(s), height = structure.Height(s);
            int rowStart = structure.RowStart[s];
            var block = values.AsSpan((int)structure.ValueStart[s], height * width);
            for (int c = 0; c < width;)
            {
                var t = factors[positions.TermOfColumn[first + c]];
                int k = layout.Terms[positions.TermOfColumn[first + c]].ColumnCount;
                for (int i = 0; i < height; i++) SmallMatrix.MultiplyRowByLower(block.Slice(i * width + c, k), t, k);
                c += k;
            }
            for (int i = 0; i < height && rows[rowStart + i] < random;)
            {
                int term = positions.TermOfColumn[rows[rowStart + i]];
                var t = factors[term];
                int k = layout.Terms[term].ColumnCount;
                for (int c = 0; c < width; c++)
                {
                    // v ← T' v over the level's k rows: w_a = Σ_{d ≥ a} T[d, a] v_d.
                    for (int a = 0; a < k; a++) vector[a] = block[(i + a) * width + c];
                    for (int a = 0; a < k; a++)
                    {
                        double value = 0;
                        for (int d = a; d < k; d++) value += t[d * k + a] * vector[d];
                        block[(i + a) * width + c] = value;
                    }
                }
                i += k;
            }
        }
    }

    /// <summary>values ← values − L₂₁ L₂₁': the partitions' sums, in partition order.</summary>
    private void SubtractFirstTerm()
    {
        foreach (var sum in schurSums)
        {
            var target = values.AsSpan();
            var source = sum.AsSpan();
            int e = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                var to = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(target);
                var from = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(source);
                for (int v = 0; v < to.Length; v++) to[v] -= from[v];
                e = to.Length * System.Numerics.Vector<double>.Count;
            }
            for (; e < target.Length; e++) target[e] -= source[e];
        }
    }

    /// <summary>Adds level <paramref name="level"/>'s outer product L₂₁ L₂₁' (its <paramref name="rows"/>: k₁ values
    /// per pattern entry) to partition <paramref name="partition"/>'s sum, through the precomputed positions. Called by
    /// the first term's elimination right after it forms the rows, while they are in cache. The part against the tail
    /// (fixed effects and response) goes to the partition's <see cref="TailWorkspace"/>, contiguous, in vector
    /// operations; <see cref="FinishPartition"/> moves it to the factor's storage once per evaluation.</summary>
    public unsafe void AddLevel(int level, ReadOnlySpan<double> rows, int partition)
    {
        int k1 = layout.First.ColumnCount, tail = positions.TailSize;
        int start = layout.PatternStart[level], random = SupernodalRestLayout.RandomEntries(layout, level);
        var workspace = tailWorkspaces[partition];
        int padded = workspace.PaddedTail;
        // Pointers: this runs once per first-term level per evaluation (a million times at ten million rows), where
        // bounds checks on four arrays cost as much as the arithmetic.
        fixed (double* sum = schurSums[partition], entries = rows)
        fixed (double* columns = workspace.Columns, square = workspace.Square, vectors = workspace.Vectors)
        fixed (int* pairStart = positions.PairPosition, patternRows = layout.PatternRow)
        {
            int* pair = pairStart + positions.LevelPairStart[level];
            int* levelRows = patternRows + start;
            if (k1 == 1)
            {
                for (int e = 0; e < random; e++)
                {
                    double value = entries[e];
                    for (int f = 0; f <= e; f++) sum[*pair++] += value * entries[f];
                }
            }
            else if (k1 == 2)
            {
                for (int e = 0; e < random; e++)
                {
                    double first = entries[2 * e], second = entries[2 * e + 1];
                    for (int f = 0; f <= e; f++) sum[*pair++] += first * entries[2 * f] + second * entries[2 * f + 1];
                }
            }
            else
            {
                for (int e = 0; e < random; e++)
                    for (int f = 0; f <= e; f++) sum[*pair++] += DenseKernels.Dot(entries + e * k1, entries + f * k1, k1);
            }
            // The tail rows' values, one contiguous (zero-padded) vector per column of the first term.
            for (int c = 0; c < k1; c++)
                for (int a = 0; a < tail; a++) vectors[c * padded + a] = entries[(random + a) * k1 + c];
            for (int f = 0; f < random; f++)
            {
                double* column = columns + (long)levelRows[f] * tail;
                for (int c = 0; c < k1; c++) DenseKernels.Axpy(column, vectors + c * padded, entries[f * k1 + c], tail);
            }
            // The tail block as a full (padded) square: whole vectors, no triangle's remainders.
            for (int c = 0; c < k1; c++)
            {
                double* vector = vectors + c * padded;
                for (int a = 0; a < tail; a++) DenseKernels.Axpy(square + a * padded, vector, vector[a], padded);
            }
        }
    }

    /// <summary>Moves partition <paramref name="partition"/>'s tail workspace into its sum, after its last level.</summary>
    public void FinishPartition(int partition)
    {
        var sum = schurSums[partition];
        var workspace = tailWorkspaces[partition];
        int tail = positions.TailSize, padded = workspace.PaddedTail;
        var columns = workspace.Columns;
        for (int row = 0; row < positions.TailPosition.Length; row++)
        {
            int at = positions.TailPosition[row], step = positions.ColumnStride[row];
            for (int a = 0; a < tail; a++, at += step) sum[at] += columns[row * tail + a];
        }
        var square = workspace.Square;
        for (int a = 0; a < tail; a++)
            for (int b = 0; b <= a; b++) sum[positions.TailStart + a * tail + b] += square[a * padded + b];
    }

    /// <inheritdoc/>
    public void Solve(Span<double> solution) => SolveShifted(solution, []);

    /// <inheritdoc/>
    public void SolveShifted(Span<double> solution, ReadOnlySpan<double> shift)
    {
        int random = structure.SparseColumns;
        if (shift.IsEmpty)
            cholesky.SolveWithLastRow(values, permutedSolution);
        else
        {
            for (int c = 0; c < random; c++) permutedShift[c] = shift[structure.Permutation[c]];
            shift[random..].CopyTo(permutedShift.AsSpan(random));
            cholesky.SolveWithLastRow(values, permutedSolution, permutedShift);
        }
        for (int c = 0; c < random; c++) solution[structure.Permutation[c]] = permutedSolution[c];
        permutedSolution.AsSpan(random).CopyTo(solution[random..]);
    }

    /// <inheritdoc/>
    public void PrepareInverse() => inverse = SelectedInverse.Compute(structure, values);

    /// <inheritdoc/>
    public double InverseEntry(int row, int column) =>
        SelectedInverse.Entry(structure, inverse, structure.InversePermutation[row], structure.InversePermutation[column]);
}
