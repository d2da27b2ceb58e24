using SparseLmm.Inference;
using static SparseLmm.Tests.Inference.InferenceReference;

namespace SparseLmm.Tests.Inference;

public class FixedEffectTestsTests
{
    private static readonly Lazy<FittedMixedModel> Sleepstudy = new(() =>
    {
        var reference = Load("sleepstudy_fixef");
        return FittedMixedModel.Create(reference.GetProperty("formula").GetString()!, LoadData(reference));
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
        Close(2 * Distributions.NormalUpperTail(Math.Abs(tests[1].Statistic)), tests[1].PValue, 1e-12, "p");
    }

    [Fact]
    public void Distributions_agree_with_known_values()
    {
        Close(0.05, Distributions.StudentTwoSided(2.10981557783332, 17), 1e-8, "t(17)");
        Close(0.0201041723040621, Distributions.ChiSquareUpperTail(5.40282609364601, 1), 1e-9, "chi2(1)");
        Close(9.93957446662408e-63, Distributions.ChiSquareUpperTail(279.441204469863, 1), 1e-8, "chi2(1) tail");
        Close(7.07241263839854e-10, Distributions.ChiSquareUpperTail(42.1392985162349, 2), 1e-8, "chi2(2)");
        Close(1.959963984540054, Distributions.NormalQuantile(0.975), 1e-12, "z");
        Close(3.841458820694124, Distributions.ChiSquareQuantile(0.95, 1), 1e-10, "chi2 q");
    }
}

public class ConfidenceIntervalTests
{
    [Fact]
    public void Profile_intervals_match_lme4()
    {
        var reference = Load("sleepstudy_fixef");
        var model = FittedMixedModel.Create(reference.GetProperty("formula").GetString()!, LoadData(reference));
        var ci = ConfidenceIntervalMethods.Profile(model, 0.95);
        var expected = reference.GetProperty("profile_ci");
        Assert.Equal(Strings(expected.GetProperty("names")), ci.Names);
        var lower = Doubles(expected.GetProperty("lower"));
        var upper = Doubles(expected.GetProperty("upper"));
        for (int i = 0; i < lower.Length; i++)
        {
            Close(lower[i], ci.Lower[i], 1e-3, $"lower {ci.Names[i]}");
            Close(upper[i], ci.Upper[i], 1e-3, $"upper {ci.Names[i]}");
        }
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
