using System.Text.Json;

namespace SparseLmm.Tests.Reporting;

/// <summary>The JSON report of a hand-made fit: the reference files' field names, full precision, nulls.</summary>
public class JsonReportTests
{
    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Has_the_reference_fields_with_their_values()
    {
        var fit = ReportingFixtures.SleepstudyReml();
        var root = Parse(fit.ToJson(new JsonReportOptions(DataName: "sleepstudy", ReadMilliseconds: 1.25, FitMilliseconds: 7.5, Repeats: 3)));

        Assert.Equal("Reaction ~ 1 + Days + (1 + Days | Subject)", root.GetProperty("formula").GetString());
        Assert.Equal("gaussian", root.GetProperty("family").GetString());
        Assert.Equal("identity", root.GetProperty("link").GetString());
        Assert.Equal("REML", root.GetProperty("method").GetString());
        Assert.Equal(1, root.GetProperty("nAGQ").GetInt32());
        Assert.Equal(180, root.GetProperty("nobs").GetInt32());
        Assert.Equal(18, root.GetProperty("ngroups").GetProperty("Subject").GetInt32());

        var fixef = root.GetProperty("fixef");
        Assert.Equal(["(Intercept)", "Days"], fixef.GetProperty("names").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // Full round-trip precision.
        Assert.Equal(251.405104848485, fixef.GetProperty("estimate")[0].GetDouble());
        Assert.Equal(1.54578964390598, fixef.GetProperty("stderr")[1].GetDouble());
        Assert.Equal(3, root.GetProperty("theta").GetArrayLength());
        Assert.Equal(25.5917957216753, root.GetProperty("sigma").GetDouble());

        var varcorr = root.GetProperty("varcorr")[0];
        Assert.Equal("Subject", varcorr.GetProperty("group").GetString());
        Assert.Equal(2, varcorr.GetProperty("terms").GetArrayLength());
        Assert.Equal(24.7406579949841, varcorr.GetProperty("sd")[0].GetDouble());
        Assert.Equal(0.0655512382381282, varcorr.GetProperty("corr")[1][0].GetDouble());
        Assert.Equal(1, varcorr.GetProperty("corr")[1][1].GetDouble());

        Assert.Equal(-871.814135979976, root.GetProperty("loglik").GetDouble());
        Assert.Equal(6, root.GetProperty("df").GetInt32());
        Assert.Equal(1755.628271959952, root.GetProperty("aic").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("bic").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("deviance").ValueKind);
        Assert.Equal(1743.628271959952, root.GetProperty("reml_criterion").GetDouble(), 9);
        Assert.False(root.GetProperty("singular").GetBoolean());

        var ranef = root.GetProperty("ranef")[0];
        Assert.Equal("Subject", ranef.GetProperty("group").GetString());
        Assert.Equal("309", ranef.GetProperty("levels")[1].GetString());
        Assert.Equal(-8.61968061524321, ranef.GetProperty("values")[1][1].GetDouble());
        Assert.Equal(12.0708569505143, ranef.GetProperty("condsd")[0][0].GetDouble());

        Assert.True(root.GetProperty("converged").GetBoolean());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("notes").ValueKind);
        Assert.Equal(0, root.GetProperty("dropped_rows").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("icc").ValueKind);
        var timing = root.GetProperty("timing");
        Assert.Equal(1.25, timing.GetProperty("read_ms").GetDouble());
        Assert.Equal(7.5, timing.GetProperty("fit_ms").GetDouble());
        Assert.Equal(29, timing.GetProperty("evaluations").GetInt32());
        Assert.Equal(3, timing.GetProperty("repeats").GetInt32());
        Assert.Equal("sleepstudy", root.GetProperty("data").GetString());
        Assert.False(root.TryGetProperty("case", out _));
    }

    [Fact]
    public void Ml_fit_has_deviance_and_no_reml_criterion()
    {
        var root = Parse(ReportingFixtures.SleepstudyMl().ToJson());
        Assert.Equal("ML", root.GetProperty("method").GetString());
        Assert.Equal(1751.939345606504, root.GetProperty("deviance").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("reml_criterion").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("timing").GetProperty("read_ms").ValueKind);
        Assert.Equal(3.5, root.GetProperty("timing").GetProperty("fit_ms").GetDouble());
    }

    [Fact]
    public void Non_finite_numbers_and_missing_sigma_are_null()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            Sigma = null,
            LogLikelihood = double.NaN,
            Theta = [double.PositiveInfinity, 1, double.NegativeInfinity],
            IntraclassCorrelation = 0.25,
            DroppedRowCount = 2,
        });
        var root = Parse(fit.ToJson(new JsonReportOptions(Indented: false)));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("sigma").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("loglik").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("aic").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("theta")[0].ValueKind);
        Assert.Equal(1, root.GetProperty("theta")[1].GetDouble());
        Assert.Equal(0.25, root.GetProperty("icc").GetDouble());
        Assert.Equal(2, root.GetProperty("dropped_rows").GetInt32());
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("dropped"));
    }

    [Fact]
    public void Compact_json_is_one_line_and_formula_is_not_escaped()
    {
        var json = ReportingFixtures.SleepstudyReml().ToJson(new JsonReportOptions(Indented: false));
        Assert.DoesNotContain('\n', json);
        Assert.Contains("\"Reaction ~ 1 + Days + (1 + Days | Subject)\"", json);
    }

    [Fact]
    public void Write_json_to_a_writer()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
            ReportingFixtures.SleepstudyReml().WriteJson(writer);
        var root = JsonDocument.Parse(stream.ToArray()).RootElement;
        Assert.Equal(180, root.GetProperty("nobs").GetInt32());
    }
}
