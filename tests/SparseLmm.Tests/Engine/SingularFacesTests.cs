using FsCheck.Xunit;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Results;

namespace SparseLmm.Tests.Engine;

/// <summary>The probes of a singular optimum (<see cref="SingularFaces"/>): other lower-triangular factors of the same
/// covariance, with the zero diagonal entry stepped off its bound.</summary>
public sealed class SingularFacesTests
{
    private static CovarianceParameterization Parameterization(params (int Columns, CovarianceStructure Structure)[] terms) =>
        new([.. terms.Select(t => new RandomEffectsDesign("g", [.. Enumerable.Range(0, t.Columns).Select(c => $"z{c}")], [0], ["a"],
            new double[t.Columns]) { Structure = t.Structure })]);

    private static double[] Covariance(CovarianceParameterization parameterization, double[] theta, int term)
    {
        int k = parameterization.ColumnCounts[term];
        var factor = new double[k * k];
        parameterization.FillFactor(theta, term, factor);
        var covariance = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                for (int c = 0; c < k; c++) covariance[a * k + b] += factor[a * k + c] * factor[b * k + c];
        return covariance;
    }

    /// <summary>A 3×3 term's θ (T's lower triangle by columns: T₀₀ T₁₀ T₂₀ T₁₁ T₂₁ T₂₂) with T_jj = 0: every probe,
    /// its T_jj put back to 0, has the covariance TT' of θ, the step in T_jj and a zero at T_{j+1,j+1}.</summary>
    [Property(MaxTest = 200)]
    public void ProbesAreOtherFactorsOfTheSameCovariance(double a, double b, double c, double d, double e, bool second)
    {
        var values = new[] { a, b, c, d, e }.Select(v => double.IsFinite(v) ? Math.Clamp(v, -10, 10) : 0.5).ToArray();
        int j = second ? 1 : 0;
        int diagonal = second ? 3 : 0, next = second ? 5 : 3;
        var theta = new double[6];
        int from = 0;
        // The other diagonal entries positive: one zero probed at a time.
        for (int i = 0; i < 6; i++) theta[i] = i == diagonal ? 0 : i is 0 or 3 or 5 ? 0.1 + Math.Abs(values[from++]) : values[from++];
        var parameterization = Parameterization((3, CovarianceStructure.Unstructured));
        var units = new[] { 1.0, 1, 1, 2, 2, 4 };
        var probes = SingularFaces.Probes(parameterization, theta, units, 1e-4);
        var expected = Covariance(parameterization, theta, 0);
        // No probe where column j is zero below the diagonal once rotated, two otherwise.
        bool below = j == 0 ? theta[1] != 0 || theta[2] != 0 || theta[3] != 0 : theta[4] != 0 || theta[5] != 0;
        Assert.Equal(below ? 2 : 0, probes.Count);
        foreach (var probe in probes)
        {
            Assert.Equal(SingularFaces.Step * units[diagonal], probe[diagonal]);
            Assert.Equal(0, probe[next]);
            probe[diagonal] = 0;
            var covariance = Covariance(parameterization, probe, 0);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], covariance[i], 1e-12 * (1 + Math.Abs(expected[i])));
        }
        // The two probes are the same factor with column j's sign changed.
        if (probes.Count == 2)
            for (int row = j + 1; row < 3; row++)
            {
                int index = j == 0 ? row : 3 + row - 1;
                Assert.Equal(probes[0][index], -probes[1][index]);
            }
    }

    [Fact]
    public void TheRotationMovesRowJPlusOneIntoColumnJ()
    {
        // T = [0 0; 0.3 0.4]: the same covariance as [0 0; ±0.5 0], the probes [δ 0; ±0.5 0].
        var parameterization = Parameterization((2, CovarianceStructure.Unstructured));
        var probes = SingularFaces.Probes(parameterization, [0, 0.3, 0.4], [1, 1, 1], 1e-4);
        Assert.Equal(2, probes.Count);
        Assert.Equal([SingularFaces.Step, 0.5, 0], probes[0], (x, y) => Math.Abs(x - y) < 1e-15);
        Assert.Equal([SingularFaces.Step, -0.5, 0], probes[1], (x, y) => Math.Abs(x - y) < 1e-15);
    }

    [Theory]
    [InlineData(new[] { 0.2, -0.1, 0.3 })] // no zero
    [InlineData(new[] { 0.2, -0.1, 0.0 })] // the last column's zero: the factor of a rank-one TT' is unique
    [InlineData(new[] { 0.0, 0.0, 0.3 })] // column 0 zero below its zero diagonal: the rotation is taken, T_11 > 0
    public void OnlyAZeroWithAColumnAfterItIsProbed(double[] theta)
    {
        var parameterization = Parameterization((2, CovarianceStructure.Unstructured));
        int expected = theta[0] == 0 ? 2 : 0;
        Assert.Equal(expected, SingularFaces.Probes(parameterization, theta, [1, 1, 1], 1e-4).Count);
    }

    [Fact]
    public void StructuredAndScalarTermsHaveNoOtherFactors()
    {
        // A diag term's SDs, a cs term's SDs and ρ, and a scalar term: one factor per covariance.
        var parameterization = Parameterization((2, CovarianceStructure.Diagonal), (2, CovarianceStructure.CompoundSymmetry), (1, CovarianceStructure.Unstructured));
        Assert.Empty(SingularFaces.Probes(parameterization, [0, 0.5, 0, 0.5, 0.3, 0], [1, 1, 1, 1, 1, 1], 1e-4));
    }
}
