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
        // The search runs in θ over its entries' natural units (ThetaScales), through one buffer: no allocation.
        // A term whose slope lies far from zero is searched with the slope centred (CentredFrame).
        var units = ThetaScales.Of(products, parameterization);
        var frame = CentredFrame.Of(products, parameterization);
        var searchUnits = frame.Active ? frame.Units(products, parameterization) : units;
        var (start, startEvaluations, startValue) = ChooseStart(evaluate, StartingValues.Candidates(products, parameterization, units));
        var scaledStart = ThetaScales.ToSearch(frame.ToCentred(start), searchUnits);
        var centredPoint = new double[units.Length];
        var point = new double[units.Length];
        int reused = 0;
        double Search(ReadOnlySpan<double> scaled)
        {
            // BOBYQA's first evaluation is at its start, which ChooseStart has just evaluated when there were candidates.
            if (reused == 0 && double.IsFinite(startValue) && scaled.SequenceEqual(scaledStart))
            {
                reused = 1;
                return startValue;
            }
            ThetaScales.FromSearch(scaled, searchUnits, centredPoint);
            frame.ToOriginal(centredPoint, point);
            return evaluate(point);
        }
        var (searchLower, searchUpper) = (ThetaScales.ToSearch(parameterization.LowerBounds(), searchUnits), ThetaScales.ToSearch(upper, searchUnits));
        var options = new BobyqaOptions(
            InitialTrustRadius: StartingValues.InitialRadius(scaledStart, layout, parameterization), FinalTrustRadius: FinalRadius,
            MaxEvaluations: monitor.MaxEvaluations, FunctionTolerance: FunctionTolerance(startValue, RelativeFunctionTolerance),
            InterpolationPoints: InterpolationPoints(parameterization.Length));
        var optimum = Bobyqa.Minimize(Search, scaledStart, searchLower, searchUpper, options);
        // A singular θ̂ whose covariance, factored otherwise, descends: searched again from there (SingularFaces).
        var faces = SingularFaces.Leave(Search, optimum.Minimizer, optimum.Minimum,
            scaled => SingularFaces.Probes(parameterization, scaled, SingularTolerance),
            (probe, value) => SingularFaces.Restart(Search, probe, value, searchLower, searchUpper,
                options with { InitialTrustRadius = SingularFaces.RestartRadius }),
            SingularFaces.Tolerance(optimum.Minimum));
        // A new array: the snap below writes to it, and the result must not alias the optimiser's own.
        var searched = frame.ToOriginal(ThetaScales.FromSearch(faces.Point, searchUnits));
        var (snapEvaluations, minimum) = SnapToBoundary(deviance, evaluate, searched, faces.Minimum);
        bool searchConverged = optimum.Converged && faces.Failure is null;
        string searchMessage = faces.Failure ?? optimum.Message;
        monitor.SearchEnded();
        monitor.Enter(FitStage.Checking);
        var (theta, stencil, check, problem) = ConfirmOptimum(deviance, evaluate, products.LogWeightSum, terms, searched,
            minimum, frame, searchUnits, monitor, rescue: searchConverged);
        // The check's last evaluation is at θ̂ when its Newton step was taken.
        var solution = deviance.LastFactored(theta) ? ModeSolution.FromFactor(deviance) : ModeSolution.Compute(deviance, theta);
        double objective = deviance.ObjectiveFromFactor();
        double sigma = Math.Sqrt(solution.PenalizedResidualSquares / (reml ? design.RowCount - design.FixedEffectCount : design.RowCount));
        problem ??= ExactFitProblem(sigma, products.Scaling);
        clock.Stop();

        var fit = FitResultBuilder.Build(design, response.Values, terms, parameterization, theta, solution, new FitSummary(
            Method: reml ? EstimationMethod.Reml : EstimationMethod.MaximumLikelihood,
            LogLikelihood: -objective / 2,
            Sigma: sigma,
            Converged: searchConverged && problem is null,
            OptimizerMessage: searchConverged ? problem ?? searchMessage : searchMessage,
            Singular: parameterization.IsSingular(theta, SingularTolerance),
            Timing: new FitTiming(clock.Elapsed.TotalMilliseconds,
                optimum.Evaluations - reused + startEvaluations + faces.Evaluations + snapEvaluations, layout.Structure.Description),
            Check: check,
            Stencil: stencil));
        return SingularFaces.Note(faces, "the search", reml ? "REML criterion" : "deviance") is { } note ? fit with { Notes = [.. fit.Notes, note] } : fit;
    }

    /// <summary>The problem with a fit whose residual SD is below 10⁻⁶ of the response's spread (the power of two the
    /// response is scaled by approximates its root mean square): the cross-products resolve σ² to about 10⁻¹⁶ of the
    /// response's variance times the system's condition, so such a σ̂ is rounding. The criterion then has no optimum (it
    /// falls without bound as σ → 0: y an exact function of x and g gave σ̂ 1.1·10⁻⁷ of y's spread, and a "converged" θ̂
    /// of 3·10⁶ where the rounding stopped the search). Null otherwise.</summary>
    private static string? ExactFitProblem(double sigma, FixedEffectScaling scaling)
    {
        double ratio = sigma * scaling.ResponseScale;
        return ratio < 1e-6
            ? $"the model reproduces the response up to rounding (residual SD {sigma:G3}, {ratio:G2} of the response's spread), so its variance parameters are not determined by the data"
            : null;
    }

    /// <summary>How many times a failed check may restart from the Newton point it computed before the fit is refused.</summary>
    private const int RescueRounds = 2;

    /// <summary>Confirms θ̂ (<see cref="CheckOptimum"/>) and moves it to the Newton point x − H⁻¹g of the check's
    /// derivatives when that lowers the criterion (<paramref name="minimum"/> at <paramref name="theta"/>). After a passed
    /// check this polishes θ̂ for one evaluation: the search leaves θ within its resolution of the optimum, a Newton step
    /// from there lands within about its square. After a failed check (the search stopped on its own criterion short
    /// of the optimum, <paramref name="rescue"/>) the step, halved up to three times until the criterion falls, starts
    /// another check, at most <see cref="RescueRounds"/> times; the check reported is the last one, its evaluations
    /// counting every round's. The stencil returned serves the θ̂ returned (<see cref="OptimumStencil.Serves"/>) when that
    /// is its centre or the polishing step from it was at most <see cref="StencilServesStep"/>; otherwise it is null and
    /// Satterthwaite's df evaluate a stencil at θ̂ themselves. The
    /// derivatives and steps are taken in <paramref name="frame"/>'s coordinates (with their <paramref name="units"/>);
    /// θ in and out is the original.</summary>
    internal static (double[] Theta, OptimumStencil? Stencil, OptimumCheck Check, string? Problem) ConfirmOptimum(
        ProfiledDeviance deviance, ObjectiveFunction evaluate, double logWeightSum, IReadOnlyList<RandomEffectsDesign> terms,
        double[] searched, double minimum, CentredFrame frame, double[] units, FitMonitor monitor, bool rescue)
    {
        var theta = frame.ToCentred(searched);
        var parameterization = deviance.Parameterization;
        var lower = parameterization.LowerBounds();
        var upper = parameterization.UpperBounds();
        int spent = 0;
        for (int round = 0; ; round++)
        {
            var (stencil, check, problem, newtonPoint) = CheckOptimum(deviance, logWeightSum, terms, theta, frame, units, monitor);
            spent += check.Evaluations;
            int tries = check.Passed ? 1 : rescue && round < RescueRounds ? 4 : 0;
            double[]? better = null;
            // With every parameter held at a bound, the Newton point is θ̂ itself.
            var candidate = newtonPoint is not null && !newtonPoint.SequenceEqual(theta) ? newtonPoint : null;
            for (int t = 0; candidate is not null && t < tries; t++)
            {
                if (t > 0)
                    for (int i = 0; i < candidate.Length; i++) candidate[i] = 0.5 * (candidate[i] + theta[i]);
                spent++;
                double value = evaluate(frame.ToOriginal(candidate));
                if (value < minimum)
                {
                    (better, minimum) = (candidate, value);
                    break;
                }
            }
            if (check.Passed || better is null)
            {
                var original = frame.ToOriginal(better ?? theta);
                bool serves = better is null || check.RelativeStep <= StencilServesStep;
                return (original, serves ? stencil?.Serving(original) : null, check with { Evaluations = spent }, problem);
            }
            theta = better;
        }
    }

    /// <summary>Confirms θ̂ from the gradient and Hessian of the profiled criterion there (<see cref="OptimumStencil"/>,
    /// whose points Satterthwaite's df reuse), as lme4 checks every fit with its <c>deriv12</c>; the reason when the
    /// check fails, and the Newton point of those derivatives (null when there is none). The factor is left at the
    /// stencil's last point.</summary>
    private static (OptimumStencil? Stencil, OptimumCheck Check, string? Problem, double[]? NewtonPoint) CheckOptimum(
        ProfiledDeviance deviance, double logWeightSum, IReadOnlyList<RandomEffectsDesign> terms, double[] theta,
        CentredFrame frame, double[] units, FitMonitor monitor)
    {
        var layout = deviance.Layout;
        int n = layout.RowCount, p = layout.FixedEffectCount;
        bool reml = deviance.Reml;
        var parameterization = deviance.Parameterization;
        int evaluations = CentralStencil<ThetaPieces>.EvaluationCount(theta.Length);
        var stencil = OptimumStencil.Compute((point, withCovariance) =>
        {
            monitor.ThrowIfCancelled();
            return deviance.FactorAt(frame.ToOriginal(point)) ? ThetaPieces.FromFactor(deviance, logWeightSum, withCovariance) : null;
        }, theta, units);
        if (stencil is null)
            return (null, new OptimumCheck(double.NaN, double.NaN, double.NaN, 0, evaluations, Passed: false),
                "the criterion could not be evaluated around the optimum, so the optimum is not confirmed", null);
        double Criterion(ThetaPieces pieces) => pieces.ProfiledCriterion(n, p, reml);
        var names = Enumerable.Range(0, theta.Length)
            .Select(i => $"theta[{i + 1}] ({terms[parameterization.TermOf(i)].GroupName})").ToList();
        var (lower, upper) = (parameterization.LowerBounds(), parameterization.UpperBounds());
        var (gradient, hessian) = (stencil.Gradient(Criterion), stencil.Hessian(Criterion));
        var (check, problem) = OptimumAssessment.Assess(theta, lower, upper, gradient, hessian, evaluations, units, names, out var newtonPoint);
        return (stencil, check, problem, newtonPoint);
    }

    /// <summary>The largest relative Newton step (<see cref="OptimumCheck.RelativeStep"/>) after which the check's
    /// stencil still serves Satterthwaite's df at the moved θ̂. The df taken at the centre differ from those at θ̂ by the
    /// step times third derivatives, one to two times the relative step on sleepstudy (REML, a polishing step of
    /// 3·10⁻⁶: 17.000036 against 17.0000038 at θ̂, lmerTest 17.0000052), while a stencil of its own costs 1 + m²
    /// factorizations (5 on the crossed 1M benchmark, a fifth of its fit; 13 on star's). The usual polish after a
    /// search stopped at its final radius is 10⁻⁶–10⁻⁵ (panel 1M, InstEval, sleepstudy, crossed 1M, star); up to this
    /// step the df move by a few 10⁻⁴ of their value at most, far below what their p-values resolve. A rescue's larger
    /// step evaluates the stencil at θ̂.</summary>
    private const double StencilServesStep = 1e-4;

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
    /// small models, while large ones stop on <see cref="FunctionTolerance"/> first. The Newton step after the check
    /// would make up for 10⁻⁵ in θ̂, but not in Satterthwaite's df, which are taken at the stencil's centre: sleepstudy's
    /// 17 came out 16.9991.</summary>
    private const double FinalRadius = 3e-6;

    /// <summary>The improvement below which a last stage of the search stops: 10⁻⁶, or <paramref name="relative"/> of
    /// the objective when that is larger. The objective of n rows carries rounding error that grows with n (its sums
    /// run over the rows), so at millions of rows an absolute 10⁻⁶ lies below what an evaluation can resolve and the
    /// last stages would only chase rounding. Small models keep 10⁻⁶.</summary>
    internal static double FunctionTolerance(double startValue, double relative) =>
        double.IsFinite(startValue) ? Math.Max(1e-6, relative * Math.Abs(startValue)) : 1e-6;

    /// <summary>The relative <see cref="FunctionTolerance"/> of this search: a stage gaining 10⁻⁹ of the objective
    /// moves θ by a small fraction of a standard error at millions of rows, which the Newton step after the check
    /// (<see cref="ConfirmOptimum"/>) makes up for one evaluation. On the 1M-row panel the search stops after 49
    /// evaluations instead of 62 (at 3·10⁻¹¹), with the same log-likelihood to 10⁻⁷.</summary>
    private const double RelativeFunctionTolerance = 1e-9;

    /// <summary>Puts diagonal entries of T that ended within 1e-4 of the bound 0 exactly on it when that costs less
    /// than 1e-6 in the objective: the optimiser stops within its resolution of the bound, and a variance that is zero
    /// in all but rounding should read as zero (as lme4 reports it). Returns the evaluations spent and the objective at
    /// the θ left.</summary>
    private static (int Evaluations, double Minimum) SnapToBoundary(ProfiledDeviance deviance, ObjectiveFunction evaluate,
        double[] theta, double minimum)
    {
        int evaluations = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            if (!deviance.Parameterization.IsDiagonal(i) || theta[i] == 0 || theta[i] >= SingularTolerance) continue;
            double kept = theta[i];
            theta[i] = 0;
            evaluations++;
            double value = evaluate(theta);
            if (value - minimum < 1e-6) minimum = value;
            else theta[i] = kept;
        }
        return (evaluations, minimum);
    }

    /// <summary>A full quadratic model, (n+1)(n+2)/2 points, for the few parameters of most models: it captures the
    /// coupling between entries of T (correlations) from the start, which saved a fifth of the evaluations on the
    /// 1M-row benchmark and a quarter on sleepstudy; beyond six parameters Powell's 2n+1 keeps the start cheap.</summary>
    internal static int? InterpolationPoints(int parameters) =>
        parameters <= 6 ? (parameters + 1) * (parameters + 2) / 2 : null;
}
