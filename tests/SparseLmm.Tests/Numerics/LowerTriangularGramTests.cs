using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

/// <summary>G'G against the naive triple loop, at orders around the six-row blocks and the four-wide vectors.</summary>
public class LowerTriangularGramTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(64)]
    [InlineData(101)]
    public void MatchesTheNaiveProduct(int n)
    {
        var random = new Random(n);
        var lower = new double[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c <= r; c++) lower[r * n + c] = random.NextDouble() * 2 - 1;
        var gram = LowerTriangularGram.Compute(lower, n);
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                double expected = 0;
                for (int r = 0; r < n; r++) expected += lower[r * n + a] * lower[r * n + b];
                Assert.Equal(expected, gram[a * n + b], 1e-12 * n);
            }
    }
}
