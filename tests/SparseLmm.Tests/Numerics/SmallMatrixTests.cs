using MathNet.Numerics.LinearAlgebra;
using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

/// <summary>Every routine of <see cref="SmallMatrix"/> against MathNet's dense linear algebra, on random matrices of
/// the orders the fits use, plus the failures each must report.</summary>
public class SmallMatrixTests
{
    private static readonly int[] Orders = [1, 2, 3, 5, 8, 13];

    private static Matrix<double> RandomMatrix(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        return Matrix<double>.Build.Dense(rows, columns, (_, _) => random.NextDouble() * 2 - 1);
    }

    private static Matrix<double> RandomSpd(int n, int seed)
    {
        var g = RandomMatrix(n, n, seed);
        return g * g.Transpose() + Matrix<double>.Build.DenseIdentity(n) * 0.1;
    }

    private static double[] RowMajor(Matrix<double> m) => m.ToRowMajorArray();

    private static void AssertClose(Matrix<double> expected, double[] actual, double tolerance)
    {
        var got = Matrix<double>.Build.DenseOfRowMajor(expected.RowCount, expected.ColumnCount, actual);
        double scale = Math.Max(1, expected.FrobeniusNorm());
        Assert.True((expected - got).FrobeniusNorm() <= tolerance * scale,
            $"difference {(expected - got).FrobeniusNorm():G3} (scale {scale:G3})");
    }

    [Fact]
    public void CholeskyMatchesMathNetAndZeroesTheUpperTriangle()
    {
        foreach (int n in Orders)
        {
            var a = RandomSpd(n, n);
            var factor = RowMajor(a);
            Assert.True(SmallMatrix.Cholesky(factor, n));
            AssertClose(a.Cholesky().Factor, factor, 1e-12);
        }
    }

    [Fact]
    public void CholeskyRefusesIndefiniteAndNearlySingularMatrices()
    {
        double[] indefinite = [1, 2, 2, 1];
        Assert.False(SmallMatrix.Cholesky(indefinite, 2));
        Assert.False(SmallMatrix.IsPositiveDefinite([1, 2, 2, 1], 2));
        Assert.True(SmallMatrix.IsPositiveDefinite([2, 1, 1, 2], 2));
        // Positive definite, but the second pivot is 1e-12 of its diagonal entry: refused only with a tolerance.
        double[] nearlySingular = [1, 1, 1, 1 + 1e-12];
        Assert.True(SmallMatrix.Cholesky((double[])nearlySingular.Clone(), 2));
        Assert.False(SmallMatrix.Cholesky(nearlySingular, 2, relativePivotTolerance: 1e-10));
    }

    [Fact]
    public void TriangularSolvesMatchMathNet()
    {
        foreach (int n in Orders)
        {
            var a = RandomSpd(n, 100 + n);
            var l = a.Cholesky().Factor;
            var b = RandomMatrix(n, 1, 200 + n).Column(0);
            var x = b.ToArray();
            SmallMatrix.SolveLower(RowMajor(l), n, x);
            AssertClose(l.Solve(b.ToColumnMatrix()), x, 1e-11);
            x = b.ToArray();
            SmallMatrix.SolveLowerTransposed(RowMajor(l), n, x);
            AssertClose(l.Transpose().Solve(b.ToColumnMatrix()), x, 1e-11);
        }
    }

    [Fact]
    public void InverseMatchesMathNetForGeneralAndIndefiniteMatrices()
    {
        foreach (int n in Orders)
        {
            var a = RandomMatrix(n, n, 300 + n) + Matrix<double>.Build.DenseIdentity(n) * 2;
            AssertClose(a.Inverse(), SmallMatrix.Inverse(RowMajor(a), n)!, 1e-10);
        }
        // A symmetric indefinite matrix (a Hessian at a saddle) has an inverse too.
        var saddle = Matrix<double>.Build.DenseOfRowMajor(2, 2, [1, 2, 2, 1]);
        AssertClose(saddle.Inverse(), SmallMatrix.Inverse(RowMajor(saddle), 2)!, 1e-14);
        Assert.Null(SmallMatrix.Inverse([1, 2, 2, 4], 2));
    }

    [Fact]
    public void SkippingCholeskyFindsTheDependentColumnsAndFactorsTheRest()
    {
        // Columns: x0, x1, x0 + 2 x1 (dependent), x3.
        var x = RandomMatrix(20, 4, 7);
        x.SetColumn(2, x.Column(0) + 2 * x.Column(1));
        var gram = RowMajor(x.TransposeThisAndMultiply(x));
        var skipped = SmallMatrix.CholeskySkippingDependentColumns(gram, 4, 1e-7);
        Assert.Equal([2], skipped);
        var kept = x.RemoveColumn(2);
        var keptFactor = (kept.TransposeThisAndMultiply(kept)).Cholesky().Factor;
        var factor = Matrix<double>.Build.DenseOfRowMajor(4, 4, gram);
        Assert.Equal(0.0, factor.Column(2).AbsoluteMaximum());
        AssertClose(keptFactor, RowMajor(factor.RemoveColumn(2).RemoveRow(2)), 1e-10);
    }

    [Fact]
    public void SemidefiniteCholeskyReproducesASingularCovariance()
    {
        // Rank 2 in order 3: perfectly correlated first and third variables.
        var g = RandomMatrix(3, 2, 11);
        g.SetRow(2, g.Row(0) * 3);
        var covariance = g * g.Transpose();
        var l = SmallMatrix.SemidefiniteCholesky(RowMajor(covariance), 3)!;
        var factor = Matrix<double>.Build.DenseOfRowMajor(3, 3, l);
        AssertClose(covariance, RowMajor(factor * factor.Transpose()), 1e-12);
        Assert.Null(SmallMatrix.SemidefiniteCholesky([1, 2, 2, 1], 2));
    }

    [Fact]
    public void ProductsMatchMathNet()
    {
        var a = RandomMatrix(4, 3, 21);
        var b = RandomMatrix(3, 5, 22);
        AssertClose(a * b, SmallMatrix.Multiply(RowMajor(a), RowMajor(b), 4, 3, 5), 1e-14);
        var tall = RandomMatrix(30, 3, 23);
        var other = RandomMatrix(30, 2, 24);
        AssertClose(tall.TransposeThisAndMultiply(other), SmallMatrix.TransposeMultiply(RowMajor(tall), RowMajor(other), 30, 3, 2), 1e-13);
        var map = RandomMatrix(4, 4, 25);
        var covariance = RandomSpd(4, 26);
        AssertClose(map * covariance * map.Transpose(), SmallMatrix.Congruence(RowMajor(map), RowMajor(covariance), 4), 1e-13);
        Assert.Equal(covariance.Trace(), SmallMatrix.Trace(RowMajor(covariance), 4), 14);
    }

    [Fact]
    public void TermBlockProductsMatchMathNet()
    {
        const int k = 3;
        var t = RandomMatrix(k, k, 31).LowerTriangle();
        var a = RandomSpd(k, 32);
        var result = new double[k * k];
        SmallMatrix.ScaledPlusIdentity(RowMajor(a), RowMajor(t), k, result);
        AssertClose(t.Transpose() * a * t + Matrix<double>.Build.DenseIdentity(k), result, 1e-13);
        var v = RandomMatrix(1, k, 33);
        var row = RowMajor(v);
        SmallMatrix.MultiplyRowByLower(row, RowMajor(t), k);
        AssertClose(v * t, row, 1e-14);
    }
}
