using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Inference;
using SparseLmm.Results;
using SparseLmm.Tests.Cli;
using SparseLmm.Tests.Reference;

namespace SparseLmm.Tests.Engine;

/// <summary>glmmTMB's covariance structures: the θ → T map against dense references, diag against lme4's
/// uncorrelated terms, the boundary, what is refused, and the summary and JSON fields.</summary>
public sealed class StructuredCovarianceTests
{
    private static readonly string Orthodont = Path.Combine(TestData.Directory, "csv", "Orthodont.csv");
    private static readonly string Simulated = Path.Combine(TestData.Directory, "csv", "simulated_structured.csv");

    private static CovarianceParameterization Parameterization(CovarianceStructure structure, int k) =>
        new([new RandomEffectsDesign("g", Enumerable.Range(0, k).Select(c => $"t{c}").ToList(), [0], ["a"], new double[k])
        {
            Structure = structure,
        }]);

    /// <summary>TT' of a k×k row-major lower factor.</summary>
    private static double[] Gram(double[] factor, int k)
    {
        var result = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                for (int c = 0; c < k; c++) result[a * k + b] += factor[a * k + c] * factor[b * k + c];
        return result;
    }

    [Theory]
    [InlineData(0.45)]
    [InlineData(-0.2)]
    [InlineData(1.0)]
    [InlineData(-1.0 / 3)] // the lower bound for k = 4: the correlation matrix is singular
    public void CompoundSymmetryFactorReproducesTheCovariance(double rho)
    {
        const int k = 4;
        double[] sds = [0.5, 1.2, 2.0, 0.9];
        var factor = new double[k * k];
        Parameterization(CovarianceStructure.CompoundSymmetry, k).FillFactor([.. sds, rho], 0, factor);
        var covariance = Gram(factor, k);
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
            {
                Assert.Equal(sds[a] * sds[b] * (a == b ? 1 : rho), covariance[a * k + b], 12);
                if (b > a) Assert.Equal(0, factor[a * k + b]);
            }
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(-0.55)]
    [InlineData(1.0)]
    [InlineData(-1.0)]
    public void AutoRegressiveFactorReproducesTheCovariance(double rho)
    {
        const int k = 5;
        var factor = new double[k * k];
        Parameterization(CovarianceStructure.AutoRegressive, k).FillFactor([1.7, rho], 0, factor);
        var covariance = Gram(factor, k);
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                Assert.Equal(1.7 * 1.7 * Math.Pow(rho, Math.Abs(a - b)), covariance[a * k + b], 12);
    }

    [Fact]
    public void ParametersAndBoundsFollowTheStructure()
    {
        var cs = Parameterization(CovarianceStructure.CompoundSymmetry, 4);
        Assert.Equal(5, cs.Length);
        Assert.Equal([0, 0, 0, 0, -1.0 / 3], cs.LowerBounds());
        Assert.Equal([double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity, 1], cs.UpperBounds());
        var ar1 = Parameterization(CovarianceStructure.AutoRegressive, 6);
        Assert.Equal(2, ar1.Length);
        Assert.Equal([0, -1.0], ar1.LowerBounds());
        Assert.True(ar1.IsSingular([1, 1], 1e-4));
        Assert.False(ar1.IsSingular([1, 0.99], 1e-4));
        Assert.Equal(3, Parameterization(CovarianceStructure.Diagonal, 3).Length);
        Assert.Equal(6, Parameterization(CovarianceStructure.Unstructured, 3).Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DiagonalIsLme4sUncorrelatedTerms(bool reml)
    {
        var data = EmbeddedDatasets.Load("sleepstudy");
        var options = new FitOptions(Reml: reml);
        var diag = MixedModel.Fit("Reaction ~ Days + diag(1 + Days | Subject)", data, options);
        var uncorrelated = MixedModel.Fit("Reaction ~ Days + (1 + Days || Subject)", data, options);
        Assert.Equal(uncorrelated.LogLikelihood, diag.LogLikelihood, 6);
        Assert.Equal(uncorrelated.DegreesOfFreedom, diag.DegreesOfFreedom);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(uncorrelated.Theta[i], diag.Theta[i], 4);
            Assert.Equal(uncorrelated.FixedEffects[i].Estimate, diag.FixedEffects[i].Estimate, 4);
            // glmmTMB's standard errors add θ's uncertainty, which on sleepstudy's balanced design is below 1e-3.
            Assert.Equal(1, diag.FixedEffects[i].StandardError / uncorrelated.FixedEffects[i].StandardError, 3);
            Assert.Equal(uncorrelated.VarianceComponents[i].StandardDeviations[0], diag.VarianceComponents[0].StandardDeviations[i], 3);
        }
        Assert.Equal(CovarianceStructure.Diagonal, diag.VarianceComponents[0].Structure);
        Assert.Null(diag.VarianceComponents[0].Rho);
        if (!reml)
        {
            // lme4 1.1.31, (1 + Days || Subject) by ML (make_structured.R prints these).
            Assert.Equal(-876.0016, diag.LogLikelihood, 3);
            Assert.Equal(0.9458237, diag.Theta[0], 4);
            Assert.Equal(0.2269267, diag.Theta[1], 4);
        }
    }

    [Fact]
    public void GlmmDiagonalIsGlmersUncorrelatedTerms()
    {
        // glmer(count ~ x + (1 + x || subject), poisson), lme4 1.1.31 (make_structured.R prints these): singular, the
        // slope's SD at 0.
        var fit = MixedModel.Fit("count ~ x + diag(1 + x | subject)", CsvReader.ReadFile(Simulated), new FitOptions(Family: Family.Poisson()));
        Assert.Equal(-366.13278782763, fit.LogLikelihood, 3);
        Assert.Equal(-0.48269987489, fit.FixedEffects[0].Estimate, 3);
        Assert.Equal(0.38658577905, fit.FixedEffects[1].Estimate, 3);
        Assert.Equal(0.12219841800, fit.FixedEffects[0].StandardError, 3);
        Assert.Equal(0.58552195938, fit.Theta[0], 3);
        Assert.True(fit.Theta[1] < 1e-4);
        Assert.True(fit.IsSingular);
    }

    [Fact]
    public void CorrelationOnItsBoundIsReportedAsSingular()
    {
        // glmmTMB's cs on Orthodont ends at ρ = 0.9999999 (its transform cannot reach 1); the bound is ρ = 1 exactly.
        var result = CliRunner.Run("fit", Orthodont, "distance ~ age + Sex + cs(0 + factor(age) | Subject)", "--ml", "--json");
        Assert.Equal(0, result.ExitCode);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        var term = root.GetProperty("varcorr")[0];
        Assert.Equal("cs", term.GetProperty("structure").GetString());
        Assert.Equal(1.0, term.GetProperty("rho").GetDouble(), 6);
        Assert.True(root.GetProperty("singular").GetBoolean());
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("singular"));
    }

