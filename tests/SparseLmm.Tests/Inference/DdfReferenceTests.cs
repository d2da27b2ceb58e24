using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Inference;
using static SparseLmm.Tests.Inference.InferenceReference;

namespace SparseLmm.Tests.Inference;

/// <summary>Satterthwaite and Kenward–Roger df against lmerTest and pbkrtest on designs of every shape the engine
/// factors differently: one vector term (no rest), two terms on one factor, crossed scalar terms (a dense rest),
/// nested terms with a vector first term or a vector rest term. References from
/// data/reference/inference/make_inference_references.R.</summary>
public class DdfReferenceTests
{
    private static readonly string[] WithPbkrtest =
    [
        "sleepstudy_slopes", "sleepstudy_uncorrelated", "penicillin_crossed", "orthodont_slopes", "scotssec_crossed",
        "egsingle_child_slopes", "egsingle_school_slopes",
    ];

    public static TheoryData<string> KenwardRogerCases => [.. WithPbkrtest];

    public static TheoryData<string> SatterthwaiteCases => [.. WithPbkrtest, "egsingle_full"];

    [Theory]
    [MemberData(nameof(SatterthwaiteCases))]
    public void Satterthwaite_matches_lmerTest(string name)
    {
        var (reference, fit) = Fit(name);
        var fixef = reference.GetProperty("fixef");
        var expected = Numbers(fixef.GetProperty("satterthwaite_df"));
        var df = FixedEffectTests.Satterthwaite(fit);
        // lmerTest differences with numDeriv's Richardson extrapolation, we with one second-order stencil (the worst
        // case here, the full egsingle, agrees to 4·10⁻⁶, Orthodont to 7·10⁻⁶).
        for (int j = 0; j < df.Length; j++) Close(expected[j], df[j], 2e-5, $"{name} df {fit.FixedEffects[j].Name}");
    }

    [Theory]
    [MemberData(nameof(KenwardRogerCases))]
    public void Kenward_Roger_matches_pbkrtest(string name)
    {
        var (reference, fit) = Fit(name);
        var fixef = reference.GetProperty("fixef");
        var (se, df, scaling) = KenwardRoger.Compute(FittedMixedModel.Of(fit));
        var expectedSe = Numbers(fixef.GetProperty("kenward_roger_stderr"));
        var expectedDf = Numbers(fixef.GetProperty("kenward_roger_df"));
        var expectedScaling = Numbers(fixef.GetProperty("kenward_roger_scaling"));
        for (int j = 0; j < se.Length; j++)
        {
            string what = $"{name} {fit.FixedEffects[j].Name}";
            Close(expectedSe[j], se[j], 1e-6, $"{what} adjusted se");
            Close(expectedDf[j], df[j], 1e-6, $"{what} df");
            Close(expectedScaling[j], scaling[j], 1e-6, $"{what} F scaling");
        }
    }

    [Fact]
    public void Kenward_Roger_refuses_an_ml_fit()
    {
        var data = MixedModel.LoadData("sleepstudy");
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data, new FitOptions(Reml: false));
        var error = Assert.Throws<InputException>(() => FixedEffectTests.Compute(fit, DdfMethod.KenwardRoger));
        Assert.Contains("REML", error.Message);
    }

    private static (JsonElement Reference, SparseLmm.Results.MixedModelFit Fit) Fit(string name)
    {
        var reference = Load(name);
        string file = reference.GetProperty("data").GetString()!;
        string[] folders = ["csv", "mlmrev", Path.Combine("reference", "inference")];
        string path = folders.Select(f => Path.Combine(AppContext.BaseDirectory, "data", f, file)).First(File.Exists);
        var data = CsvReader.ReadFile(path);
        var factorsElement = reference.GetProperty("factors");
        var factors = factorsElement.ValueKind == JsonValueKind.Array ? Strings(factorsElement) : [factorsElement.GetString()!];
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!, data, new FitOptions(FactorColumns: factors));
        var estimates = Numbers(reference.GetProperty("fixef").GetProperty("estimate"));
        for (int j = 0; j < estimates.Length; j++) Close(estimates[j], fit.FixedEffects[j].Estimate, 1e-4, $"{name} estimate");
        // The df are functions of (θ, σ): evaluated at lme4's estimates, they test the df and not the two optimisers'
        // last digits (which move a df by about as much as its own error).
        var theta = Numbers(reference.GetProperty("theta"));
        for (int i = 0; i < theta.Length; i++) Assert.True(Math.Abs(theta[i] - fit.Theta[i]) < 1e-3 * Math.Max(1, Math.Abs(theta[i])), $"{name} theta {i}");
        return (reference, fit with { Theta = theta, Sigma = reference.GetProperty("sigma").GetDouble() });
    }

    /// <summary>jsonlite writes a one-element vector as a bare number.</summary>
    private static double[] Numbers(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? Doubles(element) : [element.GetDouble()];
}
