using FsCheck;
using FsCheck.Fluent;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;
using SparseLmm.Glmm;
using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>Properties of the GLMM fit: quadrature with one node is the Laplace approximation, the quadrature
/// log-likelihood settles as nodes are added, relabelling levels changes nothing, the response forms agree, and PIRLS
/// does not allocate.</summary>
public class GlmmPropertyTests
{
    private const string CbppFormula = "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)";

    private static DataTable Cbpp() => ColumnConversions.ToCategorical(CsvReader.ReadFile(GlmmReference.DataPath("cbpp.csv")), "period");

    private static GlmmObjective CbppObjective(out double[] theta, out double[] beta)
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(CbppFormula), Cbpp());
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var response = GlmmResponse.Build(design.Response, Family.Binomial(), null, i => i + 1, null);
        var objective = new GlmmObjective(design, terms, response);
        objective.InitializeStageOne();
        theta = [0.6];
        objective.StageOne(theta);
        beta = objective.Beta.ToArray();
        objective.KeepStageOneModes();
        return objective;
    }

    [Fact]
    public void QuadratureWithOneNodeIsTheLaplaceApproximation()
    {
        var objective = CbppObjective(out _, out var beta);
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), Gen.Choose(-1000, 1000).ToArbitrary(), (thetaPermille, shiftPermille) =>
        {
            var theta = new[] { 0.05 + 1.5 * thetaPermille / 1000.0 };
            var shifted = beta.Select(b => b + 0.5 * shiftPermille / 1000.0).ToArray();
            double laplace = objective.StageTwo(theta, shifted, 1);
            double quadrature = objective.QuadratureDeviance(theta, shifted, 1);
            return Math.Abs(laplace - quadrature) <= 1e-9 * Math.Abs(laplace);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void QuadratureDevianceSettlesAsNodesAreAdded()
    {
        var objective = CbppObjective(out var theta, out var beta);
        double d15 = objective.QuadratureDeviance(theta, beta, 15);
        double d25 = objective.QuadratureDeviance(theta, beta, 25);
        double d35 = objective.QuadratureDeviance(theta, beta, 35);
        double d3 = objective.QuadratureDeviance(theta, beta, 3);
        Assert.True(Math.Abs(d15 - d25) < 1e-6, $"{d15} vs {d25}");
        Assert.True(Math.Abs(d25 - d35) < 1e-8, $"{d25} vs {d35}");
        Assert.True(Math.Abs(d3 - d25) > Math.Abs(d15 - d25));
    }

    [Fact]
    public void FittedQuadratureLogLikelihoodSettles()
    {
        var fit15 = GlmmReferenceTests.FitCbpp(15);
        var fit25 = GlmmReferenceTests.FitCbpp(25);
        Assert.True(Math.Abs(fit15.LogLikelihood - fit25.LogLikelihood) < 1e-5, $"{fit15.LogLikelihood} vs {fit25.LogLikelihood}");
        var laplace = GlmmReferenceTests.FitCbpp(1);
        Assert.True(Math.Abs(laplace.LogLikelihood - fit25.LogLikelihood) > 1e-2);
    }

    [Fact]
    public void RelabellingGroupingLevelsChangesNothing()
    {
        var data = Cbpp();
        var reference = MixedModel.Fit(CbppFormula, data, new FitOptions(Family: Family.Binomial()));
        var herd = (NumericColumn)data["herd"];
        Prop.ForAll(Gen.Shuffle(Enumerable.Range(1, 15).ToArray()).ToArbitrary(), permutation =>
        {
            // Herd h becomes "z<perm[h]>": a different label and a different sorted position.
            string Label(double value) => $"z{permutation[(int)value - 1]:D2}";
            var labels = herd.Values.Select(Label).ToArray();
            var levels = labels.Distinct().Order(StringComparer.Ordinal).ToArray();
            var codes = labels.Select(l => Array.IndexOf(levels, l)).ToArray();
            var relabelled = data.WithColumns([new CategoricalColumn("herd", codes, levels)]);
            var fit = MixedModel.Fit(CbppFormula, relabelled, new FitOptions(Family: Family.Binomial()));
            bool same = Math.Abs(fit.LogLikelihood - reference.LogLikelihood) < 1e-7
                && Math.Abs(fit.Theta[0] - reference.Theta[0]) < 1e-5
                && fit.FixedEffects.Zip(reference.FixedEffects).All(pair =>
                    Math.Abs(pair.First.Estimate - pair.Second.Estimate) < 1e-5 * pair.Second.StandardError
                    && Math.Abs(pair.First.StandardError / pair.Second.StandardError - 1) < 1e-5);
            var original = reference.RandomEffects["herd"];
            var moved = fit.RandomEffects["herd"];
            for (int h = 1; h <= 15 && same; h++)
                same = Math.Abs(moved[Label(h), "(Intercept)"] - original[h.ToString(), "(Intercept)"]) < 1e-5;
            return same;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    [Fact]
    public void ProportionsWithTrialsAsWeightsAreTheCountsResponse()
    {
        var data = Cbpp();
        var incidence = ((NumericColumn)data["incidence"]).Values;
        var size = ((NumericColumn)data["size"]).Values;
        var withProportion = new DataTable(data.Columns.Append(new NumericColumn("proportion", incidence.Zip(size, (s, n) => s / n).ToArray())).ToList());
        var counts = MixedModel.Fit(CbppFormula, data, new FitOptions(Family: Family.Binomial()));
        var proportions = MixedModel.Fit("proportion ~ 1 + period + (1 | herd)", withProportion,
            new FitOptions(Family: Family.Binomial(), WeightsColumn: "size"));
        Assert.Equal(counts.LogLikelihood, proportions.LogLikelihood, 1e-9);
        for (int j = 0; j < counts.FixedEffects.Count; j++)
        {
            Assert.Equal(counts.FixedEffects[j].Estimate, proportions.FixedEffects[j].Estimate, 1e-9);
            Assert.Equal(counts.FixedEffects[j].StandardError, proportions.FixedEffects[j].StandardError, 1e-9);
        }
    }

    [Fact]
    public void BernoulliRowsNumericOrTextGiveTheCountsFit()
    {
        var data = Cbpp();
        var herd = ((NumericColumn)data["herd"]).Values;
        var period = (CategoricalColumn)data["period"];
        var incidence = ((NumericColumn)data["incidence"]).Values;
        var size = ((NumericColumn)data["size"]).Values;
        var herdRows = new List<double>();
        var periodCodes = new List<int>();
        var outcome = new List<double>();
        double logChoose = 0;
        for (int i = 0; i < herd.Length; i++)
        {
            logChoose += SpecialMath.LogChoose(size[i], incidence[i]);
            for (int k = 0; k < size[i]; k++)
            {
                herdRows.Add(herd[i]);
                periodCodes.Add(period.Codes[i]);
                outcome.Add(k < incidence[i] ? 1 : 0);
            }
        }
        var text = outcome.Select(v => v == 1 ? "sick" : "healthy").ToArray();
        var expanded = new DataTable([
            new NumericColumn("herd", herdRows.ToArray()),
            new CategoricalColumn("period", periodCodes.ToArray(), period.Levels),
            new NumericColumn("y", outcome.ToArray()),
            new CategoricalColumn("status", text.Select(t => t == "healthy" ? 0 : 1).ToArray(), ["healthy", "sick"]),
        ]);
        var counts = MixedModel.Fit(CbppFormula, data, new FitOptions(Family: Family.Binomial()));
        foreach (var formula in new[] { "y ~ 1 + period + (1 | herd)", "status ~ 1 + period + (1 | herd)" })
        {
            var bernoulli = MixedModel.Fit(formula, expanded, new FitOptions(Family: Family.Binomial()));
            Assert.Equal(842, bernoulli.ObservationCount);
            // Same likelihood but for the binomial coefficients, which Bernoulli rows do not have.
            Assert.Equal(counts.LogLikelihood - logChoose, bernoulli.LogLikelihood, 1e-3);
            for (int j = 0; j < counts.FixedEffects.Count; j++)
            {
                Assert.Equal(counts.FixedEffects[j].Estimate, bernoulli.FixedEffects[j].Estimate, 2e-3 * counts.FixedEffects[j].StandardError);
                Assert.Equal(counts.FixedEffects[j].StandardError, bernoulli.FixedEffects[j].StandardError, 2e-3 * counts.FixedEffects[j].StandardError);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FusedAccumulationIsTheEnginesBitForBit(bool jointMode)
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(CbppFormula), Cbpp());
        var terms = design.RandomTerms.ToList();
        var response = GlmmResponse.Build(design.Response, Family.Binomial(), null, i => i + 1, null);
        int n = design.RowCount, p = design.FixedEffectCount;
        var system = new PenalizedSystem(terms, jointMode ? p : 0, n);
        var rng = new Random(7);
        var state = new RowState
        {
            RowCount = n, FixedEffectCount = p, X = design.X, Y = response.Y, Weights = response.Weights, Terms = terms,
            TermOffsets = system.TermOffsets, B = Enumerable.Range(0, terms[0].Size).Select(_ => rng.NextDouble() - 0.5).ToArray(),
            FixedPart = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 1).ToArray(),
            Eta = new double[n], Mu = new double[n], IrlsWeights = new double[n], Working = new double[n], Shift = new double[n],
        };
        double[] beta = [-1.4, -1.0, -1.1, -1.6];
        var fused = new PenalizedSystem(terms, jointMode ? p : 0, n);
        Assert.True(double.IsFinite(RowPass.For(Family.Binomial()).Evaluate(state, beta, jointMode, fused.Products)));
        system.Products.Accumulate(jointMode ? design.X : ReadOnlySpan<double>.Empty, state.Working, state.IrlsWeights);
        Assert.Equal(system.Products.FirstBlocks, fused.Products.FirstBlocks);
        Assert.Equal(system.Products.FirstRest, fused.Products.FirstRest);
        Assert.Equal(system.Products.Rest, fused.Products.Rest);
    }

    [Fact]
    public void PirlsIterationsDoNotAllocate()
    {
        var objective = CbppObjective(out var theta, out var beta);
        objective.StageTwo(theta, beta, 1);
        objective.StageTwo(theta, beta, 25);
        objective.StageOne(theta);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int iterations = objective.PirlsIterations;
        for (int k = 0; k < 10; k++)
        {
            theta[0] = 0.5 + 0.02 * k;
            objective.StageOne(theta);
            objective.StageTwo(theta, beta, 1);
            objective.StageTwo(theta, beta, 25);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(objective.PirlsIterations - iterations >= 60);
        Assert.Equal(0, allocated);
    }
}
