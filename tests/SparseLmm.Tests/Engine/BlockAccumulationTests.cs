using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Tests.Engine;

/// <summary>Cross-products summed a block of rows at a time (a streamed GLMM's passes) are those of the pass over all
/// the rows to the bit, sequential or in partitions.</summary>
public class BlockAccumulationTests
{
    [Theory]
    [InlineData(5_000)]
    [InlineData(300_000)]
    public void BlocksGiveTheBitsOfOnePass(int n)
    {
        var random = new Random(16);
        int p = 3;
        var first = new RandomEffectsDesign("a", ["(Intercept)", "x"], new int[n], Enumerable.Range(0, 700).Select(l => $"a{l}").ToArray(), new double[2 * n]);
        var second = new RandomEffectsDesign("b", ["(Intercept)"], new int[n], Enumerable.Range(0, 30).Select(l => $"b{l}").ToArray(), new double[n]);
        var x = new double[n * p];
        var response = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            first.LevelOfRow[i] = random.Next(700);
            second.LevelOfRow[i] = random.Next(30);
            first.Z[2 * i] = 1;
            first.Z[2 * i + 1] = random.NextDouble() * 3;
            second.Z[i] = 1;
            x[i * p] = 1;
            x[i * p + 1] = random.NextDouble();
            x[i * p + 2] = random.NextDouble() - 0.5;
            response[i] = random.NextDouble() * 10;
            weights[i] = 0.5 + random.NextDouble();
        }
        var layout = new CrossProductLayout([first, second], p, n);
        var whole = new CrossProducts(layout);
        whole.Accumulate(x, response, weights);

        var blocks = new CrossProducts(layout);
        var rowsOfLevel = new int[700];
        foreach (int level in first.LevelOfRow) rowsOfLevel[level]++;
        blocks.SumBlocksAsPartitioned(rowsOfLevel);
        for (int pass = 0; pass < 2; pass++)
        {
            blocks.BeginBlocks();
            const int size = 4_099;
            for (int start = 0; start < n; start += size)
            {
                int rows = Math.Min(size, n - start);
                var terms = new[]
                {
                    first with { LevelOfRow = first.LevelOfRow[start..(start + rows)], Z = first.Z[(2 * start)..(2 * (start + rows))] },
                    second with { LevelOfRow = second.LevelOfRow[start..(start + rows)], Z = second.Z[start..(start + rows)] },
                };
                blocks.AddBlock(terms, rows, x.AsSpan(start * p, rows * p), response.AsSpan(start, rows), weights.AsSpan(start, rows));
            }
            blocks.EndBlocks();
            Assert.Equal(whole.FirstBlocks, blocks.FirstBlocks);
            Assert.Equal(whole.FirstRest, blocks.FirstRest);
            Assert.Equal(whole.Rest, blocks.Rest);
        }
    }
}
