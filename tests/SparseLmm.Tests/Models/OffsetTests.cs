using SparseLmm.Data;
using SparseLmm.Inference;

namespace SparseLmm.Tests.Models;

/// <summary><c>offset(expr)</c>: fitted values and predictions include it, against lme4's fits of mlmRev's Mmmec.</summary>
public class OffsetTests
{
    private static readonly DataTable Mmmec = ModelsTestData.Table("Mmmec.csv");

    [Theory]
    [InlineData("mmmec_offset", "deaths ~ uvb + offset(log(expected)) + (1 | region)", true)]
    [InlineData("mmmec_gaussian_offset", "log(deaths + 1) ~ uvb + offset(log(expected)) + (1 | region)", false)]
    public void Fitted_values_include_the_offset(string caseName, string formula, bool poisson)
    {
        var fit = MixedModel.Fit(formula, Mmmec, new FitOptions(Family: poisson ? Family.Poisson() : null));
        var expected = ModelsTestData.Numbers(ModelsTestData.Reference(caseName).GetProperty("fitted_head"));
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], fit.Fitted[i], 2e-4 * Math.Abs(expected[i]));
    }

    [Fact]
    public void Dropping_the_offset_flips_the_sign_of_uvb()
    {
        var with = MixedModel.Fit("deaths ~ uvb + offset(log(expected)) + (1 | region)", Mmmec, new FitOptions(Family: Family.Poisson()));
        var without = MixedModel.Fit("deaths ~ uvb + (1 | region)", Mmmec, new FitOptions(Family: Family.Poisson()));
        Assert.True(with.FixedEffects[1].Estimate < 0);
        Assert.True(without.FixedEffects[1].Estimate > 0);
    }

    [Fact]
    public void Predictions_include_the_offset_of_the_new_rows()
    {
        var fit = MixedModel.Fit("log(deaths + 1) ~ uvb + offset(log(expected)) + (1 | region)", Mmmec);
        var predictions = fit.Predict(Mmmec);
        for (int i = 0; i < Mmmec.RowCount; i += 37)
            Assert.Equal(fit.Fitted[i], predictions[i].Fitted, 1e-9);
        // The offset enters with coefficient 1: the same fit without it, predicted, differs by exactly log(expected).
        var population = fit.Predict(Mmmec, includeRandomEffects: false);
        var expected = ((NumericColumn)Mmmec["expected"]).Values;
        var uvb = ((NumericColumn)Mmmec["uvb"]).Values;
        for (int i = 0; i < Mmmec.RowCount; i += 41)
            Assert.Equal(fit.FixedEffects[0].Estimate + fit.FixedEffects[1].Estimate * uvb[i] + Math.Log(expected[i]),
                population[i].Fitted, 1e-9);
    }

    [Fact]
    public void Simulated_responses_carry_the_offset()
    {
        // The model is fitted to y − 100 uvb; a draw without the offset would sit 100 uvb away from y.
        var fit = MixedModel.Fit("log(deaths + 1) ~ uvb + offset(100 * uvb) + (1 | region)", Mmmec);
        var draw = fit.Simulate(1, 3)[0];
        var uvb = ((NumericColumn)Mmmec["uvb"]).Values;
        double misfit = 0, offsetSize = 0;
        for (int i = 0; i < Mmmec.RowCount; i++)
        {
            misfit += Math.Pow(draw[i] - fit.Response[i], 2);
            offsetSize += Math.Pow(100 * uvb[i], 2);
        }
        Assert.True(misfit < 1e-3 * offsetSize, $"{misfit} vs {offsetSize}");
    }

    [Theory]
    [InlineData("y ~ x + (offset(z) | g)", "offset() belongs to the fixed part")]
    [InlineData("y ~ x:offset(z) + (1 | g)", "offset() cannot be part of an interaction")]
    [InlineData("offset(y) ~ x + (1 | g)", "offset() belongs on the right-hand side")]
    [InlineData("y ~ x - offset(z) + (1 | g)", "an offset cannot be removed")]
    public void Misplaced_offsets_are_refused(string formula, string message)
    {
        var error = Assert.Throws<InputException>(() => SparseLmm.Formulas.FormulaParser.Parse(formula));
        Assert.Contains(message, error.Message);
    }
}
