using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Formulas;
using SparseLmm.Inference;

namespace SparseLmm.Tests.Models;

/// <summary>factor, scale, poly, log1p, abs, exp and log(x, base) as R evaluates them; the fits are held to lme4's in
/// the reference tests (models/sleepstudy_poly*.json, ...), the predictions on new data here.</summary>
public class FormulaFunctionTests
{
    private static readonly DataTable Sleepstudy = MixedModel.LoadData("sleepstudy");

    [Theory]
    [InlineData("sleepstudy_poly")]
    [InlineData("sleepstudy_scale")]
    public void Predictions_on_new_data_use_the_fitted_transform(string caseName)
    {
        var reference = JsonDocument.Parse(File.ReadAllText(ModelsTestData.File("predictions_new_data.txt"))).RootElement.GetProperty(caseName);
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!, Sleepstudy);
        var days = ModelsTestData.Numbers(reference.GetProperty("days"));
        var subjects = reference.GetProperty("subject").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var newData = new DataTable([
            new NumericColumn("Days", days),
            new CategoricalColumn("Subject", Enumerable.Range(0, subjects.Length).ToArray(), subjects),
        ], "new");
        var conditional = fit.Predict(newData);
        var population = fit.Predict(newData, includeRandomEffects: false);
        var expectedConditional = ModelsTestData.Numbers(reference.GetProperty("conditional"));
        var expectedPopulation = ModelsTestData.Numbers(reference.GetProperty("population"));
        for (int i = 0; i < days.Length; i++)
        {
            // lme4's own estimates are good to about 1e-3 of an SE; predictions within 0.05 ms of 300 ms.
            Assert.Equal(expectedPopulation[i], population[i].Fitted, 0.05);
            Assert.Equal(expectedConditional[i], conditional[i].Fitted, 0.05);
        }
    }

    [Fact]
    public void Poly_columns_are_orthonormal_and_span_the_raw_powers()
    {
        // ML: the REML criterion depends on the coordinates of X, the likelihood does not.
        var ml = new FitOptions(Reml: false);
        var fit = MixedModel.Fit("Reaction ~ poly(Days, 3) + (1 | Subject)", Sleepstudy, ml);
        var raw = MixedModel.Fit("Reaction ~ Days + I(Days^2) + I(Days^3) + (1 | Subject)", Sleepstudy, ml);
        Assert.Equal(["(Intercept)", "poly(Days, 3)1", "poly(Days, 3)2", "poly(Days, 3)3"], fit.FixedEffects.Select(e => e.Name));
        Assert.Equal(raw.LogLikelihood, fit.LogLikelihood, 1e-6);
        // Orthonormal columns orthogonal to the intercept within every subject (sleepstudy is balanced): Cov(β̂) is σ²I
        // on them, equal SEs.
        var errors = fit.FixedEffects.Skip(1).Select(e => e.StandardError).ToArray();
        Assert.All(errors, e => Assert.Equal(errors[0], e, 1e-6 * errors[0]));
    }

    [Fact]
    public void Scale_is_a_reparameterisation_of_the_raw_covariate()
    {
        var scaled = MixedModel.Fit("Reaction ~ scale(Days) + (1 | Subject)", Sleepstudy);
        var raw = MixedModel.Fit("Reaction ~ Days + (1 | Subject)", Sleepstudy);
        var days = ((NumericColumn)Sleepstudy["Days"]).Values;
        double mean = days.Average(), sd = Math.Sqrt(days.Sum(d => (d - mean) * (d - mean)) / (days.Length - 1));
        Assert.Equal(raw.FixedEffects[1].Estimate * sd, scaled.FixedEffects[1].Estimate, 1e-6);
        Assert.Equal(raw.FixedEffects[0].Estimate + raw.FixedEffects[1].Estimate * mean, scaled.FixedEffects[0].Estimate, 1e-6);
    }

    [Fact]
    public void Factor_of_a_number_codes_levels_in_numeric_order()
    {
        var fit = MixedModel.Fit("Reaction ~ factor(Days) + (1 | Subject)", Sleepstudy);
        Assert.Equal(Enumerable.Range(1, 9).Select(d => $"factor(Days){d}").Prepend("(Intercept)"), fit.FixedEffects.Select(e => e.Name));
    }

    [Theory]
    [InlineData("scale(x, center = TRUE, scale = FALSE)")]
    [InlineData("log(x, base = 2)")]
    [InlineData("poly(x, 2)")]
    [InlineData("poly(x, degree = 3)")]
    public void Named_arguments_print_as_R_deparses_them(string call)
    {
        var formula = FormulaParser.Parse($"y ~ {call} + (1 | g)");
        Assert.Equal(call, FormulaText.Format(formula.FixedTerms[0].Factors[0]));
    }

    [Fact]
    public void Log1p_is_accurate_for_small_arguments() =>
        Assert.Equal(1e-12 - 5e-25, SparseLmm.Design.FittedTransforms.LogOnePlus(1e-12), 1e-30);

    [Theory]
    [InlineData("Reaction ~ poly(Days, 0) + (1 | Subject)", "the degree of poly() must be a whole number")]
    [InlineData("Reaction ~ poly(Days, 10) + (1 | Subject)", "less than the number of distinct values")]
    [InlineData("Reaction ~ scale(Days, center = 2) + (1 | Subject)", "center must be TRUE or FALSE")]
    [InlineData("Reaction ~ I(factor(Days) + 1) + (1 | Subject)", "factor() makes a categorical variable")]
    [InlineData("Reaction ~ log(poly(Days, 2)) + (1 | Subject)", "poly() makes several columns")]
    [InlineData("Reaction ~ scale(Days, centre = TRUE) + (1 | Subject)", "scale() has no argument 'centre'")]
    [InlineData("Reaction ~ log(Days + 1, base = 2, base = 3) + (1 | Subject)", "takes 1 or 2 arguments")]
    [InlineData("Reaction ~ scale(Days, scale = FALSE, scale = TRUE) + (1 | Subject)", "given more than once")]
    public void Misused_functions_are_refused(string formula, string message)
    {
        var error = Assert.Throws<InputException>(() => MixedModel.Fit(formula, Sleepstudy));
        Assert.Contains(message, error.Message);
    }
}
