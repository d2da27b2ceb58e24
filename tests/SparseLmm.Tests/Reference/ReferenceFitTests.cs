using System.Text.Json;
using SparseLmm.Cli;

namespace SparseLmm.Tests.Reference;

/// <summary>Every lme4 reference case (the shared ones and this project's extra ones), fitted through the CLI's --json
/// output and held to the tolerances of <see cref="FitComparison"/>.</summary>
public sealed class ReferenceFitTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.Directory, "reference"), "*.json").Order())
            data.Add(Path.GetFileNameWithoutExtension(file));
        // Further lme4 fits made for this project (see extra/make_references.R).
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.Directory, "reference", "extra"), "*.json").Order())
            data.Add("extra/" + Path.GetFileNameWithoutExtension(file));
        // mlmRev's nested and cross-classified data (star, ScotsSec, Chem97, egsingle; see mlmrev/make_mlmrev.R),
        // which the sparse engine factors.
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.Directory, "mlmrev"), "*.json").Order())
            data.Add("mlmrev/" + Path.GetFileNameWithoutExtension(file));
        // Offsets, prior weights, reference levels and formula functions (issue 12; see models/make_models.R).
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.Directory, "models"), "*.json").Order())
            data.Add("models/" + Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CliFitMatchesLme4(string name)
    {
        var reference = ReferenceCase.Load(name);
        var arguments = new List<string> { "fit", reference.DataFile, reference.Formula, "--json" };
        if (reference.Family == "gaussian") arguments.Add(reference.Reml ? "--reml" : "--ml");
        else
        {
            arguments.AddRange(["--family", reference.Family.ToLowerInvariant(), "--link", reference.Root.GetProperty("link").GetString()!]);
            int nodes = reference.Root.GetProperty("nAGQ").GetInt32();
            if (nodes > 1) arguments.AddRange(["--nagq", nodes.ToString()]);
        }
        foreach (var factor in reference.Factors) arguments.AddRange(["--factor", factor]);
        if (reference.Weights is { } weights) arguments.AddRange(["--weights", weights]);
        foreach (var level in reference.References) arguments.AddRange(["--ref", level]);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = CliApplication.Run(arguments.ToArray(), stdout, stderr);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}");
        var candidate = JsonDocument.Parse(stdout.ToString()).RootElement;
        var mismatches = FitComparison.Mismatches(reference.Root, candidate);
        Assert.True(mismatches.Count == 0, string.Join("; ", mismatches));
    }
}
