namespace SparseLmm.Engine;

/// <summary>Maps θ to the lower-triangular relative covariance factors T (one k×k block per random-effects term):
/// θ holds each T's lower triangle column by column, terms one after another, as lme4 orders it.</summary>
internal sealed class CovarianceParameterization
{
    private readonly int[] offsets;
    private readonly bool[] diagonal;

    /// <summary>Creates the mapping for terms with the given numbers of columns.</summary>
    public CovarianceParameterization(IReadOnlyList<int> columnCounts)
    {
        ColumnCounts = columnCounts.ToArray();
        offsets = new int[ColumnCounts.Length + 1];
        for (int t = 0; t < ColumnCounts.Length; t++)
            offsets[t + 1] = offsets[t] + ColumnCounts[t] * (ColumnCounts[t] + 1) / 2;
        diagonal = new bool[offsets[^1]];
        for (int t = 0; t < ColumnCounts.Length; t++)
        {
            int index = offsets[t];
            for (int column = 0; column < ColumnCounts[t]; column++)
                for (int row = column; row < ColumnCounts[t]; row++)
                    diagonal[index++] = row == column;
        }
    }

    /// <summary>Columns (k) of each term.</summary>
    public int[] ColumnCounts { get; }

    /// <summary>Length of θ.</summary>
    public int Length => offsets[^1];

    /// <summary>Where term <paramref name="term"/>'s entries start in θ.</summary>
    public int Offset(int term) => offsets[term];

    /// <summary>θ at the start of the search: T = I.</summary>
    public double[] Start() => diagonal.Select(isDiagonal => isDiagonal ? 1.0 : 0.0).ToArray();

    /// <summary>Lower bounds: 0 for diagonal entries of T, −∞ elsewhere.</summary>
    public double[] LowerBounds() => diagonal.Select(isDiagonal => isDiagonal ? 0.0 : double.NegativeInfinity).ToArray();

    /// <summary>True for the θ entries that are diagonal entries of some T.</summary>
    public bool IsDiagonal(int index) => diagonal[index];

    /// <summary>Writes term <paramref name="term"/>'s T as a dense row-major k×k matrix (upper triangle zero).</summary>
    public void FillFactor(ReadOnlySpan<double> theta, int term, Span<double> factor)
    {
        int k = ColumnCounts[term], index = offsets[term];
        factor[..(k * k)].Clear();
        for (int column = 0; column < k; column++)
            for (int row = column; row < k; row++)
                factor[row * k + column] = theta[index++];
    }
}
