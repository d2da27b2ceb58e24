using SparseLmm.Data;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>Calibration of the posterior on simulated data (simulation-based calibration). The relative SD σ_b/σ is
/// drawn from its half-t(3) prior, β and σ are fixed: with a flat prior on β and p(σ) ∝ 1/σ (the right Haar prior of
/// the location–scale group the model is invariant under), the posterior intervals of equivariant parameters (β, σ,
/// σ_b, b) have exact coverage averaged over the prior of θ. So each 95% interval must cover the truth in 95% of the
/// data sets within binomial error, and the truth's posterior CDF value must average ½.</summary>
public class CalibrationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Datasets = 200;
    private const int Groups = 8, PerGroup = 6;

    [Fact]
    public void Posterior_intervals_cover_the_truth_at_their_nominal_rate()
    {
        string[] names = ["sd_(Intercept)|g", "sigma", "(Intercept)", "x", "b_(Intercept)|g:g0"];
        var tally = new CoverageTally(names);
        var random = new Random(20261201);
        for (int dataset = 0; dataset < Datasets; dataset++)
        {
            double relativeSd = Math.Abs(Normal(random) / Math.Sqrt(ChiSquare3(random) / 3));
            var (table, firstEffect) = Simulate(random, relativeSd);
            var fit = MixedModel.Fit("y ~ 1 + x + (1 | g)", table, new FitOptions(Threads: 1));
            var posterior = MixedModelSampler.Sample(fit, new McmcOptions(Draws: 400, Chains: 1, Warmup: 100, Seed: dataset, Threads: 1));
            double[] truth = [relativeSd, 1.0, 1.0, -0.5, firstEffect];
            tally.Add(posterior, truth);
        }
        tally.AssertNominal(output, "");
    }

    /// <summary>y = 1 − 0.5 x + b_g + e with σ = 1, b_g ~ N(0, s²); returns the table and b of group g0.</summary>
    private static (DataTable Table, double FirstEffect) Simulate(Random random, double relativeSd)
    {
        int n = Groups * PerGroup;
        var effects = Enumerable.Range(0, Groups).Select(_ => relativeSd * Normal(random)).ToArray();
        var x = new double[n];
        var y = new double[n];
        var g = new int[n];
        for (int i = 0; i < n; i++)
        {
            g[i] = i / PerGroup;
            x[i] = i % PerGroup - 2.5 + 0.3 * (i / PerGroup % 3);
            y[i] = 1 - 0.5 * x[i] + effects[g[i]] + Normal(random);
        }
        var levels = Enumerable.Range(0, Groups).Select(l => $"g{l}").ToArray();
        return (new DataTable([new NumericColumn("y", y), new NumericColumn("x", x), new CategoricalColumn("g", g, levels)], "simulated"), effects[0]);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double ChiSquare3(Random random)
    {
        double sum = 0;
        for (int i = 0; i < 3; i++)
        {
            double z = Normal(random);
            sum += z * z;
        }
        return sum;
    }
}
