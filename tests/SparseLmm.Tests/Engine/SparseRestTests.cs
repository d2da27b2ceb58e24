using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Engine;

/// <summary>The supernodal rest against the dense rest on random designs: nested, partially crossed and crossed level
/// assignments, unbalanced, scalar and vector terms, at random θ. Both must give the same objective, β̂, û, Cov(β̂)
/// and conditional covariances; and the structure must be chosen as the design implies.</summary>
public class SparseRestTests
{
    private static readonly string[] Formulas =
    [
        "y ~ 1 + x + (1 | a) + (1 | b) + (1 | c)",
        "y ~ 1 + x + (1 + x | a) + (1 | b) + (1 | c)",
        "y ~ 1 + x + (1 | a) + (1 + x | b) + (1 | c)",
        "y ~ 1 + x + (1 | a) + (1 + x | b) + (1 + x | c)",
        "y ~ 1 + (1 | a) + (1 | b)",
        "y ~ 0 + x + (1 | a) + (1 | c)",
    ];

    /// <summary>Three grouping factors with sizes drawn per level: a within b within c (nested), or b crossed with a
    /// in some rows (partially crossed), or b and c drawn independently of a (crossed); labels in random order.</summary>
    internal static DataTable RandomDesign(int seed, int shape)
    {
        var random = new Random(seed);
        int outer = random.Next(2, 6), middle = outer * random.Next(2, 5), inner = middle * random.Next(2, 4);
        var a = new List<int>();
        var b = new List<int>();
        var c = new List<int>();
        var middleOfInner = Enumerable.Range(0, inner).Select(l => l % middle).ToArray();
        var outerOfMiddle = Enumerable.Range(0, middle).Select(l => l % outer).ToArray();
        for (int level = 0; level < inner; level++)
        {
            // Unbalanced, with single-row levels, yet always more rows than a (1 + x | a) term has random effects
            // (2 per level), which the design would refuse: a third of the levels have one row, the rest 3–6.
            int rows = level % 3 == 0 ? 1 : 3 + random.Next(4);
            for (int r = 0; r < rows; r++)
            {
                int m = shape switch
                {
                    0 => middleOfInner[level],
                    1 => random.Next(4) == 0 ? random.Next(middle) : middleOfInner[level],
                    _ => random.Next(middle),
                };
                a.Add(level);
                b.Add(m);
                c.Add(shape == 2 ? random.Next(outer) : outerOfMiddle[m]);
            }
        }
        int n = a.Count;
        var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 3).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 1 + x[i] + 0.5 * a[i] % 3 + 0.3 * b[i] % 2 + random.NextDouble()).ToArray();
        string[] Labels(int count) => Enumerable.Range(0, count).OrderBy(_ => random.Next()).Select(l => $"L{l}").ToArray();
        return new DataTable(
        [
            new NumericColumn("y", y),
            new NumericColumn("x", x),
            new CategoricalColumn("a", a.ToArray(), Labels(inner)),
            new CategoricalColumn("b", b.ToArray(), Labels(middle)),
            new CategoricalColumn("c", c.ToArray(), Labels(outer)),
        ], "random");
    }

    private static (ProfiledDeviance Deviance, CrossProductLayout Layout) Build(ModelDesign design, RestStorage storage, bool reml)
    {
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, storage);
        var products = new CrossProducts(layout);
        products.Accumulate(design.X, ((NumericResponse)design.Response).Values, ReadOnlySpan<double>.Empty);
        return (new ProfiledDeviance(products, reml), layout);
    }

    [Property(MaxTest = 80)]
    public Property SupernodalMatchesDense() => Prop.ForAll(
        Gen.Choose(0, 1_000_000).ToArbitrary(), Gen.Choose(0, 2).ToArbitrary(), Gen.Choose(0, Formulas.Length - 1).ToArbitrary(),
        (seed, shape, formulaIndex) =>
        {
            var design = ModelDesignBuilder.Build(FormulaParser.Parse(Formulas[formulaIndex]), RandomDesign(seed, shape));
            bool reml = seed % 2 == 0;
            var (dense, denseLayout) = Build(design, RestStorage.Dense, reml);
            var (sparse, sparseLayout) = Build(design, RestStorage.Supernodal, reml);
            Assert.Null(denseLayout.Supernodal);
            Assert.NotNull(sparseLayout.Supernodal);
            var random = new Random(seed);
            var theta = new double[dense.Parameterization.Length];
            for (int i = 0; i < theta.Length; i++)
                theta[i] = dense.Parameterization.IsDiagonal(i) ? 0.05 + 2 * random.NextDouble() : random.NextDouble() - 0.5;
            double expected = dense.Evaluate(theta), actual = sparse.Evaluate(theta);
            Assert.Equal(expected, actual, 1e-9 * Math.Abs(expected));

            var denseSolution = ModeSolution.Compute(dense, theta);
            var sparseSolution = ModeSolution.Compute(sparse, theta);
            AssertClose(denseSolution.Beta, sparseSolution.Beta);
            AssertClose(denseSolution.UnscaledFixedCovariance, sparseSolution.UnscaledFixedCovariance);
            for (int t = 0; t < denseSolution.SphericalModes.Length; t++)
            {
                AssertClose(denseSolution.SphericalModes[t], sparseSolution.SphericalModes[t]);
                AssertClose(denseSolution.UnscaledConditionalCovariance[t], sparseSolution.UnscaledConditionalCovariance[t]);
            }
            return true;
        });

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-8 * Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], scale);
    }

    [Fact]
    public void NestedFactorsAreDetectedAndHaveNoFill()
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + x + (1 | a) + (1 | b) + (1 | c)"), RandomDesign(3, shape: 0));
        var (_, layout) = Build(design, RestStorage.Supernodal, reml: false);
        var description = layout.Structure.Description;
        Assert.Contains("a in b", description.Nesting);
        Assert.Contains("b in c", description.Nesting);
        Assert.Contains("a in c", description.Nesting);
        // No fill: every middle level's column holds itself, its outer level and the tail (p + 1 = 3 rows).
        int middle = layout.Terms[1].LevelCount, outer = layout.Terms[2].LevelCount;
        Assert.Equal(middle * (2 + 3) + outer * (1 + 3) + 3 * 4 / 2, layout.Supernodal!.Structure.FactorNonzeros);
    }

    [Fact]
    public void CrossedFactorsAreNotCalledNested()
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + x + (1 | a) + (1 | b) + (1 | c)"), RandomDesign(3, shape: 2));
        var (_, layout) = Build(design, RestStorage.Automatic, reml: false);
        Assert.DoesNotContain("b in c", layout.Structure.Description.Nesting);
        Assert.Contains("a in b", Build(ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + (1 | a) + (1 | b)"), RandomDesign(3, shape: 0)),
            RestStorage.Automatic, reml: false).Layout.Structure.Description.Nesting);
    }
}
