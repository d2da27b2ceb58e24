using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Engine;

/// <summary>The ANOVA start of random-intercept models against values it must reproduce: REML on balanced data (where
/// the two coincide), the truth on a large unbalanced simulation, and the same numbers from either storage of the rest.</summary>
public sealed class InterceptVarianceMomentsTests
{
    private static double[]? Estimate(ModelDesign design, RestStorage storage)
    {
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var products = new CrossProducts(new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, storage));
        products.AccumulateCentred(design, ((NumericResponse)design.Response).Values);
        return InterceptVarianceMoments.Estimate(products);
    }

    [Fact]
    public void OnBalancedCrossedDataItIsTheRemlEstimate()
    {
        // Penicillin: 24 plates × 6 samples, one row each. lme4 1.1.31's REML θ: (1.53967555, 3.51251886), to its
        // optimiser's tolerance (the criterion is flat there: our REML optimum is 3.512415).
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("diameter ~ 1 + (1 | plate) + (1 | sample)"),
            EmbeddedDatasets.Load("Penicillin"));
        var variances = Estimate(design, RestStorage.Automatic)!;
        Assert.Equal(1.53967555, Math.Sqrt(variances[1] / variances[0]), 3e-4);
        Assert.Equal(3.51251886, Math.Sqrt(variances[2] / variances[0]), 3e-4);
    }

    [Fact]
    public void OnUnbalancedCrossedDataItIsNearTheTruthAndTheSameInEitherStorage()
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + x + (1 | a) + (1 | b) + (1 | c)"), Unbalanced(seed: 3));
        var dense = Estimate(design, RestStorage.Dense)!;
        var sparse = Estimate(design, RestStorage.Supernodal)!;
        for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], sparse[i], 1e-9 * Math.Abs(dense[i]));
        // Truth: σ² = 0.36, σ_a² = 1, σ_b² = 0.49, σ_c² = 0.25 (terms come largest first: a, b, c).
        Assert.InRange(dense[0], 0.36 * 0.95, 0.36 * 1.05);
        Assert.InRange(dense[1], 1 * 0.8, 1 * 1.2);
        Assert.InRange(dense[2], 0.49 * 0.7, 0.49 * 1.3);
        Assert.InRange(dense[3], 0.25 * 0.5, 0.25 * 1.5);
    }

    [Fact]
    public void VectorTermsGetNoEstimate()
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("Reaction ~ 1 + Days + (1 + Days | Subject)"),
            EmbeddedDatasets.Load("sleepstudy"));
        Assert.Null(Estimate(design, RestStorage.Automatic));
    }

    /// <summary>Three crossed factors whose levels are drawn with unequal probabilities (level i ∝ 1/(1 + i)), so level
    /// sizes range from a handful of rows to hundreds, as in real data.</summary>
    private static DataTable Unbalanced(int seed)
    {
        const int rows = 40_000;
        var random = new Random(seed);
        int Draw(int levels)
        {
            double total = 0;
            for (int i = 0; i < levels; i++) total += 1.0 / (1 + i);
            double u = random.NextDouble() * total;
            for (int i = 0; i < levels; i++)
                if ((u -= 1.0 / (1 + i)) <= 0) return i;
            return levels - 1;
        }
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        int[] sizes = [800, 120, 30];
        double[] sds = [1, 0.7, 0.5];
        var effects = sizes.Select((levels, t) => Enumerable.Range(0, levels).Select(_ => sds[t] * Normal()).ToArray()).ToArray();
        var codes = sizes.Select(_ => new int[rows]).ToArray();
        var x = new double[rows];
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            x[r] = random.NextDouble() * 3;
            y[r] = 1 + 0.5 * x[r] + 0.6 * Normal();
            for (int t = 0; t < sizes.Length; t++)
            {
                codes[t][r] = Draw(sizes[t]);
                y[r] += effects[t][codes[t][r]];
            }
        }
        string[] Labels(string prefix, int count) => Enumerable.Range(0, count).Select(l => $"{prefix}{l:D4}").ToArray();
        return new DataTable(
        [
            new NumericColumn("y", y),
            new NumericColumn("x", x),
            new CategoricalColumn("a", codes[0], Labels("a", sizes[0])),
            new CategoricalColumn("b", codes[1], Labels("b", sizes[1])),
            new CategoricalColumn("c", codes[2], Labels("c", sizes[2])),
        ], "unbalanced");
    }
}
