using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SparseLmm.Numerics.Sparse;

namespace SparseLmm.Tests.Numerics;

/// <summary>The supernodal factor against a dense reference on random sparse structures, orderings and tails.</summary>
public class SupernodalCholeskyTests
{
    /// <summary>A random symmetric positive definite matrix of order n + tail: a random sparse graph on the first n
    /// columns (clusters, a chain and random links, so that supernodes of several widths and fill occur), dense tail
    /// rows, diagonally dominant. Returns the dense lower triangle (row-major) and the graph.</summary>
    internal static (double[] Dense, int[] Start, int[] Adjacency) RandomMatrix(int n, int tail, int seed)
    {
        var random = new Random(seed);
        int order = n + tail;
        var dense = new double[order * order];
        var neighbours = Enumerable.Range(0, n).Select(_ => new HashSet<int>()).ToArray();
        void Link(int a, int b)
        {
            if (a == b || neighbours[a].Contains(b)) return;
            neighbours[a].Add(b);
            neighbours[b].Add(a);
            double value = random.NextDouble() * 2 - 1;
            dense[Math.Max(a, b) * order + Math.Min(a, b)] = value;
        }
        for (int j = 0; j < n; j++)
        {
            if (random.Next(3) == 0 && j > 0) Link(j, j - 1);
            int links = random.Next(3);
            for (int e = 0; e < links; e++) Link(j, random.Next(n));
            if (j % 5 != 0 && j > 0) Link(j, j - (j % 5));
        }
        for (int t = 0; t < tail; t++)
            for (int c = 0; c < n + t; c++) dense[(n + t) * order + c] = random.NextDouble() * 2 - 1;
        for (int i = 0; i < order; i++)
        {
            double sum = 1;
            for (int c = 0; c < order; c++) if (c != i) sum += Math.Abs(dense[Math.Max(i, c) * order + Math.Min(i, c)]);
            dense[i * order + i] = sum;
        }
        var start = new int[n + 1];
        for (int j = 0; j < n; j++) start[j + 1] = start[j] + neighbours[j].Count;
        var adjacency = neighbours.SelectMany(set => set).ToArray();
        return (dense, start, adjacency);
    }

    /// <summary>The values of the permuted dense matrix in the structure's layout.</summary>
    internal static double[] Scatter(SupernodalStructure structure, double[] dense)
    {
        int n = structure.SparseColumns, order = structure.Order;
        int Original(int k) => k < n ? structure.Permutation[k] : k;
        var values = new double[structure.ValueCount];
        for (int row = 0; row < order; row++)
            for (int column = 0; column <= row; column++)
            {
                int a = Original(row), b = Original(column);
                double value = dense[Math.Max(a, b) * order + Math.Min(a, b)];
                long position = structure.Position(row, column);
                if (position < 0) Assert.Equal(0.0, value);
                else values[position] = value;
            }
        return values;
    }

    [Property(MaxTest = 60)]
    public Property FactorMatchesDense() => Prop.ForAll(
        Gen.Choose(0, 60).ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(),
        (n, tail, seed) =>
        {
            var (dense, start, adjacency) = RandomMatrix(n, tail, seed);
            var random = new Random(seed + 1);
            var ordering = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
            var structure = SupernodalStructure.Analyse(n, start, adjacency, ordering, tail);
            var values = Scatter(structure, dense);
            var cholesky = new SupernodalCholesky(structure);
            Assert.True(cholesky.Factor(values));

            int order = n + tail;
            var reference = DenseCholeskyTests.NaiveCholesky(dense, order);
            double logDeterminant = 0;
            for (int j = 0; j < n; j++) logDeterminant += 2 * Math.Log(reference[j * order + j]);
            Assert.Equal(logDeterminant, cholesky.SparseLogDeterminant(values), 1e-9 * Math.Max(1, Math.Abs(logDeterminant)));

            // The last row rides along: L₋' x = ℓ solves A₋₋ x = A₋ᵧ (checked against A directly).
            var x = new double[order - 1];
            cholesky.SolveWithLastRow(values, x);
            int Original(int k) => k < n ? structure.Permutation[k] : k;
            for (int i = 0; i < order - 1; i++)
            {
                double sum = 0;
                for (int j = 0; j < order - 1; j++)
                {
                    int a = Original(i), b = Original(j);
                    sum += dense[Math.Max(a, b) * order + Math.Min(a, b)] * x[j];
                }
                int y = order - 1, oi = Original(i);
                Assert.Equal(dense[y * order + oi], sum, 1e-9 * dense[oi * order + oi]);
            }
            long tailStart = structure.ValueStart[structure.SupernodeCount - 1];
            Assert.Equal(reference[order * order - 1], values[tailStart + tail * tail - 1], 1e-9 * reference[order * order - 1]);
            return true;
        });

    [Property(MaxTest = 40)]
    public Property SelectedInverseMatchesDenseInverse() => Prop.ForAll(
        Gen.Choose(1, 40).ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(),
        (n, tail, seed) =>
        {
            var (dense, start, adjacency) = RandomMatrix(n, tail, seed);
            var structure = SupernodalStructure.Analyse(n, start, adjacency, Enumerable.Range(0, n).Reverse().ToArray(), tail);
            var values = Scatter(structure, dense);
            Assert.True(new SupernodalCholesky(structure).Factor(values));
            var inverse = SelectedInverse.Compute(structure, values);

            // Reference: the dense inverse of the sparse block (a principal block, so no permutation matters).
            int order = n + tail;
            var block = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j <= i; j++) block[i * n + j] = dense[i * order + j];
            var reference = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n,
                (i, j) => block[Math.Max(i, j) * n + Math.Min(i, j)]).Inverse();
            for (int row = 0; row < n; row++)
                for (int column = 0; column <= row; column++)
                {
                    if (structure.Position(row, column) < 0) continue;
                    double expected = reference[structure.Permutation[row], structure.Permutation[column]];
                    Assert.Equal(expected, SelectedInverse.Entry(structure, inverse, row, column), 1e-10);
                }
            return true;
        });

    [Fact]
    public void NestedGraphHasNoFill()
    {
        // Classes 0..99 in schools 100..109, eliminated classes first: every class column holds its school and the tail.
        int classes = 100, schools = 10, n = classes + schools;
        var neighbours = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (int c = 0; c < classes; c++)
        {
            neighbours[c].Add(classes + c % schools);
            neighbours[classes + c % schools].Add(c);
        }
        var start = new int[n + 1];
        for (int j = 0; j < n; j++) start[j + 1] = start[j] + neighbours[j].Count;
        var structure = SupernodalStructure.Analyse(n, start, neighbours.SelectMany(l => l).ToArray(),
            Enumerable.Range(0, n).ToArray(), 3);
        long expected = classes * (2 + 3) + schools * (1 + 3) + 3 * 3;
        Assert.Equal(expected, structure.ValueCount);
    }

    [Fact]
    public void NotPositiveDefiniteIsReported()
    {
        var (dense, start, adjacency) = RandomMatrix(20, 2, 7);
        dense[5 * 22 + 5] = -1;
        var structure = SupernodalStructure.Analyse(20, start, adjacency, Enumerable.Range(0, 20).ToArray(), 2);
        var values = Scatter(structure, dense);
        Assert.False(new SupernodalCholesky(structure).Factor(values));
    }
}
