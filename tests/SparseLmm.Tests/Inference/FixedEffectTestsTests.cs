using SparseLmm.Data;
using SparseLmm.Inference;
using static SparseLmm.Tests.Inference.InferenceReference;

namespace SparseLmm.Tests.Inference;

public class FixedEffectTestsTests
{
    private static readonly Lazy<SparseLmm.Results.MixedModelFit> Sleepstudy = new(() =>
    {
        var reference = Load("sleepstudy_fixef");
        return MixedModel.Fit(reference.GetProperty("formula").GetString()!, LoadData(reference));
    });

    [Fact]
    public void Satterthwaite_matches_lmerTest()
    {
        var fixef = Load("sleepstudy_fixef").GetProperty("fixef");
        var tests = FixedEffectTests.Compute(Sleepstudy.Value, DdfMethod.Satterthwaite);
        var df = Doubles(fixef.GetProperty("satterthwaite_df"));
        var p = Doubles(fixef.GetProperty("satterthwaite_p"));
        for (int j = 0; j < tests.Count; j++)
        {
            Close(df[j], tests[j].Df, 1e-3, $"df {tests[j].Name}");
            Close(p[j], tests[j].PValue, 1e-2, $"p {tests[j].Name}");
        }
    }

    [Fact]
    public void Kenward_Roger_matches_pbkrtest()
    {
        var fixef = Load("sleepstudy_fixef").GetProperty("fixef");
        var tests = FixedEffectTests.Compute(Sleepstudy.Value, DdfMethod.KenwardRoger);
        var se = Doubles(fixef.GetProperty("kenward_roger_stderr"));
        var df = Doubles(fixef.GetProperty("kenward_roger_df"));
        var p = Doubles(fixef.GetProperty("kenward_roger_p"));
        for (int j = 0; j < tests.Count; j++)
        {
            Close(se[j], tests[j].StandardError, 1e-4, $"se {tests[j].Name}");
            Close(df[j], tests[j].Df, 1e-3, $"df {tests[j].Name}");
            Close(p[j], tests[j].PValue, 1e-2, $"p {tests[j].Name}");
        }
    }

    [Fact]
    public void None_gives_normal_p_values()
    {
        var tests = FixedEffectTests.Compute(Sleepstudy.Value, DdfMethod.None);
        Assert.All(tests, t => Assert.True(double.IsPositiveInfinity(t.Df)));
        // lme4's t values and R's 2 * pnorm(-|t|) for them (not the code's own normal tail applied to its own t).
        Close(36.8380896463, tests[0].Statistic, 1e-5, "t (Intercept)");
        Close(6.771481489, tests[1].Statistic, 1e-5, "t Days");
        Close(1.27470273003e-11, tests[1].PValue, 1e-4, "p Days");
    }
}

public class ConfidenceIntervalTests
{
    [Fact]
    public void Profile_intervals_match_lme4()
    {
        var reference = Load("sleepstudy_fixef");
        var model = MixedModel.Fit(reference.GetProperty("formula").GetString()!, LoadData(reference));
        var ci = ConfidenceIntervalMethods.Profile(model, 0.95);
        var expected = reference.GetProperty("profile_ci");
        Assert.Equal(Strings(expected.GetProperty("names")), ci.Names);
        var lower = Doubles(expected.GetProperty("lower"));
        var upper = Doubles(expected.GetProperty("upper"));
        // Fixed effects: lme4's profile (ML deviance). Variance parameters of this REML fit: the exact profile of the
        // REML criterion (lme4 profiles the ML deviance even for a REML fit), from R: the REML criterion of lme4's
        // deviance function minimised over the other parameters at each fixed value, and uniroot at χ²₁(0.95).
        double[] exactLower = [15.03200603, -0.4983214780, 3.926813024, 22.89825651];
        double[] exactUpper = [39.51614395, 0.6657224093, 9.151904297, 28.85799921];
        for (int i = 0; i < lower.Length; i++)
        {
            bool variance = i < exactLower.Length;
            Close(variance ? exactLower[i] : lower[i], ci.Lower[i], variance ? 1e-6 : 1e-3, $"lower {ci.Names[i]}");
            Close(variance ? exactUpper[i] : upper[i], ci.Upper[i], variance ? 1e-6 : 1e-3, $"upper {ci.Names[i]}");
        }
    }

    /// <summary>Orthodont (nlme), REML: the exact profile of σ is the REML criterion minimised over θ at fixed σ; R
    /// (lme4's deviance function, L-BFGS-B from three starts, uniroot) puts its limits at 1.097030664 and 1.597826693.
    /// lme4's spline gives 1.5885 (its ML profile, whose exact crossing is 1.588388023; checked with --ml below).</summary>
    [Fact]
    public void Profile_interval_for_sigma_is_the_exact_root_of_the_profile()
    {
        var data = CsvReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "data", "csv", "Orthodont.csv"));
        const string formula = "distance ~ 1 + age * Sex + (1 + age | Subject)";
        var reml = ConfidenceIntervalMethods.Profile(MixedModel.Fit(formula, data), 0.95);
        int sigma = reml.Names.ToList().IndexOf("sigma");
        Close(1.097030664, reml.Lower[sigma], 1e-6, "REML sigma lower");
        Close(1.597826693, reml.Upper[sigma], 1e-6, "REML sigma upper");
        var ml = ConfidenceIntervalMethods.Profile(MixedModel.Fit(formula, data, new FitOptions(Reml: false)), 0.95);
        Close(1.588388023, ml.Upper[sigma], 1e-6, "ML sigma upper");
        // Fixed effects are profiled on the ML deviance for both fits.
        Close(ml.Upper[sigma + 1], reml.Upper[sigma + 1], 1e-9, "(Intercept) upper");
    }

    [Fact]
    public void Wald_intervals_match_lme4()
    {
        var reference = Load("sleepstudy_fixef");
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!, LoadData(reference));
        var ci = ConfidenceIntervalMethods.Wald(fit, 0.95);
        var expected = reference.GetProperty("wald_ci");
        var lower = Doubles(expected.GetProperty("lower"));
        var upper = Doubles(expected.GetProperty("upper"));
        for (int i = 0; i < lower.Length; i++)
        {
            Close(lower[i], ci.Lower[i], 1e-6, "lower");
            Close(upper[i], ci.Upper[i], 1e-6, "upper");
        }
    }
}