    [Fact]
    public void SummaryShowsRhoAndTheStructure()
    {
        var result = CliRunner.Run("fit", Orthodont, "distance ~ age + Sex + ar1(0 + factor(age) | Subject)", "--reml");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        var first = Assert.Single(lines, l => l.Contains("factor(age)8"));
        Assert.Matches(@"Subject\s+factor\(age\)8\s+\S+\s+\S+\s+0\.\d\d \(ar1\)", first);
        Assert.DoesNotContain("(ar1)", Assert.Single(lines, l => l.Contains("factor(age)10")));
    }

    [Theory]
    [InlineData("--ci", "profile", "profile intervals are not available for diag(), cs() or ar1() terms")]
    [InlineData("--ddf", "kenward-roger", "Kenward-Roger is not available for diag(), cs() or ar1() terms")]
    public void InferenceThatNeedsAnUnstructuredCovarianceIsRefused(string option, string value, string message)
    {
        var result = CliRunner.Run("fit", Orthodont, "distance ~ age + ar1(0 + factor(age) | Subject)", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Assert.Single(result.StderrLines));
    }

    [Fact]
    public void BootstrapIntervalsNameTheStructuresParameters()
    {
        var fit = MixedModel.Fit("distance ~ age + ar1(0 + factor(age) | Subject)", CsvReader.ReadFile(Orthodont));
        var intervals = Simulation.PercentileIntervals(Simulation.Bootstrap(fit, 40, 3));
        Assert.Equal(["sd_factor(age)8|Subject", "cor_factor(age)10.factor(age)8|Subject", "sigma", "(Intercept)", "age"], intervals.Names);
        double rho = fit.VarianceComponents[0].Rho!.Value;
        Assert.InRange(rho, intervals.Lower[1], intervals.Upper[1]);
        Assert.InRange(fit.VarianceComponents[0].StandardDeviations[0], intervals.Lower[0], intervals.Upper[0]);
    }

    [Fact]
    public void ConditionalAicOfDiagonalIsThatOfUncorrelatedTerms()
    {
        var data = EmbeddedDatasets.Load("sleepstudy");
        var diag = MixedModel.Fit("Reaction ~ Days + diag(1 + Days | Subject)", data).ConditionalAic(out _);
        var uncorrelated = MixedModel.Fit("Reaction ~ Days + (1 + Days || Subject)", data).ConditionalAic(out _);
        Assert.NotNull(diag);
        Assert.Equal(uncorrelated!.Value, diag.Value, 4);
        Assert.Equal(uncorrelated.DegreesOfFreedom, diag.DegreesOfFreedom, 4);
    }

    [Fact]
    public void ConditionalAicAndMcmcAreRefusedForCorrelationStructures()
    {
        var fit = MixedModel.Fit("distance ~ age + ar1(0 + factor(age) | Subject)", CsvReader.ReadFile(Orthodont));
        Assert.Null(fit.ConditionalAic(out var reason));
        Assert.Contains("cs() or ar1()", reason);
        var error = Assert.Throws<InputException>(() => SparseLmm.Mcmc.MixedModelSampler.Sample(fit));
        Assert.Contains("not for diag(), cs() or ar1() terms", error.Message);
    }

    [Fact]
    public void StreamedFitRefusesStructuredTerms()
    {
        var result = CliRunner.Run("fit", Orthodont, "distance ~ age + ar1(0 + factor(age) | Subject)", "--stream");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("a streamed fit does not support ar1() random-effects terms", Assert.Single(result.StderrLines));
    }

    [Fact]
    public void OneColumnCorrelationStructureIsRefused()
    {
        var result = CliRunner.Run("fit", Orthodont, "distance ~ age + ar1(1 | Subject)");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ar1(1 | Subject) has one column, so its correlation cannot be estimated", Assert.Single(result.StderrLines));
    }

    [Fact]
    public void UsIsTheUnstructuredDefault()
    {
        var data = EmbeddedDatasets.Load("sleepstudy");
        var us = MixedModel.Fit("Reaction ~ Days + us(1 + Days | Subject)", data);
        var plain = MixedModel.Fit("Reaction ~ Days + (1 + Days | Subject)", data);
        Assert.Equal(plain.LogLikelihood, us.LogLikelihood, 10);
        Assert.Equal(plain.FixedEffects[0].StandardError, us.FixedEffects[0].StandardError, 10);
        Assert.Equal(CovarianceStructure.Unstructured, us.VarianceComponents[0].Structure);
    }
}
