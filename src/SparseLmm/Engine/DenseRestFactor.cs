using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The rest as one dense row-major block, factored by the blocked SIMD Cholesky: right when the later factors
/// are crossed (the block fills in) or small. The first term is eliminated into it by <see cref="SchurComplementUpdate"/>,
/// which gives the first term's log-determinant too.</summary>
internal sealed class DenseRestFactor : IRestFactor
{
    private readonly CrossProductLayout layout;
    private readonly RestScaling scaling;
    private readonly SchurComplementUpdate schurUpdate;
    private readonly DenseCholeskyWorkspace workspace;
    private readonly double[] factor;
    private readonly double[] tail;
    // After PrepareInverse: the augmented matrix [S I; I 0] with S's factor in its leading block and S⁻¹ in its trailing one.
    private double[] inverse = [];
    private double[] lastProducts = [];
    private double[][] lastFactors = [];

    /// <summary>Allocates the block for <paramref name="deviance"/>'s layout; its first term's rows of L₂₁ are formed
    /// from <paramref name="deviance"/> while <see cref="Factor"/> runs.</summary>
    public DenseRestFactor(ProfiledDeviance deviance)
    {
        var layout = deviance.Layout;
        this.layout = layout;
        scaling = new RestScaling(layout);
        schurUpdate = new SchurComplementUpdate(deviance);
        workspace = new DenseCholeskyWorkspace(layout.RestSize, layout.Threads.Degree);
        factor = new double[layout.RestSize * layout.RestSize];
        int t = layout.RestSize - layout.RestRandomSize;
        tail = new double[t * t];
    }

    /// <summary>After <see cref="Factor"/>: log-determinant of the first term's diagonal blocks of L.</summary>
    public double FirstLogDeterminant { get; private set; }

    /// <inheritdoc/>
    public double RandomLogDeterminant { get; private set; }

    /// <inheritdoc/>
    public ReadOnlySpan<double> Tail => tail;

    /// <inheritdoc/>
    public bool Factor(double[] products, double[][] factors)
    {
        int size = layout.RestSize, random = layout.RestRandomSize;
        lastProducts = products;
        lastFactors = factors;
        scaling.Apply(products, factor, factors);
        if (!schurUpdate.Apply(factor, out double firstLogDeterminant)) return false;
        FirstLogDeterminant = firstLogDeterminant;
        if (!DenseCholesky.Factor(factor, size, workspace)) return false;
        RandomLogDeterminant = DenseCholesky.LogDeterminantOfFactor(factor, size, 0, random);
        int t = size - random;
        for (int a = 0; a < t; a++) factor.AsSpan((random + a) * size + random, a + 1).CopyTo(tail.AsSpan(a * t));
        return true;
    }

    /// <inheritdoc/>
    public void Solve(Span<double> solution) => SolveShifted(solution, []);

    /// <inheritdoc/>
    public void SolveShifted(Span<double> solution, ReadOnlySpan<double> shift)
    {
        int size = layout.RestSize, m = size - 1;
        // Row-oriented back substitution of L' x = (last row of L) + shift.
        var x = solution[..m];
        factor.AsSpan(m * size, m).CopyTo(x);
        if (!shift.IsEmpty)
            for (int i = 0; i < m; i++) x[i] += shift[i];
        for (int i = m - 1; i >= 0; i--)
        {
            double xi = x[i] / factor[i * size + i];
            x[i] = xi;
            if (xi == 0) continue;
            var row = factor.AsSpan(i * size, i);
            var target = x[..i];
            for (int j = 0; j < i; j++) target[j] -= xi * row[j];
        }
    }

    /// <inheritdoc/>
    public void PrepareInverse()
    {
        // The inverse is taken from the matrix itself, assembled again at the same θ and first-term rows, and L is put
        // back for the solves that may follow: its random-effects rows from the augmented matrix's leading block, which
        // the inversion factors again (the same L up to rounding), its fixed-effects and response rows from a copy. No
        // copy of the whole factor and none of the inverse: 4n² doubles at the peak for the order-n block, not 6n².
        int size = layout.RestSize, random = layout.RestRandomSize;
        var tailRows = factor.AsSpan(random * size).ToArray();
        scaling.Apply(lastProducts, factor, lastFactors);
        schurUpdate.Apply(factor, out _);
        var augmented = new double[4L * random * random];
        for (int i = 0; i < random; i++) factor.AsSpan(i * size, i + 1).CopyTo(augmented.AsSpan(i * 2 * random));
        if (!DenseCholesky.InvertPositiveDefinite(augmented, random, workspace))
            throw new InvalidOperationException("the random-effects block is not positive definite at the optimum");
        for (int i = 0; i < random; i++) augmented.AsSpan(i * 2 * random, i + 1).CopyTo(factor.AsSpan(i * size));
        tailRows.CopyTo(factor.AsSpan(random * size));
        inverse = augmented;
    }

    /// <inheritdoc/>
    public double InverseEntry(int row, int column)
    {
        // The inverse's lower triangle is the augmented matrix's trailing block.
        int random = layout.RestRandomSize;
        return inverse[(long)(random + Math.Max(row, column)) * 2 * random + random + Math.Min(row, column)];
    }
}
