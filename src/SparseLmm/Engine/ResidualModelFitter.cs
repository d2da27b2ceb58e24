using System.Diagnostics;
using SparseLmm.Design;
using SparseLmm.Inference;
using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>Fits a linear mixed model with an nlme residual structure (varIdent and/or corAR1): one pass for the
/// structure's cross-products, BOBYQA over θ, the log variance ratios and ρ (σ profiled), then the solution of the
/// whitened system at the optimum, confirmed as a linear fit's is (<see cref="CheckOptimum"/>).</summary>
internal static class ResidualModelFitter
{
    /// <summary>Largest order of the dense rest (random effects after the largest term, fixed effects, response) the
    /// residual structures take: they keep several copies of it.</summary>
    public const int MaxRestSize = 3000;

    /// <summary>The relative function tolerance of the search (<see cref="LinearMixedModelFitter.FunctionTolerance"/>):
    /// 3·10⁻¹¹ of the objective, tighter than a plain fit's, because no Newton step after the search polishes these
    /// parameters.</summary>
    private const double RelativeFunctionTolerance = 3e-11;

    /// <summary>Fits by REML or ML on at most <paramref name="threads"/> threads, with at most
    /// <paramref name="maxEvaluations"/> evaluations in the search.</summary>
    public static MixedModelFit Fit(ModelDesign design, ResidualDesign residual, bool reml, ThreadBudget threads, int maxEvaluations)
    {
        var clock = Stopwatch.StartNew();
        var response = LinearMixedModelFitter.RequireFittable(design, reml);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        int restSize = terms.Skip(1).Sum(t => t.Size) + design.FixedEffectCount + 1;
        if (restSize > MaxRestSize)
            throw new InputException(
                $"with a residual structure the random effects after '{terms[0].GroupName}' and the fixed effects may number at most {MaxRestSize:N0}, not {restSize:N0}");
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, RestStorage.Dense, threads);
        var products = new ResidualCrossProducts(layout, residual);
        products.Accumulate(design, response.Values);
        var objective = new ResidualDeviance(products, reml);
        var deviance = objective.Deviance;
        var parameterization = deviance.Parameterization;

        // θ starts as for independent residuals (the moment estimates of the unweighted cross-products: ratios 1,
        // ρ = 0), the structure at its start.
        objective.SetStructure(new double[objective.Length - objective.ThetaLength]);
        // As in a plain linear fit, a term whose slope lies far from zero is searched with the slope centred
        // (CentredFrame), and θ over its natural units (ThetaScales, from the unweighted cross-products): a slope
        // covariate in thousandths of a year left the unscaled search 3.4 log-likelihood units short.
        var frame = CentredFrame.Of(products.Combined, parameterization);
        var units = frame.Active ? frame.Units(products.Combined, parameterization) : ThetaScales.Of(products.Combined, parameterization);
        int thetaLength = objective.ThetaLength;
        double[] searchUnits = [.. units, .. Enumerable.Repeat(1.0, objective.Length - thetaLength)];
        var centred = new double[objective.Length];
        var original = new double[objective.Length];
        // The parameters in the frame's coordinates (as the check differences them), and over their units (as the
        // search moves them).
        double Evaluate(ReadOnlySpan<double> point)
        {
            frame.ToOriginal(point[..thetaLength], original.AsSpan(0, thetaLength));
            point[thetaLength..].CopyTo(original.AsSpan(thetaLength));
            return objective.Evaluate(original);
        }
        double Search(ReadOnlySpan<double> scaled)
        {
            ThetaScales.FromSearch(scaled, searchUnits, centred);
            return Evaluate(centred);
        }
        var structureStart = objective.StructureStart();
        var candidates = StartingValues.Candidates(products.Combined, parameterization, units: [.. Enumerable.Repeat(1.0, parameterization.Length)])
            .Select(theta => theta.Concat(structureStart).ToArray()).ToList();
        var values = candidates.Select(start => objective.Evaluate(start)).ToList();
        int best = values.IndexOf(values.Min());
        var start = ThetaScales.ToSearch([.. frame.ToCentred(candidates[best][..thetaLength]), .. candidates[best][thetaLength..]], searchUnits);
        double radius = Math.Max(0.1, StartingValues.InitialRadius(start, layout, parameterization));
        var optimum = Bobyqa.Minimize(Search, start, ThetaScales.ToSearch(objective.LowerBounds(), searchUnits),
            ThetaScales.ToSearch(objective.UpperBounds(), searchUnits), new BobyqaOptions(
            InitialTrustRadius: radius, FinalTrustRadius: 1e-6, MaxEvaluations: maxEvaluations,
            FunctionTolerance: LinearMixedModelFitter.FunctionTolerance(values[best], RelativeFunctionTolerance),
            InterpolationPoints: LinearMixedModelFitter.InterpolationPoints(objective.Length)));

