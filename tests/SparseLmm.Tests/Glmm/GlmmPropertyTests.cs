using FsCheck;
using FsCheck.Fluent;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;
using SparseLmm.Glmm;
using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>Properties of the GLMM fit: the quadrature deviance is the integral computed by brute force, the quadrature
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

    /// <summary>−2 log L of cbpp at (θ, β) with every constant, by brute force: each herd's integral over its random
    /// intercept b = θz, z ~ N(0, 1), by the trapezoidal rule on a fine grid (independent of PIRLS, of the modes and of
    /// the Gauss–Hermite rule).</summary>
    private static double CbppDevianceByIntegration(double theta, double[] beta)
    {
        var data = Cbpp();
        var herd = ((NumericColumn)data["herd"]).Values;
        var period = (CategoricalColumn)data["period"];
        var incidence = ((NumericColumn)data["incidence"]).Values;
        var size = ((NumericColumn)data["size"]).Values;
        const int points = 8001;
        const double half = 12;
        double deviance = 0;
        foreach (var group in Enumerable.Range(0, herd.Length).GroupBy(i => herd[i]))
        {
            // log of the integrand on the grid, then a log-sum-exp of the trapezoidal sum.
            var logIntegrand = new double[points];
            for (int g = 0; g < points; g++)
            {
                double z = -half + 2 * half * g / (points - 1);
                double value = -0.5 * z * z - 0.5 * Math.Log(2 * Math.PI);
                foreach (int i in group)
                {
                    double eta = beta[0] + (period.Codes[i] > 0 ? beta[period.Codes[i]] : 0) + theta * z;
                    double logP = -Math.Log(1 + Math.Exp(-eta)), logQ = -Math.Log(1 + Math.Exp(eta));
                    value += SpecialMath.LogChoose(size[i], incidence[i]) + incidence[i] * logP + (size[i] - incidence[i]) * logQ;
                }
                logIntegrand[g] = value;
            }
            double largest = logIntegrand.Max(), sum = 0;
            for (int g = 0; g < points; g++) sum += (g == 0 || g == points - 1 ? 0.5 : 1) * Math.Exp(logIntegrand[g] - largest);
            deviance -= 2 * (largest + Math.Log(sum * 2 * half / (points - 1)));
        }
        return deviance;
    }

    [Fact]
    public void QuadratureDevianceIsTheIntegralAndLaplaceIsNot()
    {
        var objective = CbppObjective(out _, out var beta);
        foreach (var (theta, shift) in new[] { (0.3, 0.0), (0.64, 0.2), (1.2, -0.3) })
        {
            var shifted = beta.Select(b => b + shift).ToArray();
            double integral = CbppDevianceByIntegration(theta, shifted);
            double quadrature = objective.ReportedDeviance(objective.StageTwo([theta], shifted, 25), 25);
            double laplace = objective.ReportedDeviance(objective.StageTwo([theta], shifted, 1), 1);
            Assert.True(Math.Abs(quadrature - integral) < 1e-6, $"θ = {theta}: quadrature {quadrature} vs integral {integral}");
            // The Laplace approximation is visibly off the integral (cbpp's herds are small), so a quadrature that fell
            // back to it would be caught above.
            Assert.True(Math.Abs(laplace - integral) > 1e-3, $"θ = {theta}: Laplace {laplace} vs integral {integral}");
        }
    }

    [Fact]
    public void QuadratureDevianceSettlesAsNodesAreAdded()
    {
        var objective = CbppObjective(out var theta, out var beta);
        double d15 = objective.ReportedDeviance(objective.StageTwo(theta, beta, 15), 15);
        double d25 = objective.ReportedDeviance(objective.StageTwo(theta, beta, 25), 25);
        double d35 = objective.ReportedDeviance(objective.StageTwo(theta, beta, 35), 35);
        double d3 = objective.ReportedDeviance(objective.StageTwo(theta, beta, 3), 3);
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
            FixedPart = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 1).ToArray(), Offset = [],
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
