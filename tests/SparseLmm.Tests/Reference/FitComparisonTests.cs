using System.Text.Json;
using System.Text.Json.Nodes;

namespace SparseLmm.Tests.Reference;

/// <summary>The comparison every reference test relies on catches what it is for: a reference passes against itself,
/// and each perturbation of one field beyond its tolerance is reported, including a better log-likelihood and a
/// missing group of conditional modes (which it used to let through).</summary>
public class FitComparisonTests
{
    private static JsonNode Reference() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.Directory, "reference", "sleepstudy_reml.json")))!;

    private static IReadOnlyList<string> Mismatches(JsonNode candidate) =>
        FitComparison.Mismatches(JsonDocument.Parse(Reference().ToJsonString()).RootElement,
            JsonDocument.Parse(candidate.ToJsonString()).RootElement);

    [Fact]
    public void AReferencePassesAgainstItself() => Assert.Empty(Mismatches(Reference()));

    [Theory]
    [InlineData("loglik better by 1")]
    [InlineData("loglik worse by 1")]
    [InlineData("slope off by 1% of its SE")]
    [InlineData("slope SE 1% larger")]
    [InlineData("subject SD 1% larger")]
    [InlineData("correlation off by 0.01")]
    [InlineData("sigma 1% larger")]
    [InlineData("a conditional mode off by one SD")]
    [InlineData("ranef group missing")]
    [InlineData("ranef term missing")]
    public void EachPerturbationIsReported(string perturbation)
    {
        var candidate = Reference();
        var fixef = candidate["fixef"]!;
        var group = candidate["varcorr"]![0]!;
        var ranef = candidate["ranef"]!.AsArray();
        double Number(JsonNode node) => node.GetValue<double>();
        switch (perturbation)
        {
            case "loglik better by 1": candidate["loglik"] = Number(candidate["loglik"]!) + 1; break;
            case "loglik worse by 1": candidate["loglik"] = Number(candidate["loglik"]!) - 1; break;
            case "slope off by 1% of its SE":
                fixef["estimate"]![1] = Number(fixef["estimate"]![1]!) + 0.01 * Number(fixef["stderr"]![1]!); break;
            case "slope SE 1% larger": fixef["stderr"]![1] = 1.01 * Number(fixef["stderr"]![1]!); break;
            case "subject SD 1% larger": group["sd"]![0] = 1.01 * Number(group["sd"]![0]!); break;
            case "correlation off by 0.01":
                double correlation = Number(group["corr"]![1]![0]!) + 0.01;
                group["corr"]![1]![0] = correlation;
                group["corr"]![0]![1] = correlation;
                break;
            case "sigma 1% larger": candidate["sigma"] = 1.01 * Number(candidate["sigma"]!); break;
            case "a conditional mode off by one SD":
                ranef[0]!["values"]![3]![0] = Number(ranef[0]!["values"]![3]![0]!) + Number(group["sd"]![0]!); break;
            case "ranef group missing": ranef.Clear(); break;
            case "ranef term missing":
                var entry = ranef[0]!;
                entry["terms"] = new JsonArray("(Intercept)");
                entry["values"] = new JsonArray(entry["values"]!.AsArray().Select(row => (JsonNode)new JsonArray(Number(row![0]!))).ToArray());
                break;
        }
        Assert.NotEmpty(Mismatches(candidate));
    }
}
