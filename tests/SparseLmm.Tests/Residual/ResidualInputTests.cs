using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Inference;
using SparseLmm.Tests.Cli;
using SparseLmm.Tests.Engine;
using SparseLmm.Tests.Reference;

namespace SparseLmm.Tests.Residual;

/// <summary>The spellings of --variance and --correlation, what they refuse, and the evaluation's allocation.</summary>
public sealed class ResidualInputTests
{
    private static string Sleepstudy => Path.Combine(TestData.Directory, "csv", "sleepstudy.csv");

    private static string Ovary => Path.Combine(NlmeReferenceTests.ResidualDirectory, "Ovary.csv");

    [Theory]
    [InlineData("varIdent(~ 1 | Sex)", null, "Sex", false, null, null)]
    [InlineData("varIdent(form=~1|Sex)", "corAR1()", "Sex", true, null, null)]
    [InlineData(null, "corAR1(~ Days | Subject)", null, true, "Days", "Subject")]
    [InlineData(null, "corAR1(form = ~ 1 | Subject)", null, true, null, "Subject")]
    [InlineData(null, "corAR1(~ Days)", null, true, "Days", null)]
    public void ParsesNlmeSpellings(string? variance, string? correlation, string? group, bool ar1, string? order, string? correlationGroup)
    {
        var structure = ResidualStructure.Parse(variance, correlation);
        Assert.Equal((group, ar1, order, correlationGroup),
            (structure.VarianceGroup, structure.AutoregressiveCorrelation, structure.CorrelationOrder, structure.CorrelationGroup));
    }

    [Theory]
    [InlineData("--variance", "varIdent(~ Days | Subject)", "varIdent(~ 1 | GROUP)")]
    [InlineData("--variance", "varPower()", "varIdent(~ 1 | GROUP)")]
    [InlineData("--correlation", "corCAR1(~ Days | Subject)", "corAR1(~ ORDER | GROUP)")]
    [InlineData("--correlation", "corAR1(~ Days | Nope)", "unknown column 'Nope'")]
    [InlineData("--variance", "varIdent(~ 1 | Subject2)", "unknown column 'Subject2'")]
    [InlineData("--correlation", "corAR1(~ 1 | Days)", "nested within")]
    [InlineData("--variance", "varIdent(~ 1 | Days)", null)]
    public void BadSpecificationsAreRefusedInOneLine(string option, string value, string? mentions)
    {
        var result = CliRunner.Run("fit", Sleepstudy, "Reaction ~ Days + (1 | Subject)", option, value);
        if (mentions is null)
        {
            // varIdent by Days is a model (a ratio per day), not an error.
            Assert.Equal(0, result.ExitCode);
            return;
        }
        CliRunner.AssertBadInput(result, mentions);
    }

    [Fact]
    public void FractionalOrderIsRefused()
    {
        // nlme truncates fractional lags; we refuse them and point to the data's order.
        CliRunner.AssertBadInput(CliRunner.Run("fit", Ovary, "follicles ~ sin2pt + cos2pt + (1 | Mare)", "--correlation", "corAR1(~ Time | Mare)"),
            "whole numbers");
    }

    [Fact]
    public void RepeatedOrderWithinAGroupIsRefused()
    {
        using var file = new CliRunner.TempFile("y,t,g\n1,1,a\n2,1,a\n3,2,a\n4,1,b\n5,2,b\n6,3,b\n2,1,c\n1,2,c\n");
        CliRunner.AssertBadInput(CliRunner.Run("fit", file.Path, "y ~ 1 + (1 | g)", "--correlation", "corAR1(~ t | g)"), "twice");
    }

    [Theory]
    [InlineData("--family", "poisson", "gaussian models only")]
    [InlineData("--weights", "Days", "prior weights cannot be combined")]
    [InlineData("--ddf", "kenward-roger", "do not apply")]
    [InlineData("--ci", "profile", "do not apply")]
    public void OptionsThatDoNotApplyAreRefused(string option, string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run("fit", Sleepstudy, "Reaction ~ Days + (1 | Subject)", "--correlation",
            "corAR1(~ Days | Subject)", option, value), mentions);

    [Fact]
    public void InferenceOnIndependentResidualsRefusesTheFit()
    {
        var data = MixedModel.LoadData(Sleepstudy);
        var fit = MixedModel.Fit("Reaction ~ Days + (1 | Subject)", data,
            new FitOptions { Residual = ResidualStructure.Parse(null, "corAR1(~ Days | Subject)") });
        var error = Assert.Throws<InputException>(() => fit.Predict(data));
        Assert.Contains("residual structure", error.Message);
    }

    [Fact]
    public void ACorrelationGroupWithoutCorAr1IsRefused()
    {
        var options = new FitOptions { Residual = new ResidualStructure { CorrelationGroup = "Subject" } };
        var error = Assert.Throws<InputException>(() => MixedModel.Fit("Reaction ~ Days + (1 | Subject)", MixedModel.LoadData(Sleepstudy), options));
        Assert.Contains("AutoregressiveCorrelation", error.Message);
    }

    [Fact]
    public void CorrelationWithoutAGroupNeedsOneGroupingFactor()
    {
        using var file = new CliRunner.TempFile("y,t,g,h\n1,1,a,x\n2,2,a,y\n3,3,a,x\n4,1,b,y\n5,2,b,x\n6,3,b,y\n2,1,c,x\n1,2,c,y\n");
        CliRunner.AssertBadInput(CliRunner.Run("fit", file.Path, "y ~ 1 + (1 | g) + (1 | h)", "--correlation", "corAR1(~ t)"), "group named");
    }
}

/// <summary>An evaluation of the residual-structure objective (combining the cross-products, factoring, log|V|)
/// allocates nothing.</summary>
[Collection(nameof(AllocationMeasurement))]
public sealed class ResidualAllocationTests
{
    [Fact]
    public void EvaluationAllocatesNothing()
    {
        var table = MixedModel.LoadData(Path.Combine(NlmeReferenceTests.ResidualDirectory, "BodyWeight.csv"));
        var structure = ResidualStructure.Parse("varIdent(~ 1 | Diet)", "corAR1(~ Time | Rat)");
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("weight ~ Time * Diet + (1 + Time | Rat)"), table, gaussian: true);
        var residual = ResidualDesign.Resolve(structure, table, design);
        Assert.Equal([1, 6, 7], residual.Gaps);
        var layout = new CrossProductLayout(design.RandomTerms, design.FixedEffectCount, design.RowCount, RestStorage.Dense);
        var products = new ResidualCrossProducts(layout, residual);
        products.Accumulate(design, ((NumericResponse)design.Response).Values);
        var objective = new ResidualDeviance(products, reml: true);
        double[] parameters = [1.2, -0.01, 0.05, 0.1, 0.5, 0.8];
        Assert.Equal(parameters.Length, objective.Length);
        for (int i = 0; i < 5; i++) objective.Evaluate(parameters);
        // As ObjectiveAllocationTests: the quietest of many one-evaluation windows (the runner's threads allocate now
        // and then).
        long fewest = long.MaxValue;
        for (int window = 0; window < 40 && fewest > 0; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            objective.Evaluate(parameters);
            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.Equal(0, fewest);
    }
}
