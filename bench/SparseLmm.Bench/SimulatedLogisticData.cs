using SparseLmm.Data;

namespace SparseLmm.Bench;

/// <summary>The GLMM benchmark's data (issue 3): a logistic model with a random intercept, deterministic by seed.
/// <c>y ~ 1 + x + (1 | g)</c> with rows spread evenly over the groups, x standard normal,
/// logit P(y = 1) = −0.5 + 0.8 x + b_g, b_g ~ N(0, 1).</summary>
internal sealed class SimulatedLogisticData(int rows, int groups, ulong seed)
{
    /// <summary>The model fitted to it.</summary>
    public const string Formula = "y ~ 1 + x + (1 | g)";

    /// <summary>The table: y (0/1), x, g (labels g00000 ...).</summary>
    public DataTable ToDataTable()
    {
        var random = new Xoshiro256StarStar(seed, stream: 0);
        var groupEffects = new double[groups];
        for (int j = 0; j < groups; j++) groupEffects[j] = random.NextNormal();
        var y = new double[rows];
        var x = new double[rows];
        var g = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            g[i] = (int)((long)i * groups / rows);
            x[i] = random.NextNormal();
            double eta = -0.5 + 0.8 * x[i] + groupEffects[g[i]];
            y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0;
        }
        var labels = Enumerable.Range(0, groups).Select(j => $"g{j:D5}").ToArray();
        return new DataTable([new NumericColumn("y", y), new NumericColumn("x", x), new CategoricalColumn("g", g, labels)],
            $"logistic-{rows}");
    }
}
