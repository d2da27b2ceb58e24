using System.Diagnostics;
using SparseLmm.Design;
using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>Fits a linear mixed model to a design: one pass for the cross-products, BOBYQA over θ, then the solution.</summary>
internal static class LinearMixedModelFitter
{
    // lme4's isSingular tolerance on the diagonal of T.
    internal const double SingularTolerance = 1e-4;

    /// <summary>Fits by REML (<paramref name="reml"/> true) or ML, on at most <paramref name="threads"/> threads
    /// (default: every processor).</summary>
    public static MixedModelFit Fit(ModelDesign design, bool reml, ThreadBudget? threads = null) =>
        Fit(design, reml, threads, out _);

    /// <summary>Fits by REML or ML and gives out the cross-products of the one pass over the rows, so that what comes
    /// after the fit (inference, prediction, a refit by the other method) reuses them. <paramref name="monitor"/> (null:
    /// none) can stop the fit, hears its progress and sets the evaluation limit.</summary>
    public static MixedModelFit Fit(ModelDesign design, bool reml, ThreadBudget? threads, out CrossProducts products,
        FitMonitor? monitor = null)
    {
        var clock = Stopwatch.StartNew();
        var response = RequireFittable(design, reml);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        monitor ??= new FitMonitor();
        monitor.ThrowIfCancelled();
        products = new CrossProducts(new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, threads: threads));
        products.AccumulateCentred(design, response.Values, monitor.Cancellation);
        return Optimize(design, products, reml, clock, monitor);
    }

    /// <summary>The design's response, or an <see cref="InputException"/> when the design cannot be fitted as a linear
    /// mixed model by the method.</summary>
    internal static NumericResponse RequireFittable(ModelDesign design, bool reml)
    {
        if (design.Response is not NumericResponse response)
            throw new InputException(
                $"response '{design.Response.Label}' is text; a gaussian model needs a numeric response (use --family binomial for a two-level outcome)");
        foreach (var term in design.RandomTerms)
        {
            if (term.LevelCount >= design.RowCount)
                throw new InputException(
                    $"grouping factor '{term.GroupName}' has {term.LevelCount} levels for {design.RowCount} observations; a linear mixed model needs fewer levels than observations, or its variance cannot be told apart from the residual");
        }
        if (reml && design.RowCount <= design.FixedEffectCount)
            throw new InputException($"{design.RowCount} observations are too few for {design.FixedEffectCount} fixed effects under REML");
        return response;
    }

    /// <summary>Fits by REML or ML over cross-products already accumulated from <paramref name="design"/> (read only
    /// here, so fits by either method may share them).</summary>
    public static MixedModelFit Fit(ModelDesign design, CrossProducts products, bool reml, FitMonitor? monitor = null) =>
        Optimize(design, products, reml, Stopwatch.StartNew(), monitor ?? new FitMonitor());

    private static MixedModelFit Optimize(ModelDesign design, CrossProducts products, bool reml, Stopwatch clock, FitMonitor monitor)
    {
        var response = (NumericResponse)design.Response;
        var layout = products.Layout;
        var terms = layout.Terms;
        var deviance = new ProfiledDeviance(products, reml);
        var parameterization = deviance.Parameterization;
        var upper = parameterization.UpperBounds();
        monitor.Enter(FitStage.Search);
        var evaluate = monitor.Watch(deviance.Evaluate);
        var (start, startEvaluations, startValue) = ChooseStart(evaluate, StartingValues.Candidates(products, parameterization));
        // BOBYQA's first evaluation is at its start, which ChooseStart has just evaluated when there were candidates.
        int reused = 0;
        ObjectiveFunction search = double.IsFinite(startValue)
            ? point =>
            {
                if (reused == 0 && point.SequenceEqual(start))
                {
                    reused = 1;
                    return startValue;
                }
                return evaluate(point);
            }
            : evaluate;
        var optimum = Bobyqa.Minimize(search, start, parameterization.LowerBounds(), upper, new BobyqaOptions(
            InitialTrustRadius: StartingValues.InitialRadius(start, layout, parameterization), FinalTrustRadius: FinalRadius,
            MaxEvaluations: monitor.MaxEvaluations, FunctionTolerance: FunctionTolerance(startValue),
            InterpolationPoints: InterpolationPoints(parameterization.Length)));
        // A copy: the snap below writes to it, and the result must not alias the optimiser's own array.
        var theta = optimum.Minimizer.ToArray();
        int snapEvaluations = SnapToBoundary(deviance, evaluate, theta, optimum.Minimum);
        monitor.SearchEnded();
        var solution = ModeSolution.Compute(deviance, theta);
        double objective = deviance.ObjectiveFromFactor();
        clock.Stop();

        return FitResultBuilder.Build(design, response.Values, terms, parameterization, theta, solution, new FitSummary(
            Method: reml ? EstimationMethod.Reml : EstimationMethod.MaximumLikelihood,
            LogLikelihood: -objective / 2,
            Sigma: Math.Sqrt(solution.PenalizedResidualSquares / (reml ? design.RowCount - design.FixedEffectCount : design.RowCount)),
            Converged: optimum.Converged,
            OptimizerMessage: optimum.Message,
            Singular: parameterization.IsSingular(theta, SingularTolerance),
            Timing: new FitTiming(clock.Elapsed.TotalMilliseconds, optimum.Evaluations - reused + startEvaluations + snapEvaluations,
                layout.Structure.Description)));
    }

    /// <summary>The candidate with the lowest objective (one evaluation each, counted) and its value (NaN when there
    /// was one candidate, not evaluated).</summary>
    private static (double[] Start, int Evaluations, double Value) ChooseStart(ObjectiveFunction evaluate, IReadOnlyList<double[]> candidates)
    {
        if (candidates.Count == 1) return (candidates[0], 0, double.NaN);
        var values = candidates.Select(theta => evaluate(theta)).ToList();
        int best = values.IndexOf(values.Min());
        return (candidates[best], candidates.Count, values[best]);
    }

    /// <summary>BOBYQA's final trust radius, the resolution of θ. At 10⁻⁵ the search stopped where the criterion is flat
    /// but θ was still 3·10⁻⁵ off (sleepstudy REML: the intercept's t 1.2·10⁻⁵ from lme4's); 3·10⁻⁶ costs a stage more on
    /// small models, while large ones stop on <see cref="FunctionTolerance"/> first.</summary>
    private const double FinalRadius = 3e-6;

    /// <summary>The improvement below which a last stage of the search stops: 10⁻⁶, or a relative 3·10⁻¹¹ of the objective
    /// when that is larger. The objective of n rows carries rounding error that grows with n (its sums run over the
    /// rows), so at millions of rows an absolute 10⁻⁶ lies below what an evaluation can resolve and the last stages
    /// would only chase rounding (at 10M rows, a fifth of the evaluations); 3·10⁻¹¹ of a deviance of 3·10⁷ is 10⁻³, a
    /// log-likelihood to 5·10⁻⁴. Small models keep 10⁻⁶.</summary>
    internal static double FunctionTolerance(double startValue) =>
        double.IsFinite(startValue) ? Math.Max(1e-6, 3e-11 * Math.Abs(startValue)) : 1e-6;

    /// <summary>Puts diagonal entries of T that ended within 1e-4 of the bound 0 exactly on it when that costs less
    /// than 1e-6 in the objective: the optimiser stops within its resolution of the bound, and a variance that is zero
    /// in all but rounding should read as zero (as lme4 reports it). Returns the evaluations spent.</summary>
    private static int SnapToBoundary(ProfiledDeviance deviance, ObjectiveFunction evaluate, double[] theta, double minimum)
    {
        int evaluations = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            if (!deviance.Parameterization.IsDiagonal(i) || theta[i] == 0 || theta[i] >= SingularTolerance) continue;
            double kept = theta[i];
            theta[i] = 0;
            evaluations++;
            double value = evaluate(theta);
            if (value - minimum < 1e-6) minimum = Math.Min(minimum, value);
            else theta[i] = kept;
        }
        return evaluations;
    }

    /// <summary>A full quadratic model, (n+1)(n+2)/2 points, for the few parameters of most models: it captures the
    /// coupling between entries of T (correlations) from the start, which saved a fifth of the evaluations on the
    /// 1M-row benchmark and a quarter on sleepstudy; beyond six parameters Powell's 2n+1 keeps the start cheap.</summary>
    internal static int? InterpolationPoints(int parameters) =>
        parameters <= 6 ? (parameters + 1) * (parameters + 2) / 2 : null;
}
