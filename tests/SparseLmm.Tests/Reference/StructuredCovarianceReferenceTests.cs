using System.Text.Json;
using SparseLmm.Cli;

namespace SparseLmm.Tests.Reference;

/// <summary>Structured random-effects covariances (glmmTMB's diag, cs, ar1) fitted through the CLI's --json output
/// and held to glmmTMB 1.1.5's fits (data/reference/structured, made by make_structured.R) at the tolerances of
/// <see cref="FitComparison"/>, with each term's structure and ρ.</summary>
public sealed class StructuredCovarianceReferenceTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.Directory, "reference", "structured"), "*.json").Order())
            data.Add("structured/" + Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CliFitMatchesGlmmTmb(string name)
    {
        var reference = ReferenceCase.Load(name);
        var candidate = Fit(reference);
        var mismatches = FitComparison.Mismatches(reference.Root, candidate).ToList();
        // θ has the structure's parameters only, so the parameter count (and AIC) is glmmTMB's.
        if (candidate.GetProperty("df").GetInt32() != reference.Root.GetProperty("df").GetInt32())
            mismatches.Add($"df {candidate.GetProperty("df")} vs {reference.Root.GetProperty("df")}");
        if (Math.Abs(candidate.GetProperty("aic").GetDouble() - reference.Root.GetProperty("aic").GetDouble()) > 4e-3)
            mismatches.Add($"aic {candidate.GetProperty("aic")} vs {reference.Root.GetProperty("aic")}");
        var candidateGroups = candidate.GetProperty("varcorr").EnumerateArray().ToList();
        foreach (var (group, mine) in reference.Root.GetProperty("varcorr").EnumerateArray().Zip(candidateGroups))
        {
            string structure = group.GetProperty("structure").GetString()!;
            if (mine.GetProperty("structure").GetString() != structure) mismatches.Add($"structure {mine.GetProperty("structure")} vs {structure}");
            if (group.TryGetProperty("rho", out var rho))
            {
                if (!mine.TryGetProperty("rho", out var myRho)) mismatches.Add("rho missing");
                else if (Math.Abs(myRho.GetDouble() - rho.GetDouble()) > 2e-3) mismatches.Add($"rho {myRho} vs {rho}");
            }
            else if (mine.TryGetProperty("rho", out _)) mismatches.Add($"rho reported for {structure}");
        }
        Assert.True(mismatches.Count == 0, string.Join("; ", mismatches));
    }

    internal static JsonElement Fit(ReferenceCase reference)
    {
        var arguments = new List<string> { "fit", reference.DataFile, reference.Formula, "--json" };
        if (reference.Family == "gaussian") arguments.Add(reference.Reml ? "--reml" : "--ml");
        else arguments.AddRange(["--family", reference.Family, "--link", reference.Root.GetProperty("link").GetString()!]);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = CliApplication.Run(arguments.ToArray(), stdout, stderr);
        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}");
        return JsonDocument.Parse(stdout.ToString()).RootElement.Clone();
    }
}
