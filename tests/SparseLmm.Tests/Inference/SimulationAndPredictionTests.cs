using SparseLmm.Data;
using SparseLmm.Inference;

namespace SparseLmm.Tests.Inference;

public class SimulationAndPredictionTests
{
    private static readonly Lazy<SparseLmm.Results.MixedModelFit> Sleepstudy = new(() =>
        MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", MixedModel.LoadData("sleepstudy")));

    [Fact]
    public void Simulation_is_reproducible_by_seed()
    {
        var fit = Sleepstudy.Value;
        var a = fit.Simulate(3, 42);
        var b = fit.Simulate(3, 42);
        var c = fit.Simulate(3, 43);
        Assert.Equal(a[2], b[2]);
        Assert.NotEqual(a[0], c[0]);
        Assert.Equal(180, a[0].Length);
    }

    [Fact]
    public void Simulation_stops_when_its_token_fires_and_draws_the_same_otherwise()
    {
        var fit = Sleepstudy.Value;
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => fit.Simulate(1000, 42, cancelled.Token));
        using var live = new CancellationTokenSource();
        var draws = fit.Simulate(3, 42, live.Token);
        var plain = fit.Simulate(3, 42);
        for (int i = 0; i < 3; i++) Assert.Equal(plain[i], draws[i]);
    }

    [Fact]
    public void Bootstrap_intervals_are_reproducible_and_cover_the_estimates()
    {
        var model = Sleepstudy.Value;
        var first = Simulation.PercentileIntervals(Simulation.Bootstrap(model, 40, 7));
        var second = Simulation.PercentileIntervals(Simulation.Bootstrap(model, 40, 7));
        Assert.Equal(first.Lower, second.Lower);
        Assert.Equal(6, first.Names.Count);
        var estimates = Simulation.Parameters(model);
        for (int j = 0; j < estimates.Length; j++)
            Assert.True(first.Lower[j] < estimates[j] && estimates[j] < first.Upper[j], first.Names[j]);
    }

    [Fact]
    public void Bootstrap_reports_each_replicate_done_and_gives_the_same_result()
    {
        var model = Sleepstudy.Value;
        var reported = new System.Collections.Concurrent.ConcurrentBag<int>();
        var counted = Simulation.Bootstrap(model, 30, 7, new Recorder(reported));
        Assert.Equal(Enumerable.Range(1, 30), reported.Order());
        var plain = Simulation.Bootstrap(model, 30, 7);
        Assert.Equal(plain.Replicates.Select(r => r.ToArray()), counted.Replicates.Select(r => r.ToArray()));
    }

    /// <summary>Records reports synchronously (System.Progress would post them to the thread pool, after the call).</summary>
    private sealed class Recorder(System.Collections.Concurrent.ConcurrentBag<int> values) : IProgress<int>
    {
        public void Report(int value) => values.Add(value);
    }

    [Fact]
    public void Icc_with_profile_interval()
    {
        var model = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", MixedModel.LoadData("Dyestuff"));
        var icc = VarianceDecomposition.Icc(model);
        Assert.Equal(model.IntraclassCorrelation!.Value, icc.Estimate, 10);
        Assert.True(icc.Lower < icc.Estimate && icc.Estimate < icc.Upper && icc.Lower >= 0 && icc.Upper < 1);
        var shares = VarianceDecomposition.ByLevel(model);
        Assert.Equal(1.0, shares.Sum(s => s.Proportion), 12);
    }

    [Fact]
    public void Variance_decomposition_for_nested_factors()
    {
        var fit = MixedModel.Fit("strength ~ 1 + (1 | batch) + (1 | batch:cask)", MixedModel.LoadData("Pastes"));
        var shares = VarianceDecomposition.ByLevel(fit);
        Assert.Equal(3, shares.Count);
        Assert.Equal(1.0, shares.Sum(s => s.Proportion), 12);
    }

    [Fact]
    public void Predictions_on_the_training_data_reproduce_the_fitted_values()
    {
        var model = Sleepstudy.Value;
        var data = MixedModel.LoadData("sleepstudy");
        var conditional = model.Predict(data);
        var marginal = model.Predict(data, includeRandomEffects: false);
        for (int i = 0; i < 180; i += 17)
        {
            Assert.Equal(model.Fitted[i], conditional[i].Fitted, 8);
            Assert.Equal(model.Response[i] - model.MarginalResiduals[i], marginal[i].Fitted, 8);
            Assert.True(conditional[i].Lower < conditional[i].Fitted && conditional[i].Fitted < conditional[i].Upper);
        }
    }

    [Fact]
    public void Unseen_levels_fall_back_to_the_population_or_are_refused()
    {
        var model = Sleepstudy.Value;
        var fresh = new DataTable([
            new NumericColumn("Days", [0, 5]),
            new CategoricalColumn("Subject", [0, 1], ["308", "999"]),
        ], "new");
        var predictions = Predictor.Predict(model, fresh);
        Assert.Empty(predictions[0].NewLevels);
        Assert.Equal(["Subject"], predictions[1].NewLevels);
        double population = model.FixedEffects[0].Estimate + 5 * model.FixedEffects[1].Estimate;
        Assert.Equal(population, predictions[1].Fitted, 8);
        Assert.True(predictions[1].Upper - predictions[1].Lower > predictions[0].Upper - predictions[0].Lower);
        Assert.Throws<InputException>(() => Predictor.Predict(model, fresh, newLevels: NewLevelPolicy.Error));
    }

    /// <summary>Under the null of no variance component, the mixture p-value of the LRT is calibrated (rejection rate
    /// near 5% at α = 0.05) while the naive χ²(1) one is conservative (near 2.5%).</summary>
    [Fact]
    public void Mixture_p_value_is_calibrated_under_the_null()
    {
        const int sets = 200, groups = 10, perGroup = 5;
        int mixtureRejections = 0, naiveRejections = 0;
        var lockObject = new object();
        Parallel.For(0, sets, s =>
        {
            var random = new Random(Simulation.ReplicateSeed(2024, s));
            int n = groups * perGroup;
            var y = new double[n];
            var g = new int[n];
            for (int i = 0; i < n; i++)
            {
                g[i] = i / perGroup;
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                y[i] = 3 + Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
            var table = new DataTable([
                new NumericColumn("y", y),
                new CategoricalColumn("g", g, Enumerable.Range(0, groups).Select(i => $"g{i}").ToArray()),
            ]);
            var test = ModelComparison.Compare(table, "y ~ 1", "y ~ 1 + (1 | g)", new FitOptions(Reml: false));
            lock (lockObject)
            {
                if (test.PValue < 0.05) mixtureRejections++;
                if (test.PNaive < 0.05) naiveRejections++;
            }
        });
        double mixtureRate = mixtureRejections / (double)sets, naiveRate = naiveRejections / (double)sets;
        Assert.InRange(mixtureRate, 0.015, 0.09);
        Assert.True(naiveRate < mixtureRate, $"naive {naiveRate} vs mixture {mixtureRate}");
        Assert.InRange(naiveRate, 0, 0.045);
    }
}
