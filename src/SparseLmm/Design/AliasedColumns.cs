using SparseLmm.Numerics;

namespace SparseLmm.Design;

/// <summary>Finds columns of a model matrix that are (numerically) linear combinations of earlier columns,
/// the ones lme4 drops with "fixed-effect model matrix is rank deficient".</summary>
internal static class AliasedColumns
{
    // A column is aliased when what is left of it after projecting out the kept earlier columns has a norm below
    // 1e-7 of its own norm: the tolerance of R's rank-revealing QR.
    private const double RelativeTolerance = 1e-7;

    /// <summary>Indices of the columns to drop, earliest columns kept first.</summary>
    public static IReadOnlyList<int> Find(IReadOnlyList<double[]> columns)
    {
        int p = columns.Count;
        var gram = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b <= a; b++)
                gram[a * p + b] = Dot(columns[a], columns[b]);
        return SmallMatrix.CholeskySkippingDependentColumns(gram, p, RelativeTolerance);
    }

    /// <summary>The columns to drop, from the Gram matrix of the columns (row-major p×p, lower triangle read), for
    /// columns whose rows were summed elsewhere (streamed).</summary>
    public static IReadOnlyList<int> FromGram(double[] gram, int p) =>
        p == 0 ? [] : SmallMatrix.CholeskySkippingDependentColumns(gram, p, RelativeTolerance);

    /// <summary><see cref="Find(IReadOnlyList{double[]})"/> for the columns of a row-major n×p matrix (the same sums,
    /// in the same order).</summary>
    public static IReadOnlyList<int> FindRowMajor(ReadOnlySpan<double> x, int p)
    {
        if (p == 0) return [];
        var gram = new double[p * p];
        int n = x.Length / p;
        var sums = new double[p * (p + 1) / 2];
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * p, p);
            int at = 0;
            for (int a = 0; a < p; a++)
            {
                double value = row[a];
                for (int b = 0; b <= a; b++) sums[at++] += value * row[b];
            }
        }
        for (int a = 0, at = 0; a < p; a++)
            for (int b = 0; b <= a; b++) gram[a * p + b] = sums[at++];
        return SmallMatrix.CholeskySkippingDependentColumns(gram, p, RelativeTolerance);
    }

    /// <summary>Of the <paramref name="aliased"/> columns of row-major n×p <paramref name="x"/>, those that are
    /// aliased only through their location: with the other columns centred (X has the intercept column
    /// <paramref name="intercept"/>), they are not. A column like <c>Days + 10⁹</c> differs from the intercept by 10⁻⁹
    /// of its size, below R's tolerance, so lme4 drops it; the user can keep it by shifting it, which is the hint.</summary>
    public static IReadOnlyList<int> AliasedOnlyByLocation(ReadOnlySpan<double> x, int p, int intercept, IReadOnlyList<int> aliased)
    {
        if (aliased.Count == 0 || intercept < 0) return [];
        int n = x.Length / p;
        var means = new double[p];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < p; c++) means[c] += x[i * p + c];
        var centred = new double[x.Length];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < p; c++) centred[i * p + c] = c == intercept ? 1.0 : x[i * p + c] - means[c] / n;
        var stillAliased = FindRowMajor(centred, p);
        return aliased.Where(c => !stillAliased.Contains(c)).ToList();
    }

    private static double Dot(double[] left, double[] right)
    {
        double sum = 0;
        for (int i = 0; i < left.Length; i++) sum += left[i] * right[i];
        return sum;
    }
}
