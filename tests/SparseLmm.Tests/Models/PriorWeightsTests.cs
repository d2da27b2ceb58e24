using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Tests.Cli;

namespace SparseLmm.Tests.Models;

/// <summary>Prior weights of a linear mixed model (lmer's <c>weights =</c>); the fits themselves are held to lme4's in
/// the reference tests (models/sleepstudy_weights*.json).</summary>
public class PriorWeightsTests
{
    private static readonly DataTable Weighted = ModelsTestData.Table("sleepstudy_weights.csv");
    private const string Formula = "Reaction ~ Days + (Days | Subject)";

    [Fact]
    public void Rows_of_weight_zero_are_dropped_and_counted()
    {
        var fit = MixedModel.Fit(Formula, Weighted, new FitOptions(WeightsColumn: "w"));
        Assert.Equal(177, fit.ObservationCount);
        Assert.Contains(fit.Notes, note => note.StartsWith("3 rows with prior weight 0 dropped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Scaling_every_weight_scales_sigma_squared_and_keeps_the_rest(bool reml)
    {
        var column = (NumericColumn)Weighted["w"];
        var scaled = new DataTable(Weighted.Columns.Append(new NumericColumn("w4", column.Values.Select(w => 4 * w).ToArray())).ToList(), "scaled");
        var fit = MixedModel.Fit(Formula, scaled, new FitOptions(Reml: reml, WeightsColumn: "w"));
        var fit4 = MixedModel.Fit(Formula, scaled, new FitOptions(Reml: reml, WeightsColumn: "w4"));
        Assert.Equal(fit.LogLikelihood, fit4.LogLikelihood, 1e-6);
        Assert.Equal(2 * fit.Sigma!.Value, fit4.Sigma!.Value, 1e-4);
        for (int j = 0; j < fit.FixedEffects.Count; j++)
        {
            Assert.Equal(fit.FixedEffects[j].Estimate, fit4.FixedEffects[j].Estimate, 1e-4);
            Assert.Equal(fit.FixedEffects[j].StandardError, fit4.FixedEffects[j].StandardError, 1e-4);
        }
    }

    [Fact]
    public void Unit_weights_are_the_unweighted_fit()
    {
        var ones = new DataTable(Weighted.Columns.Append(new NumericColumn("one", Enumerable.Repeat(1.0, Weighted.RowCount).ToArray())).ToList(), "ones");
        var weighted = MixedModel.Fit(Formula, ones, new FitOptions(WeightsColumn: "one"));
        var plain = MixedModel.Fit(Formula, ones);
        Assert.Equal(plain.LogLikelihood, weighted.LogLikelihood, 1e-9);
        Assert.Equal(plain.Sigma!.Value, weighted.Sigma!.Value, 1e-9);
    }

    [Fact]
    public void Inference_runs_on_weighted_fits_and_Kenward_Roger_is_refused()
    {
        var fit = MixedModel.Fit(Formula, Weighted, new FitOptions(WeightsColumn: "w"));
        var tests = FixedEffectTests.Compute(fit, DdfMethod.Satterthwaite);
        Assert.All(tests, test => Assert.True(test.Df > 1 && test.Df < 177, $"{test.Name}: {test.Df}"));
        Assert.Throws<InputException>(() => FixedEffectTests.Compute(fit, DdfMethod.KenwardRoger));
        var draws = fit.Simulate(2, 5);
        Assert.Equal(177, draws[0].Length);
    }

    [Fact]
    public void A_negative_weight_is_refused_with_one_line()
    {
        using var file = new CliRunner.TempFile("y,x,g,w\n1,1,a,1\n2,2,a,-1\n3,3,b,1\n4,1,b,1\n5,2,c,1\n6,3,c,2\n");
        var result = CliRunner.Run("fit", file.Path, "y ~ x + (1 | g)", "--weights", "w");
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("weights column 'w' is -1 at data row 2", line);
    }
}