        var parameters = ThetaScales.FromSearch(optimum.Minimizer, searchUnits);
        var theta = frame.ToOriginal(parameters[..thetaLength]);
        var structure = parameters[thetaLength..];
        var (check, problem) = CheckOptimum(objective, Evaluate, terms, residual, parameters, units);
        bool atCorrelationBound = AtCorrelationBound(residual, structure);
        // The check moved the combined cross-products: they are set back to the optimum's here.
        double logDeterminant = objective.SetStructure(structure);
        var solution = ModeSolution.Compute(deviance, theta);
        double value = deviance.ObjectiveFromFactor() + logDeterminant;
        clock.Stop();

        int n = design.RowCount, p = design.FixedEffectCount;
        var fit = FitResultBuilder.Build(design, response.Values, terms, parameterization, theta, solution, new FitSummary(
            Method: reml ? EstimationMethod.Reml : EstimationMethod.MaximumLikelihood,
            LogLikelihood: -value / 2,
            Sigma: Math.Sqrt(solution.PenalizedResidualSquares / (reml ? n - p : n)),
            Converged: optimum.Converged && !atCorrelationBound && problem is null,
            OptimizerMessage: atCorrelationBound
                ? $"the AR(1) correlation reached the bound ±{ResidualDeviance.LargestCorrelation}"
                : optimum.Converged ? problem ?? optimum.Message : optimum.Message,
            Singular: Enumerable.Range(0, theta.Length)
                .Any(i => parameterization.IsDiagonal(i) && theta[i] < LinearMixedModelFitter.SingularTolerance),
            Timing: new FitTiming(clock.Elapsed.TotalMilliseconds, optimum.Evaluations + candidates.Count, layout.Structure.Description),
            Check: check));
        // nlme's t tests: containment df (for nested grouping factors; none otherwise); for ML, summary.lme's
        // adjustSigma scales the SEs by √(n/(n−p)) first.
        var df = ContainmentDegreesOfFreedom.Compute(design);
        double adjust = reml ? 1 : Math.Sqrt((double)n / (n - p));
        return fit with
        {
            FixedEffectDegreesOfFreedom = df,
            FixedEffectPValues = df?.Select((d, j) => Distributions.StudentTwoSided(fit.FixedEffects[j].Statistic / adjust, d)).ToArray(),
            DegreesOfFreedom = fit.DegreesOfFreedom + structure.Length,
            // nlme's Pearson residuals (before the division by σ): each row's residual over its level's SD ratio.
            PearsonResiduals = residual.VarianceGroup is null
                ? null
                : fit.Residuals.Select((r, i) => residual.VarianceGroupOfRow[i] == 0 ? r : r / Math.Exp(structure[residual.VarianceGroupOfRow[i] - 1])).ToArray(),
            IntraclassCorrelation = null,
            ResidualVariance = residual.VarianceGroup is { } group
                ? new ResidualVarianceFit(group, residual.VarianceLevels,
                    [1.0, .. structure[..(residual.VarianceLevelCount - 1)].Select(Math.Exp)])
                : null,
            ResidualCorrelation = residual.Autoregressive
                ? new ResidualCorrelationFit(residual.CorrelationOrder, residual.CorrelationGroup!, structure[^1])
                : null,
        };
    }

    /// <summary>Confirms the optimum over all the parameters (θ in the search's coordinates, <see cref="CentredFrame"/>,
    /// and their natural units; the log ratios and ρ in their own) from the gradient and Hessian of
    /// <paramref name="evaluate"/> there, as a linear fit's θ̂ is; a ratio or ρ on a bound the
    /// objective rises away from is held there like a zero variance. The reason when the check fails.</summary>
    private static (OptimumCheck Check, string? Problem) CheckOptimum(ResidualDeviance objective, ObjectiveFunction evaluate,
        IReadOnlyList<RandomEffectsDesign> terms, ResidualDesign residual, double[] parameters, double[] thetaUnits)
    {
        var parameterization = objective.Deviance.Parameterization;
        int structureLength = objective.Length - objective.ThetaLength;
        var names = Enumerable.Range(0, objective.ThetaLength)
            .Select(i => $"theta[{i + 1}] ({terms[parameterization.TermOf(i)].GroupName})")
            .Concat(residual.VarianceLevels.Skip(1).Select(level => $"the log SD ratio of {residual.VarianceGroup} {level}"))
            .Concat(residual.Autoregressive ? ["the AR(1) correlation"] : [])
            .ToList();
        double[] units = [.. thetaUnits, .. Enumerable.Repeat(1.0, structureLength)];
        return CriterionCheck.Assess(point => evaluate(point), ProfiledDeviance.FailedEvaluation, parameters,
            objective.LowerBounds(), objective.UpperBounds(), units, names);
    }

    private static bool AtCorrelationBound(ResidualDesign residual, double[] structure) =>
        residual.Autoregressive && Math.Abs(structure[^1]) >= ResidualDeviance.LargestCorrelation - 1e-9;
}
