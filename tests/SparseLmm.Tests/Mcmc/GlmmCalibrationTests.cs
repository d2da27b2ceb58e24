using SparseLmm.Data;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>Calibration of the GLMM sampler on simulated data (simulation-based calibration, Talts et al. 2018): the
/// herd-like SD σ_b is drawn from its prior (rstanarm's decov for one term: σ_b ~ Exponential(1)) and the random
/// effects from N(0, σ_b²), so the posterior intervals of σ_b and of a random effect must cover the truth in 95% of
/// the data sets within binomial error, and the truth's posterior CDF value must average ½. The fixed effects are
/// held at one value under their flat prior, so theirs is frequentist coverage, nominal only as far as the posterior
/// is close to normal; with 60 rows of 8 trials (binomial) or counts near 3 (Poisson) it is, and the test holds them
/// to the same tolerance. 120 data sets of one chain each keep the test to a few seconds.</summary>
public class GlmmCalibrationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Datasets = 120;
    private const int Groups = 10, PerGroup = 6, Trials = 8;

    [Theory]
    [InlineData("binomial")]
    [InlineData("poisson")]
    public void Posterior_intervals_cover_the_truth_at_their_nominal_rate(string familyName)
    {
        bool binomial = familyName == "binomial";
        string[] names = ["sd_(Intercept)|g", "(Intercept)", "x", "b_(Intercept)|g:g0"];
        double intercept = binomial ? -0.5 : 1.0, slope = 0.4;
        var tally = new CoverageTally(names);
        var random = new Random(binomial ? 20261201 : 20261202);
        var options = new FitOptions(Family: binomial ? Family.Binomial() : Family.Poisson(), Threads: 1);
        for (int dataset = 0; dataset < Datasets; dataset++)
        {
            double sd = -Math.Log(1 - random.NextDouble());
            var (table, firstEffect) = Simulate(random, sd, intercept, slope, binomial);
            string formula = binomial ? "cbind(s, f) ~ 1 + x + (1 | g)" : "y ~ 1 + x + (1 | g)";
            var fit = MixedModel.Fit(formula, table, options);
            var posterior = MixedModelSampler.Sample(fit,
                new McmcOptions(Draws: 300, Chains: 1, Warmup: 150, Seed: dataset, Prior: McmcPrior.RstanarmDecov, Threads: 1));
            double[] truth = [sd, intercept, slope, firstEffect];
            tally.Add(posterior, truth);
        }
        tally.AssertNominal(output, $"{familyName} ");
    }

    /// <summary>η = intercept + slope·x + b_g with b_g ~ N(0, sd²); binomial rows of <see cref="Trials"/> trials or
    /// Poisson counts. Returns the table and b of group g0.</summary>
    private static (DataTable Table, double FirstEffect) Simulate(Random random, double sd, double intercept, double slope, bool binomial)
    {
        int n = Groups * PerGroup;
        var effects = Enumerable.Range(0, Groups).Select(_ => sd * Normal(random)).ToArray();
        var x = new double[n];
        var first = new double[n];
        var second = new double[n];
        var g = new int[n];
        for (int i = 0; i < n; i++)
        {
            g[i] = i / PerGroup;
            x[i] = i % PerGroup - 2.5 + 0.3 * (i / PerGroup % 3);
            double eta = intercept + slope * x[i] + effects[g[i]];
            if (binomial)
            {
                double p = 1 / (1 + Math.Exp(-eta));
                int successes = 0;
                for (int t = 0; t < Trials; t++)
                    if (random.NextDouble() < p) successes++;
                first[i] = successes;
                second[i] = Trials - successes;
            }
            else
            {
                first[i] = Poisson(random, Math.Exp(eta));
            }
        }
        var levels = Enumerable.Range(0, Groups).Select(l => $"g{l}").ToArray();
        var columns = new List<DataColumn> { new NumericColumn("x", x), new CategoricalColumn("g", g, levels) };
        if (binomial)
        {
            columns.Add(new NumericColumn("s", first));
            columns.Add(new NumericColumn("f", second));
        }
        else
        {
            columns.Add(new NumericColumn("y", first));
        }
        return (new DataTable(columns, "simulated"), effects[0]);
    }

    /// <summary>Knuth's product of uniforms, in pieces of mean at most 100 (a sum of Poisson variates is Poisson), so
    /// that e^(−mean) never underflows: σ_b drawn from its prior reaches 3 and more, and means in the thousands.</summary>
    private static int Poisson(Random random, double mean)
    {
        int pieces = (int)Math.Ceiling(mean / 100), count = 0;
        double limit = Math.Exp(-mean / pieces);
        for (int piece = 0; piece < pieces; piece++)
            for (double product = random.NextDouble(); product > limit; product *= random.NextDouble()) count++;
        return count;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
