using SparseLmm.Data;

namespace SparseLmm.Tests.Engine;

/// <summary>Small random data sets for engine tests: a response, two covariates, a categorical covariate and two crossed
/// (or nested) grouping factors.</summary>
public static class SimulatedDesigns
{
    public static DataTable Crossed(int seed, int rows = 120, int firstLevels = 15, int secondLevels = 6, bool nested = false)
    {
        var random = new Random(seed);
        var y = new double[rows];
        var x = new double[rows];
        var z = new double[rows];
        var category = new int[rows];
        var first = new int[rows];
        var second = new int[rows];
        var firstEffects = Enumerable.Range(0, firstLevels).Select(_ => Normal(random)).ToArray();
        var slopeEffects = Enumerable.Range(0, firstLevels).Select(_ => 0.5 * Normal(random)).ToArray();
        var secondEffects = Enumerable.Range(0, secondLevels).Select(_ => 0.7 * Normal(random)).ToArray();
        for (int i = 0; i < rows; i++)
        {
            first[i] = i % firstLevels;
            second[i] = nested ? first[i] % secondLevels : random.Next(secondLevels);
            x[i] = random.NextDouble() * 4;
            z[i] = Normal(random);
            category[i] = random.Next(3);
            y[i] = 2 + 0.8 * x[i] - 0.3 * z[i] + 0.4 * category[i] + firstEffects[first[i]] + slopeEffects[first[i]] * x[i]
                + secondEffects[second[i]] + 0.6 * Normal(random);
        }
        return new DataTable(
        [
            new NumericColumn("y", y),
            new NumericColumn("x", x),
            new NumericColumn("z", z),
            new CategoricalColumn("c", category, ["a", "b", "c"]),
            new CategoricalColumn("g", first, Enumerable.Range(0, firstLevels).Select(l => $"g{l:D3}").ToArray()),
            new CategoricalColumn("h", second, Enumerable.Range(0, secondLevels).Select(l => $"h{l:D3}").ToArray()),
        ], "simulated");
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
