using System.Runtime.CompilerServices;
using System.Text.Json;
using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>Simulated GLMMs fitted by lme4 1.1.31 (data/make_references.R) match at compare_fit.py's tolerances:
/// crossed factors with a text response and logit or cloglog links, Poisson with log and sqrt links and with quadrature,
/// Gamma with log and inverse links (σ and the SDs as lme4 reports them), a correlated random slope, proportions with
/// weights, nAGQ = 0 (one scalar term, a correlated slope, two crossed terms), and a singular fit.</summary>
public class SimulatedReferenceTests
{
    private static string DataDirectory([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "data");

    internal static string DataPath(string file) => Path.Combine(DataDirectory(), file);

    public static TheoryData<string> Cases => new()
    {
        "crossed_binomial", "crossed_cloglog", "poisson_agq1", "poisson_agq10", "poisson_agq25", "poisson_sqrt",
        "gamma_log", "gamma_inverse", "binomial_slopes", "binomial_weights", "binomial_nagq0", "binomial_singular",
        "binomial_slopes_nagq0", "crossed_binomial_nagq0",
    };

    internal static (JsonElement Reference, MixedModelFit Fit) FitCase(string name, int maxEvaluations = 10_000)
    {
        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory(), name + ".json"))).RootElement;
        var options = new FitOptions(
            FactorColumns: reference.GetProperty("factors").EnumerateArray().Select(e => e.GetString()!).ToList(),
            Family: Family.Parse(reference.GetProperty("family").GetString()!, reference.GetProperty("link").GetString()),
            QuadratureNodes: reference.GetProperty("nAGQ").GetInt32(),
            WeightsColumn: reference.TryGetProperty("weights", out var weights) && weights.ValueKind == JsonValueKind.String ? weights.GetString() : null)
        {
            MaxEvaluations = maxEvaluations,
        };
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!,
            Path.Combine(DataDirectory(), reference.GetProperty("data").GetString()!), options);
        return (reference, fit);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesLme4(string name)
    {
        var (reference, fit) = FitCase(name);
        Assert.Empty(GlmmReference.Compare(reference, fit));
        Assert.Equal(reference.GetProperty("df").GetInt32(), fit.DegreesOfFreedom);
        Assert.Equal(reference.GetProperty("singular").GetBoolean(), fit.IsSingular);
        Assert.Equal(reference.GetProperty("nAGQ").GetInt32(), fit.QuadratureNodes);
    }

    [Fact]
    public void GammaReportsSigmaAndScaledStandardDeviationsAsLme4()
    {
        var (reference, fit) = FitCase("gamma_log");
        double theta = reference.GetProperty("theta")[0].GetDouble();
        double sigma = reference.GetProperty("sigma").GetDouble();
        Assert.Equal(sigma, fit.Sigma!.Value, 1e-5);
        Assert.Equal(theta, fit.Theta[0], 1e-4);
        // lme4's VarCorr multiplies θ by σ for a Gamma model.
        Assert.Equal(sigma * theta, fit.VarianceComponents[0].StandardDeviations[0], 1e-4);
        Assert.Equal(4, fit.DegreesOfFreedom);
        Assert.Equal(reference.GetProperty("loglik").GetDouble(), fit.LogLikelihood, 1e-5);
    }

    [Fact]
    public void PoissonQuadratureLogLikelihoodKeepsTheFactorials()
    {
        var (reference, fit) = FitCase("poisson_agq25");
        // The reference integrates the likelihood directly (with log y!); lme4's own drops the constants.
        Assert.Equal(reference.GetProperty("loglik").GetDouble(), fit.LogLikelihood, 1e-5);
        Assert.True(Math.Abs(reference.GetProperty("loglik_lme4").GetDouble() - fit.LogLikelihood) > 100);
        Assert.Equal(EstimationMethod.AdaptiveGaussHermite, fit.Method);
    }
}
