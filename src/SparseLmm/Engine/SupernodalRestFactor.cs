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
    private readonly bool allScalar;
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
        allScalar = layout.Terms.Skip(1).All(t => t.ColumnCount == 1);
    }

    /// <inheritdoc/>
    public double RandomLogDeterminant { get; private set; }

    /// <inheritdoc/>
    public ReadOnlySpan<double> Tail => values.AsSpan(positions.TailStart, positions.TailSize * positions.TailSize);

    /// <inheritdoc/>
    public bool Factor(double[] products, double[][] factors, double[] firstTermRows)
    {
        if (allScalar) ScaleScalar(products, factors);
        else ScaleGeneral(products, factors);
        foreach (int position in positions.DiagonalPosition) values[position] += 1.0;
        SubtractFirstTerm(firstTermRows);
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

    /// <summary>values ← values − L₂₁ L₂₁', level by level of the first term, through the precomputed positions.</summary>
    private void SubtractFirstTerm(double[] rows)
    {
        int k1 = layout.First.ColumnCount, tail = positions.TailSize, tailStart = positions.TailStart;
        var patternRow = layout.PatternRow;
        var pairPosition = positions.PairPosition;
        var tailPosition = positions.TailPosition;
        var stride = positions.ColumnStride;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            int start = layout.PatternStart[level], random = SupernodalRestLayout.RandomEntries(layout, level);
            int pair = positions.LevelPairStart[level];
            if (k1 == 1)
            {
                var entries = rows.AsSpan(start, random + tail);
                for (int e = 0; e < random; e++)
                {
                    double value = entries[e];
                    for (int f = 0; f <= e; f++) values[pairPosition[pair++]] -= value * entries[f];
                }
                for (int a = 0; a < tail; a++)
                {
                    double value = entries[random + a];
                    for (int f = 0; f < random; f++)
                    {
                        int row = patternRow[start + f];
                        values[tailPosition[row] + a * stride[row]] -= value * entries[f];
                    }
                    for (int b = 0; b <= a; b++) values[tailStart + a * tail + b] -= value * entries[random + b];
                }
            }
            else
            {
                double Dot(int e, int f) => RowDot(rows, (start + e) * k1, (start + f) * k1, k1);
                for (int e = 0; e < random; e++)
                    for (int f = 0; f <= e; f++) values[pairPosition[pair++]] -= Dot(e, f);
                for (int a = 0; a < tail; a++)
                {
                    for (int f = 0; f < random; f++)
                    {
                        int row = patternRow[start + f];
                        values[tailPosition[row] + a * stride[row]] -= Dot(random + a, f);
                    }
                    for (int b = 0; b <= a; b++) values[tailStart + a * tail + b] -= Dot(random + a, random + b);
                }
            }
        }
    }

    private static double RowDot(double[] rows, int a, int b, int length)
    {
        double sum = 0;
        for (int c = 0; c < length; c++) sum += rows[a + c] * rows[b + c];
        return sum;
    }

    /// <inheritdoc/>
    public void Solve(Span<double> solution)
    {
        cholesky.SolveWithLastRow(values, permutedSolution);
        int random = structure.SparseColumns;
        for (int c = 0; c < random; c++) solution[structure.Permutation[c]] = permutedSolution[c];
        permutedSolution.AsSpan(random).CopyTo(solution[random..]);
    }

    /// <inheritdoc/>
    public void PrepareInverse() => inverse = SelectedInverse.Compute(structure, values);

    /// <inheritdoc/>
    public double InverseEntry(int row, int column) =>
        SelectedInverse.Entry(structure, inverse, structure.InversePermutation[row], structure.InversePermutation[column]);
}
