using FsCheck.Xunit;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Engine;

/// <summary>Invariants every correct fit satisfies, checked on random data sets.</summary>
public sealed class FitPropertyTests
{
    private const string SlopeModel = "y ~ 1 + x + c + (1 + x | g) + (1 | h)";

    [Property(MaxTest = 15)]
    public void RowOrderDoesNotMatter(int seed)
    {
        var table = SimulatedDesigns.Crossed(seed);
        var permutation = Enumerable.Range(0, table.RowCount).OrderBy(_ => new Random(seed).Next()).ToArray();
        new Random(seed).Shuffle(permutation);
        var shuffled = new DataTable(table.Columns.Select(c => Permute(c, permutation)).ToList(), "shuffled");
        var original = MixedModel.Fit(SlopeModel, table);
        var reordered = MixedModel.Fit(SlopeModel, shuffled);
        Assert.Equal(original.LogLikelihood, reordered.LogLikelihood, 6);
        for (int j = 0; j < original.FixedEffects.Count; j++)
            Assert.Equal(original.FixedEffects[j].Estimate, reordered.FixedEffects[j].Estimate, 4);
    }

    [Property(MaxTest = 15)]
    public void ShiftingARandomSlopeCovariateDoesNotMatter(int seed)
    {
        // x + s moves the random intercept's origin only: the same likelihood, slope SD and fixed slope, for shifts up to
        // the 10³ SDs a linear fit centres (Engine/CentredFrame), which lme4's coordinates do not resolve.
        var table = SimulatedDesigns.Crossed(seed);
        var x = ((NumericColumn)table["x"]).Values;
        double mean = x.Average(), sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Length);
        double shift = (new Random(seed).NextDouble() * 2 - 1) * 900 * sd;
        var shifted = table.WithColumns([new NumericColumn("x", x.Select(v => v + shift).ToArray())]);
        var original = MixedModel.Fit(SlopeModel, table, new FitOptions(Reml: false));
        var moved = MixedModel.Fit(SlopeModel, shifted, new FitOptions(Reml: false));
        Assert.Equal(original.Converged, moved.Converged);
        Assert.Equal(original.LogLikelihood, moved.LogLikelihood, 1e-6 * Math.Max(1, Math.Abs(original.LogLikelihood)));
        Assert.Equal(original.FixedEffects[1].Estimate, moved.FixedEffects[1].Estimate, 1e-5 * Math.Max(1, Math.Abs(original.FixedEffects[1].Estimate)));
        var slope = original.VarianceComponents.First(c => c.Group == "g").StandardDeviations[1];
        var movedSlope = moved.VarianceComponents.First(c => c.Group == "g").StandardDeviations[1];
        Assert.Equal(slope, movedSlope, 1e-4 * Math.Max(slope, 1e-3));
    }

    [Property(MaxTest = 15)]
    public void RelabellingLevelsDoesNotMatter(int seed)
    {
        var table = SimulatedDesigns.Crossed(seed);
        var g = (CategoricalColumn)table["g"];
        // The same groups under a random renumbering, so the engine meets the levels in another order.
        var order = Enumerable.Range(0, g.Levels.Length).ToArray();
        new Random(seed + 1).Shuffle(order);
        var levels = new string[g.Levels.Length];
        for (int level = 0; level < order.Length; level++) levels[order[level]] = g.Levels[level];
        var relabelled = g with { Codes = g.Codes.Select(code => order[code]).ToArray(), Levels = levels };
        var original = MixedModel.Fit(SlopeModel, table);
        var renamed = MixedModel.Fit(SlopeModel, table.WithColumns([relabelled]));
        Assert.Equal(original.LogLikelihood, renamed.LogLikelihood, 6);
        Assert.Equal(original.VarianceComponents[0].StandardDeviations[0], renamed.VarianceComponents[0].StandardDeviations[0], 3);
    }

    [Property(MaxTest = 15)]
    public void RandomInterceptsShrinkGroupMeanResidualsTowardZero(int seed)
    {
        var table = SimulatedDesigns.Crossed(seed, rows: 90, firstLevels: 12);
        var fit = MixedModel.Fit("y ~ 1 + x + (1 | g)", table);
        var g = (CategoricalColumn)table["g"];
        var effects = fit.RandomEffects["g"];
        for (int level = 0; level < effects.Levels.Count; level++)
        {
            var rows = Enumerable.Range(0, table.RowCount).Where(i => g.Levels[g.Codes[i]] == effects.Levels[level]).ToList();
            double meanResidual = rows.Average(i => fit.MarginalResiduals[i]);
            Assert.True(Math.Abs(effects.Values[level][0]) <= Math.Abs(meanResidual) + 1e-9);
            Assert.True(effects.Values[level][0] * meanResidual >= -1e-12);
        }
    }

    [Property(MaxTest = 8)]
    public void VarianceComponentsScaleWithTheResponse(int seed)
    {
        // y → 10 y multiplies every SD, σ and β by 10, leaves the correlations and θ alone and shifts the criterion by
        // (n − p) log 100 (REML) or n log 100 (ML): a fit whose covariance parameters came from anything but the data's
        // own scale would break it.
        const double factor = 10;
        bool reml = seed % 2 == 0;
        var table = SimulatedDesigns.Crossed(seed);
        var y = ((NumericColumn)table["y"]).Values;
        var scaled = table.WithColumns([new NumericColumn("y", y.Select(v => factor * v).ToArray())]);
        var fit = MixedModel.Fit(SlopeModel, table, new FitOptions(Reml: reml));
        var fitScaled = MixedModel.Fit(SlopeModel, scaled, new FitOptions(Reml: reml));
        int count = reml ? fit.ObservationCount - fit.FixedEffects.Count : fit.ObservationCount;
        Assert.Equal(fit.LogLikelihood - count * Math.Log(factor), fitScaled.LogLikelihood, 1e-5);
        Assert.Equal(factor * fit.Sigma!.Value, fitScaled.Sigma!.Value, 1e-4 * factor * fit.Sigma.Value);
        double largestSd = fit.VarianceComponents.SelectMany(c => c.StandardDeviations).Append(fit.Sigma.Value).Max();
        for (int t = 0; t < fit.VarianceComponents.Count; t++)
        {
            var component = fit.VarianceComponents[t];
            var componentScaled = fitScaled.VarianceComponents[t];
            for (int a = 0; a < component.Terms.Count; a++)
            {
                Assert.Equal(factor * component.StandardDeviations[a], componentScaled.StandardDeviations[a], 1e-3 * factor * largestSd);
                for (int b = 0; b < a; b++)
                    if (component.StandardDeviations[a] > 1e-2 * largestSd && component.StandardDeviations[b] > 1e-2 * largestSd)
                        Assert.Equal(component.Correlations[a][b], componentScaled.Correlations[a][b], 1e-2);
            }
        }
        for (int j = 0; j < fit.FixedEffects.Count; j++)
            Assert.Equal(factor * fit.FixedEffects[j].Estimate, fitScaled.FixedEffects[j].Estimate, 1e-3 * factor * fit.FixedEffects[j].StandardError);
    }

    [Property(MaxTest = 12)]
    public void RescalingARandomSlopesCovariateDoesNotMatter(int seed)
    {
        // x → 10ᵏ x (k from −6 to 6) is the same model in other units: the ML log-likelihood is unchanged, the θ
        // entries in x's row scale by 10⁻ᵏ, and the fit confirms its optimum. Unscaled, a search at a fixed resolution
        // in θ cannot resolve an entry of 10⁻⁶ (lme4 stops far short, calling the fit singular).
        var table = SimulatedDesigns.Crossed(seed);
        double factor = Math.Pow(10, new Random(seed).Next(-6, 7));
        var x = ((NumericColumn)table["x"]).Values;
        var rescaled = table.WithColumns([new NumericColumn("x", x.Select(v => factor * v).ToArray())]);
        var fit = MixedModel.Fit(SlopeModel, table, new FitOptions(Reml: false));
        var fitRescaled = MixedModel.Fit(SlopeModel, rescaled, new FitOptions(Reml: false));
        Assert.True(fitRescaled.Converged, fitRescaled.OptimizerMessage);
        Assert.True(fitRescaled.OptimumCheck!.Passed);
        Assert.Equal(fit.LogLikelihood, fitRescaled.LogLikelihood, 1e-6 * Math.Abs(fit.LogLikelihood));
        // θ of (1 + x | g): (intercept, x row's intercept column, x's diagonal); the largest term comes first.
        int offset = fit.GroupCounts[0].Group == "g" ? 0 : 1;
        double scale = fit.Theta.Take(3).Select(Math.Abs).Max();
        for (int i = 1; i < 3; i++)
            Assert.Equal(fit.Theta[offset + i], factor * fitRescaled.Theta[offset + i], 1e-3 * scale);
    }

    [Property(MaxTest = 10)]
    public void RemlAndMlAgreeOnFixedEffectsForBalancedDesigns(int seed)
    {
        // Every group sees the same covariate values, so GLS and OLS coincide whatever the variance components.
        var random = new Random(seed);
        int groups = 8, perGroup = 6;
        var x = Enumerable.Range(0, perGroup).Select(_ => random.NextDouble() * 5).ToArray();
        var groupEffects = Enumerable.Range(0, groups).Select(_ => random.NextDouble() * 2).ToArray();
        var rows = Enumerable.Range(0, groups * perGroup).ToArray();
        var table = new DataTable(
        [
            new NumericColumn("y", rows.Select(i => 1 + 0.5 * x[i % perGroup] + groupEffects[i / perGroup] + random.NextDouble()).ToArray()),
            new NumericColumn("x", rows.Select(i => x[i % perGroup]).ToArray()),
            new CategoricalColumn("g", rows.Select(i => i / perGroup).ToArray(), Enumerable.Range(0, groups).Select(l => $"g{l}").ToArray()),
        ]);
        var reml = MixedModel.Fit("y ~ 1 + x + (1 | g)", table, new FitOptions(Reml: true));
        var ml = MixedModel.Fit("y ~ 1 + x + (1 | g)", table, new FitOptions(Reml: false));
        for (int j = 0; j < 2; j++) Assert.Equal(reml.FixedEffects[j].Estimate, ml.FixedEffects[j].Estimate, 6);
    }

    [Property(MaxTest = 15)]
    public void NoNearbyThetaHasAHigherLikelihood(int seed)
    {
        // The optimiser's answer is a local optimum of the profiled deviance, evaluated here afresh from the raw
        // cross-products: a step of 0.01 along any θ coordinate (inside the bounds) does not lower it. (The start is
        // one of the optimiser's own candidates, so "no worse than the start" would hold even for a search that stopped
        // after its first step.)
        var table = SimulatedDesigns.Crossed(seed);
        var fit = MixedModel.Fit(SlopeModel, table, new FitOptions(Reml: false));
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(SlopeModel), table);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var products = new CrossProducts(new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount));
        products.Accumulate(design.X, ((NumericResponse)design.Response).Values, ReadOnlySpan<double>.Empty);
        var deviance = new ProfiledDeviance(products, reml: false);
        var theta = fit.Theta.ToArray();
        double atOptimum = deviance.Evaluate(theta);
        Assert.Equal(-2 * fit.LogLikelihood, atOptimum, 1e-6 * Math.Abs(atOptimum));
        var lower = deviance.Parameterization.LowerBounds();
        for (int i = 0; i < theta.Length; i++)
        {
            foreach (double step in new[] { 0.01, -0.01 })
            {
                var probe = (double[])theta.Clone();
                probe[i] += step;
                if (probe[i] < lower[i]) continue;
                Assert.True(deviance.Evaluate(probe) >= atOptimum - 1e-6, $"θ[{i}] {step:+0.00;-0.00} lowers the deviance");
            }
        }
    }

    private static DataColumn Permute(DataColumn column, int[] permutation) => column switch
    {
        NumericColumn numeric => numeric with { Values = permutation.Select(i => numeric.Values[i]).ToArray() },
        CategoricalColumn categorical => categorical with { Codes = permutation.Select(i => categorical.Codes[i]).ToArray() },
        _ => throw new ArgumentException("unknown column kind"),
    };
}
