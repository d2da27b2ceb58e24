using System.Text.Json;
using SparseLmm.Data;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Cli;

/// <summary>A fit that stops at the evaluation limit is not converged (issue 10, item 20): the library says so, the
/// JSON says so, the CLI exits 3 with a warning. The limit (FitOptions.MaxEvaluations, --max-evaluations) is lowered
/// so that a small model hits it (sleepstudy's random-slope fit needs about 30 evaluations).</summary>
public class EvaluationLimitTests
{
    [Fact]
    public void LinearFitStoppedByTheLimitIsNotConverged()
    {
        var fit = MixedModel.Fit("Reaction ~ Days + (Days|Subject)", EmbeddedDatasets.Load("sleepstudy"),
            FitOptions.Default with { MaxEvaluations = 6 });
        Assert.Contains("after 6 evaluations", fit.OptimizerMessage);
        Assert.False(fit.Converged);
        Assert.Contains(fit.Notes, n => n.Contains("did not converge") && n.Contains("MaxEvaluations"));
        Assert.Contains("did not converge", fit.Summary());
        var full = MixedModel.Fit("Reaction ~ Days + (Days|Subject)", EmbeddedDatasets.Load("sleepstudy"));
        Assert.True(full.Converged);
    }

    [Fact]
    public void GlmmStoppedByTheLimitIsNotConverged()
    {
        var data = ColumnConversions.ToCategorical(EmbeddedDatasets.Load("cbpp"), "period");
        var fit = MixedModel.Fit("cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", data,
            new FitOptions(Family: Family.Binomial()) { MaxEvaluations = 5 });
        Assert.False(fit.Converged);
        Assert.Contains(fit.Notes, n => n.Contains("MaxEvaluations"));
    }

    [Fact]
    public void CliExitsThreeAndTheJsonSaysNotConverged()
    {
        var result = Run("fit", "sleepstudy", "Reaction ~ Days + (Days|Subject)", "--json", "--max-evaluations", "6");
        Assert.Equal(3, result.ExitCode);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.False(root.GetProperty("converged").GetBoolean());
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("MaxEvaluations"));
        Assert.Contains("did not converge", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);

        var text = Run("fit", "sleepstudy", "Reaction ~ Days + (Days|Subject)", "--max-evaluations", "6");
        Assert.Equal(3, text.ExitCode);
        Assert.Contains("did not converge", text.Stdout);
        Assert.Equal(0, Run("fit", "sleepstudy", "Reaction ~ Days + (Days|Subject)", "--json").ExitCode);
    }

    [Fact]
    public void CompareWithAModelStoppedByTheLimitExitsThree()
    {
        var result = Run("compare", "sleepstudy", "Reaction ~ Days + (1|Subject)", "Reaction ~ Days + (Days|Subject)", "--json",
            "--max-evaluations", "6");
        Assert.Equal(3, result.ExitCode);
        Assert.False(JsonDocument.Parse(result.Stdout).RootElement.GetProperty("converged").GetBoolean());
    }
}
