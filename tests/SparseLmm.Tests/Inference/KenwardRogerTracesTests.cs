using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Inference;
using SparseLmm.Tests.Engine;

namespace SparseLmm.Tests.Inference;

/// <summary>Kenward–Roger's pieces read the rest's cross-products in either storage: on nested, partially crossed and
/// crossed designs with scalar and vector rest terms, at a random θ, the supernodal layout must give what the dense
/// one gives (pbkrtest itself is matched in <see cref="DdfReferenceTests"/>).</summary>
public class KenwardRogerTracesTests
{
    [Theory]
    [InlineData("y ~ 1 + x + (1 | a) + (1 | b) + (1 | c)", 11, 0)]
    [InlineData("y ~ 1 + x + (1 + x | a) + (1 | b) + (1 | c)", 12, 1)]
    [InlineData("y ~ 1 + x + (1 | a) + (1 + x | b) + (1 | c)", 13, 2)]
    [InlineData("y ~ 1 + x + (1 | a) + (1 + x | b) + (1 + x | c)", 14, 1)]
    public void Supernodal_and_dense_rest_give_the_same_pieces(string formula, int seed, int shape)
    {
        var data = SparseRestTests.RandomDesign(seed, shape);
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(formula), data);
        var dense = Traces(design, data, RestStorage.Dense, seed);
        var sparse = Traces(design, data, RestStorage.Supernodal, seed);
        AssertClose(dense.FixedInformation, sparse.FixedInformation);
        AssertClose(dense.K, sparse.K);
        for (int r = 0; r < dense.Count; r++)
        {
            AssertClose(dense.P[r], sparse.P[r]);
            for (int s = 0; s < dense.Count; s++) AssertClose(dense.Q[r * dense.Count + s], sparse.Q[r * dense.Count + s]);
        }
    }

    private static KenwardRogerTraces Traces(ModelDesign design, SparseLmm.Data.DataTable data, RestStorage storage, int seed)
    {
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, storage);
        Assert.Equal(storage == RestStorage.Supernodal, layout.Supernodal is not null);
        var products = new CrossProducts(layout);
        products.AccumulateCentred(design, ((NumericResponse)design.Response).Values);
        var source = new FitSource(design, data, FitOptions.Default, products);
        var random = new Random(seed);
        var theta = new double[source.Parameterization.Length];
        for (int i = 0; i < theta.Length; i++)
            theta[i] = source.Parameterization.IsDiagonal(i) ? 0.2 + random.NextDouble() : random.NextDouble() - 0.5;
        return KenwardRogerTraces.Compute(source, theta);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-9 * Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= scale, $"entry {i}: {expected[i]} vs {actual[i]}");
    }
}
