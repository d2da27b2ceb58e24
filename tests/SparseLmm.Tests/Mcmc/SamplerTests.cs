using SparseLmm.Data;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>The sampler end to end through the library: reproducible by seed on any number of threads, posterior means
/// at the REML estimates when the data are many, sleepstudy's diagnostics, and refusals.</summary>
public class SamplerTests
{
    private static readonly Lazy<Results.MixedModelFit> Sleepstudy = new(() =>
        MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy")));

    [Fact]
    public void The_same_seed_gives_the_same_draws_on_any_number_of_threads()
    {
        var one = MixedModelSampler.Sample(Sleepstudy.Value, new McmcOptions(Draws: 50, Chains: 3, Warmup: 50, Seed: 7, Threads: 1));
        var three = MixedModelSampler.Sample(Sleepstudy.Value, new McmcOptions(Draws: 50, Chains: 3, Warmup: 50, Seed: 7, Threads: 3));
        var other = MixedModelSampler.Sample(Sleepstudy.Value, new McmcOptions(Draws: 50, Chains: 3, Warmup: 50, Seed: 8, Threads: 1));
        Assert.Equal(one.Names, three.Names);
        for (int c = 0; c < 3; c++)
            for (int j = 0; j < one.Names.Count; j++)
                Assert.Equal(one.ChainDraws(c, j), three.ChainDraws(c, j));
        Assert.NotEqual(one.ChainDraws(0, 0), other.ChainDraws(0, 0));
        Assert.NotEqual(one.ChainDraws(0, 0), one.ChainDraws(1, 0));
    }

    [Fact]
    public void Sleepstudy_chains_converge_with_every_parameter_summarised()
    {
        var posterior = MixedModelSampler.Sample(Sleepstudy.Value, new McmcOptions(Draws: 1000, Chains: 4, Seed: 1));
        Assert.Equal(["sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sd_Days|Subject", "sigma", "(Intercept)", "Days"],
            posterior.Names.Take(posterior.HyperparameterCount));
        Assert.Equal(6 + 36, posterior.Names.Count);
        Assert.True(posterior.Converged, posterior.Summary());
        foreach (var summary in posterior.Summaries)
        {
            Assert.True(summary.Rhat < 1.01 && summary.BulkEss >= 400 && summary.TailEss >= 400, summary.ToString());
            Assert.True(summary.Lower < summary.Mean && summary.Mean < summary.Upper, summary.ToString());
        }
        // The random effects' posterior means are near the conditional modes (the BLUPs).
        var blups = Sleepstudy.Value.RandomEffects["Subject"];
        int first = posterior.Names.ToList().IndexOf($"b_(Intercept)|Subject:{blups.Levels[0]}");
        Assert.Equal(blups.Values[0][0], posterior.Summaries[first].Mean, 3.0);
    }

    [Fact]
    public void With_many_data_the_posterior_means_are_the_reml_estimates()
    {
        var random = new Random(3);
        int groups = 300, perGroup = 12, n = groups * perGroup;
        var x = new double[n];
        var y = new double[n];
        var g = new int[n];
        var intercepts = Enumerable.Range(0, groups).Select(_ => 2 * Normal(random)).ToArray();
        var slopes = Enumerable.Range(0, groups).Select(_ => 0.5 * Normal(random)).ToArray();
        for (int i = 0; i < n; i++)
        {
            g[i] = i / perGroup;
            x[i] = i % perGroup / 2.0;
            y[i] = 5 + 1.5 * x[i] + intercepts[g[i]] + slopes[g[i]] * x[i] + Normal(random);
        }
        var table = new DataTable([new NumericColumn("y", y), new NumericColumn("x", x),
            new CategoricalColumn("g", g, Enumerable.Range(0, groups).Select(l => $"g{l}").ToArray())], "simulated");
        var fit = MixedModel.Fit("y ~ 1 + x + (1 + x | g)", table);
        var posterior = MixedModelSampler.Sample(fit, new McmcOptions(Draws: 400, Chains: 2, Warmup: 200, Seed: 2));
        var reml = SparseLmm.Inference.Simulation.Parameters(fit);
        for (int j = 0; j < posterior.HyperparameterCount; j++)
        {
            var summary = posterior.Summaries[j];
            Assert.True(Math.Abs(summary.Mean - reml[j]) < 0.25 * summary.StandardDeviation,
                $"{summary.Name}: posterior mean {summary.Mean} (sd {summary.StandardDeviation}), REML {reml[j]}");
        }
    }

    [Theory]
    [InlineData("Gamma", "inverse", "Gamma model with the inverse link")]
    [InlineData("binomial", "probit", "binomial model with the probit link")]
    public void A_glmm_without_a_sampler_is_refused(string family, string link, string named)
    {
        var data = EmbeddedDatasets.Load("cbpp");
        // A Gamma response needs positive values: the herd sizes are.
        string formula = family == "Gamma" ? "size ~ period + (1 | herd)" : "cbind(incidence, size - incidence) ~ period + (1 | herd)";
        var fit = MixedModel.Fit(formula, data, new FitOptions(Family: Family.Parse(family, link), FactorColumns: ["period"]));
        var error = Assert.Throws<InputException>(() => MixedModelSampler.Sample(fit, new McmcOptions(Draws: 10)));
        Assert.Contains(named, error.Message);
        Assert.Contains("logit", error.Message);
    }

    [Theory]
    [InlineData(3, 4, 1)]
    [InlineData(100, 0, 1)]
    [InlineData(100, 4, -1)]
    public void Options_out_of_range_are_refused(int draws, int chains, int seed) =>
        Assert.Throws<InputException>(() => MixedModelSampler.Sample(Sleepstudy.Value, new McmcOptions(Draws: draws, Chains: chains, Seed: seed)));

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
