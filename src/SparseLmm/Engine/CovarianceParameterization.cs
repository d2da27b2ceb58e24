namespace SparseLmm.Engine;

/// <summary>Maps θ to the lower-triangular relative covariance factors T (one k×k block per random-effects term):
/// θ holds each T's lower triangle column by column, terms one after another, as lme4 orders it.</summary>
internal sealed class CovarianceParameterization
{
    private readonly int[] offsets;

    /// <summary>Creates the mapping for terms with the given numbers of columns.</summary>
    public CovarianceParameterization(IReadOnlyList<int> columnCounts)
    {
        ColumnCounts = columnCounts.ToArray();
        offsets = new int[ColumnCounts.Length + 1];
        for (int t = 0; t < ColumnCounts.Length; t++)
            offsets[t + 1] = offsets[t] + ColumnCounts[t] * (ColumnCounts[t] + 1) / 2;
    }

    /// <summary>Columns (k) of each term.</summary>
    public int[] ColumnCounts { get; }

    /// <summary>Length of θ.</summary>
    public int Length => offsets[^1];

    /// <summary>Where term <paramref name="term"/>'s entries start in θ.</summary>
    public int Offset(int term) => offsets[term];

    /// <summary>θ at the start of the search: T = I.</summary>
    public double[] Start()
    {
        var theta = new double[Length];
        ForEachEntry((term, row, column, index) => theta[index] = row == column ? 1.0 : 0.0);
        return theta;
    }

    /// <summary>Lower bounds: 0 for diagonal entries of T, −∞ elsewhere.</summary>
    public double[] LowerBounds()
    {
        var lower = new double[Length];
        ForEachEntry((term, row, column, index) => lower[index] = row == column ? 0.0 : double.NegativeInfinity);
        return lower;
    }

    /// <summary>True for the θ entries that are diagonal entries of some T.</summary>
    public bool IsDiagonal(int index)
    {
        bool diagonal = false;
        ForEachEntry((term, row, column, i) => { if (i == index) diagonal = row == column; });
        return diagonal;
    }

    /// <summary>Writes term <paramref name="term"/>'s T as a dense row-major k×k matrix (upper triangle zero).</summary>
    public void FillFactor(ReadOnlySpan<double> theta, int term, Span<double> factor)
    {
        int k = ColumnCounts[term], index = offsets[term];
        factor[..(k * k)].Clear();
        for (int column = 0; column < k; column++)
            for (int row = column; row < k; row++)
                factor[row * k + column] = theta[index++];
    }

    private void ForEachEntry(Action<int, int, int, int> action)
    {
        int index = 0;
        for (int term = 0; term < ColumnCounts.Length; term++)
        {
            int k = ColumnCounts[term];
            for (int column = 0; column < k; column++)
                for (int row = column; row < k; row++)
                    action(term, row, column, index++);
        }
    }
}
