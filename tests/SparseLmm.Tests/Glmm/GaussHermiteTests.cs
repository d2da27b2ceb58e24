using SparseLmm.Glmm;

namespace SparseLmm.Tests.Glmm;

/// <summary>Gauss–Hermite rules for the standard normal density against known values and exact moments.</summary>
public class GaussHermiteTests
{
    [Fact]
    public void SmallRulesAreTheKnownOnes()
    {
        var (n1, w1) = GaussHermite.Rule(1);
        Assert.Equal([0.0], n1);
        Assert.Equal([1.0], w1);

        var (n2, w2) = GaussHermite.Rule(2);
        Assert.Equal(-1, n2[0], 1e-15);
        Assert.Equal(1, n2[1], 1e-15);
        Assert.Equal(0.5, w2[0], 1e-15);

        var (n3, w3) = GaussHermite.Rule(3);
        Assert.Equal(-Math.Sqrt(3), n3[0], 1e-14);
        Assert.Equal(0, n3[1]);
        Assert.Equal(2.0 / 3, w3[1], 1e-14);
        Assert.Equal(1.0 / 6, w3[2], 1e-14);

        // Four nodes: ±√(3 ∓ √6), weights (3 ± √6)/12... for the standard normal: 1/(4(3 ∓ √6)).
        var (n4, w4) = GaussHermite.Rule(4);
        Assert.Equal(Math.Sqrt(3 + Math.Sqrt(6)), n4[3], 1e-13);
        Assert.Equal(Math.Sqrt(3 - Math.Sqrt(6)), n4[2], 1e-13);
        Assert.Equal(1 / (4 * (3 + Math.Sqrt(6))), w4[3], 1e-13);
        Assert.Equal(1 / (4 * (3 - Math.Sqrt(6))), w4[2], 1e-13);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(25)]
    [InlineData(50)]
    [InlineData(100)]
    public void RulesIntegrateNormalMomentsExactly(int count)
    {
        var (nodes, weights) = GaussHermite.Rule(count);
        Assert.Equal(count, nodes.Length);
        Assert.Equal(1, weights.Sum(), 1e-13);
        for (int k = 1; k < count; k++) Assert.True(nodes[k] > nodes[k - 1]);
        for (int k = 0; k < count; k++)
        {
            Assert.Equal(-nodes[count - 1 - k], nodes[k]);
            Assert.True(weights[k] > 0);
        }
        // E z^{2m} = (2m − 1)!! for 2m < 2N; checked while the moment stays well inside double range.
        double doubleFactorial = 1;
        for (int m = 1; 2 * m < 2 * count && m <= 12; m++)
        {
            doubleFactorial *= 2 * m - 1;
            double moment = 0;
            for (int k = 0; k < count; k++) moment += weights[k] * Math.Pow(nodes[k], 2 * m);
            Assert.Equal(1, moment / doubleFactorial, 1e-10);
        }
        // E cos(z) = e^{-1/2}.
        double cosine = 0;
        for (int k = 0; k < count; k++) cosine += weights[k] * Math.Cos(nodes[k]);
        Assert.Equal(Math.Exp(-0.5), cosine, count >= 15 ? 1e-13 : 1e-4);
    }
}
