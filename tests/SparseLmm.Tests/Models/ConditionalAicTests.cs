using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Reporting;

namespace SparseLmm.Tests.Models;

/// <summary>The conditional AIC against R's cAIC4 (data/models/caic_reference.txt, made by make_models.R).</summary>
public class ConditionalAicTests
{
    private static readonly JsonElement References =
        JsonDocument.Parse(File.ReadAllText(ModelsTestData.File("caic_reference.txt"))).RootElement;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var property in References.EnumerateObject()) data.Add(property.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_cAIC4(string caseName)
    {
        var reference = References.GetProperty(caseName);
        var data = MixedModel.LoadData(ModelsTestData.File(reference.GetProperty("data").GetString()!));
        var weights = reference.GetProperty("weights");
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!, data,
            new FitOptions(Reml: reference.GetProperty("reml").GetBoolean(),
                WeightsColumn: weights.ValueKind == JsonValueKind.String ? weights.GetString() : null));
        var caic = fit.ConditionalAic(out var reason);
        Assert.True(caic is not null, reason);
        // Our θ̂ and lme4's agree to the optimisers' tolerance, which moves the criterion in its fourth decimal.
        Assert.Equal(reference.GetProperty("loglik").GetDouble(), caic.ConditionalLogLikelihood, 2e-3);
        Assert.Equal(reference.GetProperty("df").GetDouble(), caic.DegreesOfFreedom, 2e-3);
        Assert.Equal(reference.GetProperty("caic").GetDouble(), caic.Value, 5e-3);
    }

    [Fact]
    public void Is_not_computed_but_explained_when_the_responses_squares_overflow()
    {
        // Reaction × 10¹⁴⁹: the fit is the original one in other units, but the correction's sums of squares overflow.
        var data = EmbeddedDatasets.Load("sleepstudy");
        var reaction = ((NumericColumn)data["Reaction"]).Values;
        var huge = data.WithColumns([new NumericColumn("Reaction", reaction.Select(r => r * 1e149).ToArray())]);
        var fit = MixedModel.Fit("Reaction ~ Days + (1 | Subject)", huge);
        Assert.True(fit.Converged);
        Assert.Null(fit.ConditionalAic(out var reason));
        Assert.Contains("not finite", reason);
    }

    [Fact]
    public void Is_not_computed_for_a_glmm()
    {
        var glmm = MixedModel.Fit("cbind(incidence, size - incidence) ~ 1 + (1 | herd)", MixedModel.LoadData("cbpp"),
            new FitOptions(Family: Family.Binomial()));
        Assert.Null(glmm.ConditionalAic(out var reason));
        Assert.Contains("linear mixed models only", reason);
    }

    [Fact]
    public void Is_written_beside_aic_and_bic()
    {
        var fit = MixedModel.Fit("Reaction ~ Days + (Days | Subject)", MixedModel.LoadData("sleepstudy"));
        var json = JsonDocument.Parse(fit.ToJson()).RootElement;
        Assert.Equal(fit.ConditionalAic(out _)!.Value, json.GetProperty("caic").GetDouble(), 1e-9);
        Assert.Contains("cAIC: 1711.6", fit.Summary());
    }
}
