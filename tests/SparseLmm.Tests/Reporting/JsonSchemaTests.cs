using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SparseLmm.Reporting;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Reporting;

/// <summary>The published JSON schemas (schemas/*.schema.json) against real outputs of fit, compare and predict, and
/// the README's documentation of every field they name.</summary>
public class JsonSchemaTests
{
    private const string Slopes = "Reaction ~ 1 + Days + (1 + Days | Subject)";
    private const string Intercepts = "Reaction ~ 1 + Days + (1 | Subject)";
    private const string Cbpp = "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)";

    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();

    private static JsonSchema Schema(string command) => Schemas.GetOrAdd(command, name =>
        JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "schemas", $"{name}.schema.json")));

    private static IReadOnlyList<string> Violations(string command, string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema(command).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        return [.. (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))];
    }

    private static void AssertValid(string command, params string[] args)
    {
        var result = Run(args);
        // Exit 3 (not converged) still writes the whole output, flagged.
        Assert.True(result.ExitCode is 0 or 3, result.Stderr);
        var violations = Violations(command, result.Stdout);
        Assert.True(violations.Count == 0, $"{string.Join(' ', args)}: {string.Join("; ", violations)}");
        Assert.Equal(FitJsonWriter.SchemaVersion, JsonDocument.Parse(result.Stdout).RootElement.GetProperty("schema_version").GetInt32());
    }

    public static TheoryData<string[]> FitCommands =>
    [
        ["fit", "sleepstudy", Slopes, "--json"],
        ["fit", "sleepstudy", Intercepts, "--json", "--ci", "profile"],
        ["fit", "sleepstudy", Intercepts, "--json", "--ci", "boot", "--nsim", "20", "--seed", "3"],
        ["fit", "sleepstudy", Slopes, "--json", "--ddf", "kenward-roger"],
        ["fit", "sleepstudy", Slopes, "--json", "--ml", "--repeat", "2"],
        ["fit", "sleepstudy", Slopes, "--json", "--ddf", "none"],
        ["fit", "Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", "--json"],
        ["fit", "cbpp", Cbpp, "--family", "binomial", "--factor", "period", "--json"],
        ["fit", "cbpp", Cbpp, "--family", "binomial", "--factor", "period", "--nagq", "5", "--json"],
        ["demo", "--json"],
        ["fit", Path.Combine(AppContext.BaseDirectory, "data", "csv", "Orthodont.csv"), "distance ~ age + Sex + (1 | Subject)",
            "--variance", "varIdent(~ 1 | Sex)", "--correlation", "corAR1(~ age | Subject)", "--json"],
        ["fit", "sleepstudy", Intercepts, "--json", "--mcmc", "200", "--chains", "2", "--seed", "5"],
        ["fit", "cbpp", Cbpp, "--family", "binomial", "--factor", "period", "--ref", "period=2", "--json"],
        ["fit", Path.Combine(AppContext.BaseDirectory, "data", "csv", "Orthodont.csv"), "distance ~ age + ar1(0 + factor(age) | Subject)", "--json"],
        ["fit", "sleepstudy", "Reaction ~ Days + diag(1 + Days | Subject)", "--json"],
    ];

    [Theory]
    [MemberData(nameof(FitCommands))]
    public void Fit_output_follows_the_schema(string[] args) => AssertValid("fit", args);

    [Fact]
    public void Library_json_follows_the_schema()
    {
        var fit = MixedModel.Fit(Slopes, MixedModel.LoadData("sleepstudy"));
        Assert.Empty(Violations("fit", fit.ToJson()));
    }

    [Fact]
    public void Compare_output_follows_the_schema()
    {
        AssertValid("compare", "compare", "sleepstudy", Intercepts, Slopes, "--json");
        AssertValid("compare", "compare", "sleepstudy", "Reaction ~ 1 + Days", Intercepts, "--json", "--reml");
        AssertValid("compare", "compare", "cbpp", "cbind(incidence, size - incidence) ~ 1 + (1 | herd)", Cbpp,
            "--family", "binomial", "--factor", "period", "--json");
    }

    [Fact]
    public void Predict_output_follows_the_schema()
    {
        using var newData = new TempFile("Days,Subject\n0,308\n4.5,999\n,308\n");
        AssertValid("predict", "predict", "sleepstudy", Slopes, "--newdata", newData.Path, "--json");
    }

    [Fact]
    public void The_schemas_refuse_what_they_do_not_describe()
    {
        // The check can fail: a field not in the schema, a missing one and a wrong type are each refused.
        var json = JsonNode.Parse(Run("fit", "sleepstudy", Intercepts, "--json").Stdout)!.AsObject();
        json["undocumented"] = 1;
        Assert.NotEmpty(Violations("fit", json.ToJsonString()));
        json.Remove("undocumented");
        Assert.Empty(Violations("fit", json.ToJsonString()));
        json.Remove("nobs");
        Assert.NotEmpty(Violations("fit", json.ToJsonString()));
        json["nobs"] = "180";
        Assert.NotEmpty(Violations("fit", json.ToJsonString()));
    }

    public static TheoryData<string> SchemaNames => ["fit", "compare", "predict"];

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Every_field_is_documented_in_the_readme(string command)
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));
        int start = readme.IndexOf("## JSON output", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '## JSON output' section");
        int end = readme.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        Assert.Contains($"schemas/{command}.schema.json", section);
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schemas", $"{command}.schema.json")))!;
        var missing = PropertyNames(schema).Distinct().Where(name => !section.Contains($"`{name}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"not documented in the README's JSON output section: {string.Join(", ", missing)}");
    }

    private static IEnumerable<string> PropertyNames(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (key == "properties" && value is JsonObject properties)
                    foreach (var (name, _) in properties) yield return name;
                foreach (var name in PropertyNames(value)) yield return name;
            }
        }
        else if (node is JsonArray array)
            foreach (var item in array)
                foreach (var name in PropertyNames(item)) yield return name;
    }
}
