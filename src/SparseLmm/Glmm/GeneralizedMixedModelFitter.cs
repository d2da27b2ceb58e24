using System.Diagnostics;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Glmm;

/// <summary>Fits a generalized linear mixed model as lme4's <c>glmer</c> does, so that its numbers are lme4's.
/// <list type="number">
/// <item>Stage one (lme4's nAGQ = 0): BOBYQA over θ (diagonal of each T ≥ 0), β inside PIRLS, every evaluation's
/// PIRLS starting from the linear predictor of PIRLS at θ = 1 (as lme4).</item>
/// <item>Stage two (nAGQ ≥ 1): BOBYQA over (θ, β) jointly, bounds on θ only, started from stage one, on lme4's Laplace
/// deviance (nAGQ = 1) or adaptive Gauss–Hermite deviance (nAGQ &gt; 1, one scalar random-effects term), every
/// evaluation's PIRLS starting from the stage-one linear predictor. The search runs in standard-error units (β scaled
/// by its stage-one RX standard errors, θ by the curvature of the stage-one deviance), which roughly halves the
/// evaluations BOBYQA needs on grouseticks.</item>
/// <item>Cov(β̂) as lme4's default <c>vcov</c>: the β block of 2H⁻¹, H the Hessian of the stage-two objective over
/// (θ, β) by central differences with lme4's step 1e-4; if that is not positive definite, the RX-based covariance of
/// the final PIRLS factor (with a note), which is also what nAGQ = 0 reports.</item>
/// </list>
/// PIRLS stops by lme4's rule, so the Laplace deviance is lme4's function to the last digit (see
/// <see cref="GlmmObjective"/>): without that, cbpp's standard errors differ from lme4's by 1.2%.
/// The log-likelihood is −½ × the deviance at the optimum and keeps every normalizing constant (binomial coefficients,
/// log y!, the gamma density's terms), for Laplace and quadrature alike (lme4 drops them for quadrature). For Gamma it
/// follows lme4 in everything the user sees: the deviance uses the dispersion (Σ deviance residuals)/(Σ w) and adds 2
/// (R's <c>Gamma()$aic</c>), σ = √((Pearson χ² + ‖û‖²)/n) (lme4's <c>sigma</c>), the random-effect standard
/// deviations and conditional SDs are multiplied by σ (lme4's <c>VarCorr</c> and <c>ranef</c> do so), and the
/// quadrature integrand takes the dispersion as 1 (lme4's <c>glmerAGQ</c>).</summary>
internal static class GeneralizedMixedModelFitter
{
    /// <summary>The most quadrature nodes accepted.</summary>
    public const int MaxQuadratureNodes = GaussHermite.MaxNodes;

    private const double SingularTolerance = 1e-4;

    // Stage one only provides the start of stage two (and the linear predictor its PIRLS starts from), so 1e-3 in θ
    // suffices: the fit does not change at the reference tolerances when it is 1e-4 or 1e-6 (checked on cbpp and
    // grouseticks). Stage two runs in standard-error units, where 1e-4 is far below any reported precision (the fits
    // move by under 1e-4 standard errors against 1e-5, for 15% fewer evaluations).
    private const double StageOneFinalRadius = 1e-3;
    private const double StageTwoInitialRadius = 0.1;
    private const double StageTwoFinalRadius = 1e-4;

    /// <summary>Builds the design (dropping rows whose prior weight is missing) and fits.</summary>
    /// <exception cref="InputException">The data, the weights or the options do not suit the family.</exception>
    public static MixedModelFit Fit(ModelFormula formula, DataTable data, Family family, int quadratureNodes, string? weightsColumn,
        ThreadBudget? threads = null, FitMonitor? monitor = null)
    {
        monitor ??= new FitMonitor();
        monitor.Enter(FitStage.Rows);
        if (quadratureNodes < 0 || quadratureNodes > MaxQuadratureNodes)
            throw new InputException($"nAGQ must be between 0 and {MaxQuadratureNodes} (got {quadratureNodes})");
        var weights = weightsColumn is null ? null : PriorWeights.Select(data, weightsColumn);
        var design = ModelDesignBuilder.Build(formula, weights?.Data ?? data);
        var priorWeights = weights is null ? null : design.KeptRows.Select(row => weights.Column.Values[row]).ToArray();
        int DataRow(int keptRow) => weights?.DataRow(design.KeptRows[keptRow]) ?? design.KeptRows[keptRow] + 1;
        return Fit(design, family, quadratureNodes, priorWeights, weightsColumn, DataRow, weights?.DroppedRows ?? 0, threads, monitor);
    }

    /// <summary>Fits <paramref name="design"/> with <paramref name="family"/>.</summary>
    /// <param name="design">The coded model.</param>
    /// <param name="family">Binomial, Poisson or Gamma.</param>
    /// <param name="quadratureNodes">0 (stage one only), 1 (Laplace) or more (adaptive Gauss–Hermite).</param>
    /// <param name="priorWeights">The weights column per kept row, or null.</param>
    /// <param name="weightsName">The weights column's name, for messages.</param>
    /// <param name="dataRow">Maps a kept row to its 1-based data row, for messages and the fit's observation rows.</param>
    /// <param name="extraDroppedRows">Rows dropped before the design was built (missing weights).</param>
    /// <param name="threads">The most threads the fit may use (null: every processor).</param>
    /// <param name="monitor">Stops the fit, hears its progress and sets the evaluation limit of each search (null: none).</param>
    public static MixedModelFit Fit(ModelDesign design, Family family, int quadratureNodes, double[]? priorWeights,
        string? weightsName, Func<int, int> dataRow, int extraDroppedRows, ThreadBudget? threads = null, FitMonitor? monitor = null)
    {
        var clock = Stopwatch.StartNew();
        monitor ??= new FitMonitor();
        RequireQuadrature(design, quadratureNodes);
        var response = GlmmResponse.Build(design.Response, family, priorWeights, dataRow, weightsName);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        int p = design.FixedEffectCount, n = design.RowCount;
        // Everything below works in centred-and-scaled fixed-effects coordinates; β̂ and Cov(β̂) are mapped back
        // at the end (see FixedEffectScaling.Standardized for why).
        var coordinates = Engine.FixedEffectScaling.Standardized(design.X, n, p);
        var objective = new GlmmObjective(design with { X = coordinates.Transform(design.X) }, terms, response, threads, monitor.Cancellation);
        var fit = FitObjective(design, family, quadratureNodes, response, terms, coordinates, objective, extraDroppedRows, monitor, clock);
        return fit with
        {
            ObservationRows = Enumerable.Range(0, n).Select(row => dataRow(row) - 1).ToArray(),
            GlmmSource = new GlmmSource(design, response, terms, threads?.Degree),
        };
    }

    /// <summary>Fits a design whose rows were not kept (<see cref="ModelDesign.RowsStreamed"/>): every PIRLS pass reads
    /// them from <paramref name="rows"/>, the stages are those of the in-memory fit, and the fit has no per-row
    /// results.</summary>
    /// <param name="design">The design without rows (its terms in formula order).</param>
    /// <param name="family">Binomial, Poisson or Gamma.</param>
    /// <param name="quadratureNodes">0 or 1.</param>
    /// <param name="response">The response's totals (<see cref="GlmmResponse.Totals"/>).</param>
    /// <param name="terms">The terms without rows, most levels first.</param>
    /// <param name="coordinates">X's coordinates, those of <see cref="Engine.FixedEffectScaling.Standardized"/>
    /// (the rows' X is read in them).</param>
    /// <param name="rows">The rows and the penalized systems' layouts.</param>
    /// <param name="threads">The most threads the fit may use.</param>
    /// <param name="monitor">As for the in-memory fit.</param>
    internal static MixedModelFit FitStreamed(ModelDesign design, Family family, int quadratureNodes, GlmmResponse response,
        IReadOnlyList<RandomEffectsDesign> terms, Engine.FixedEffectScaling coordinates, StreamedRows rows, ThreadBudget? threads,
        FitMonitor monitor)
    {
        var clock = Stopwatch.StartNew();
        RequireQuadrature(design, quadratureNodes);
        var objective = new GlmmObjective(design, terms, response, threads, monitor.Cancellation, rows);
        return FitObjective(design, family, quadratureNodes, response, terms, coordinates, objective, 0, monitor, clock, rows.Moments);
    }

    private static void RequireQuadrature(ModelDesign design, int quadratureNodes)
    {
        if (quadratureNodes < 0 || quadratureNodes > MaxQuadratureNodes)
            throw new InputException($"nAGQ must be between 0 and {MaxQuadratureNodes} (got {quadratureNodes})");
        if (quadratureNodes > 1 && !(design.RandomTerms.Count == 1 && design.RandomTerms[0].ColumnCount == 1))
        {
            int count = design.RandomTerms.Count;
            throw new InputException(
                $"nAGQ = {quadratureNodes} (adaptive Gauss-Hermite quadrature) needs a single scalar random-effects term such as (1 | group); this model has {count} term{(count == 1 ? "" : "s")}{(count == 1 ? $" with {design.RandomTerms[0].ColumnCount} columns" : "")}: use nAGQ = 1 (Laplace)");
        }
    }

    /// <summary>The two stages, the covariance and the result, on <paramref name="objective"/>.</summary>
    private static MixedModelFit FitObjective(ModelDesign design, Family family, int quadratureNodes, GlmmResponse response,
        IReadOnlyList<RandomEffectsDesign> terms, Engine.FixedEffectScaling coordinates, GlmmObjective objective,
        int extraDroppedRows, FitMonitor monitor, Stopwatch clock, TermMoments? moments = null)
    {
        int p = design.FixedEffectCount, n = design.RowCount;
        var parameterization = objective.Parameterization;
        int thetaLength = parameterization.Length;
        var thetaLower = parameterization.LowerBounds();
        var thetaUpper = parameterization.UpperBounds();

        // Stage one: θ with β in PIRLS, every evaluation starting where PIRLS at θ = 1 ended (as lme4).
        objective.InitializeStageOne();
        monitor.Enter(FitStage.Search);
        // In θ's natural units (ThetaScales), through one buffer: a slope's entries per 10⁵ units of its covariate
        // are otherwise below the search's resolution. A term whose slope lies far from zero is searched with the
        // slope centred, as a linear fit's is (CentredFrame): every search, probe and check below runs in the frame's
        // θ, mapped to lme4's θ at each evaluation, and only the fit is reported in lme4's.
        // A streamed fit's terms have no rows: their Σ z zᵀ over the rows, summed in row order by the coding pass.
        var frame = moments is null ? CentredFrame.Of(terms, parameterization) : CentredFrame.Of(terms, parameterization, moments.Sum);
        double etaUnit = LinearPredictorUnit(response);
        var units = moments is null
            ? frame.Active ? frame.Units(terms, parameterization, etaUnit) : ThetaScales.Of(terms, parameterization, etaUnit)
            : frame.Active ? frame.Units(moments.RootMeanSquares(), parameterization, etaUnit)
                : ThetaScales.FromRootMeanSquares(moments.RootMeanSquares().Select(rms => ThetaScales.PerUnit(rms, etaUnit)).ToList(), parameterization);
        var thetaPoint = new double[thetaLength];
        var centredPoint = new double[thetaLength];
        double StageOneAt(ReadOnlySpan<double> centred, int fixedPirlsIterations = 0)
        {
            frame.ToOriginal(centred, thetaPoint);
            return objective.StageOne(thetaPoint, fixedPirlsIterations);
        }
        double StageOne(ReadOnlySpan<double> scaled)
        {
            ThetaScales.FromSearch(scaled, units, centredPoint);
            return StageOneAt(centredPoint);
        }
        var stageOneObjective = monitor.Watch(StageOne);
        var (stageOneLower, stageOneUpper) = (ThetaScales.ToSearch(thetaLower, units), ThetaScales.ToSearch(thetaUpper, units));
        var stageOneOptions = new BobyqaOptions(InitialTrustRadius: 0.2,
            FinalTrustRadius: quadratureNodes == 0 ? 1e-7 : StageOneFinalRadius, MaxEvaluations: monitor.MaxEvaluations);
        var stageOne = Bobyqa.Minimize(stageOneObjective, parameterization.Start(), stageOneLower, stageOneUpper, stageOneOptions);
        // A singular optimum is probed on the other factors of its covariance (SingularFaces), in stage one too when
        // stage two follows: every PIRLS of stage two starts from stage one's modes, so a stage one left on the worse
        // face leaves stage two's deviance lme4's from those modes (240 binomial rows, (1 + x | g): 1.5·10⁻⁴ above
        // the one from the better face's modes, at the same θ and β).
        var facesOne = SingularFaces.Leave(stageOneObjective, stageOne.Minimizer, stageOne.Minimum,
            scaled => SingularFaces.Probes(parameterization, scaled, SingularTolerance),
            (probe, value) => SingularFaces.Restart(stageOneObjective, probe, value, stageOneLower, stageOneUpper,
                stageOneOptions with { InitialTrustRadius = SingularFaces.RestartRadius }),
            SingularFaces.Tolerance(stageOne.Minimum));
        monitor.SearchEnded();
        // θ₁ in the frame's coordinates (lme4's when no term is centred), as is every θ up to the report.
        var thetaOne = ThetaScales.FromSearch(facesOne.Point, units);
        var thetaScale = (double[])units.Clone();
        if (quadratureNodes > 0)
        {
            // Curvature of the stage-one deviance along each θ: its SE-like scale makes stage two well conditioned.
            double center = StageOneAt(thetaOne);
            for (int i = 0; i < thetaLength; i++)
            {
                double h = 1e-3 * Math.Max(units[i], Math.Abs(thetaOne[i]));
                var probe = (double[])thetaOne.Clone();
                probe[i] += h;
                double plus = StageOneAt(probe);
                probe[i] = thetaOne[i] - h;
                double minus = StageOneAt(probe);
                double curvature = (plus - 2 * center + minus) / (h * h);
                if (curvature > 0 && double.IsFinite(curvature)) thetaScale[i] = Math.Clamp(Math.Sqrt(2 / curvature), 1e-2 * units[i], units[i]);
            }
        }
        // nAGQ = 0 reports stage one's optimum: it is confirmed on the θ criterion the search minimised.
        OptimumCheck? check = null;
        string? problem = null;
        if (quadratureNodes == 0)
        {
            monitor.Enter(FitStage.Checking);
            var names = Enumerable.Range(0, thetaLength).Select(i => $"theta[{i + 1}] ({terms[parameterization.TermOf(i)].GroupName})").ToList();
            (check, problem) = CheckStageOne(objective, (point, iterations) => StageOneAt(point, iterations), thetaOne,
                thetaLower, thetaUpper, units, names, monitor);
        }
        // Also restores the state at the optimum after the check or the curvature probes.
        double devianceOne = StageOneAt(thetaOne);
        if (devianceOne >= GlmmObjective.FailedEvaluation)
            throw new InputException($"the {family} model could not be fitted: PIRLS failed at every θ tried (check the response and the link)");
        var betaOne = objective.Beta.ToArray();
        var rxOne = objective.RxCovariance(frame.ToOriginal(thetaOne));
        double dispersionOne = family.Kind == FamilyKind.Gamma ? Math.Max(1e-12, PearsonDispersion(objective, response, n)) : 1.0;
        var betaScale = new double[p];
        for (int j = 0; j < p; j++)
        {
            double se = Math.Sqrt(Math.Max(0, rxOne[j * p + j] * dispersionOne));
            betaScale[j] = se > 0 && double.IsFinite(se) ? se : Math.Max(1e-3, Math.Abs(betaOne[j]) * 1e-2);
        }
        objective.KeepStageOneModes();

        double[] theta, beta;
        double deviance, objectiveValue;
        OptimizationResult? stageTwo = null;
        SingularFaces.Outcome? facesTwo = null;
        int nodes = Math.Max(1, quadratureNodes);
        if (quadratureNodes == 0)
        {
            theta = thetaOne;
            beta = betaOne;
            objectiveValue = deviance = devianceOne;
            objective.StageTwo(frame.ToOriginal(theta), beta, 1);
        }
        else
        {
            // Stage two runs in v: θ = θ₁ + s_θ v_θ, β = β₁ + s_β v_β, with s the SE-like scales.
            var start = new double[thetaLength + p];
            var lower = new double[thetaLength + p];
            for (int i = 0; i < thetaLength; i++)
                lower[i] = double.IsNegativeInfinity(thetaLower[i]) ? double.NegativeInfinity : (thetaLower[i] - thetaOne[i]) / thetaScale[i];
            for (int j = 0; j < p; j++) lower[thetaLength + j] = double.NegativeInfinity;
            var upper = Enumerable.Repeat(double.PositiveInfinity, thetaLength + p).ToArray();
            for (int i = 0; i < thetaLength; i++)
                if (double.IsFinite(thetaUpper[i])) upper[i] = (thetaUpper[i] - thetaOne[i]) / thetaScale[i];
            var betaWork = new double[p];
            var thetaWork = new double[thetaLength];
            double StageTwo(ReadOnlySpan<double> v)
            {
                for (int i = 0; i < thetaLength; i++) thetaWork[i] = Math.Clamp(thetaOne[i] + thetaScale[i] * v[i], thetaLower[i], thetaUpper[i]);
                for (int j = 0; j < p; j++) betaWork[j] = betaOne[j] + betaScale[j] * v[thetaLength + j];
                frame.ToOriginal(thetaWork, thetaPoint);
                return objective.StageTwo(thetaPoint, betaWork, nodes);
            }
            monitor.Enter(FitStage.JointSearch);
            var stageTwoObjective = monitor.Watch(StageTwo);
            var stageTwoOptions = new BobyqaOptions(InitialTrustRadius: StageTwoInitialRadius, FinalTrustRadius: StageTwoFinalRadius,
                MaxEvaluations: monitor.MaxEvaluations);
            stageTwo = Bobyqa.Minimize(stageTwoObjective, start, lower, upper, stageTwoOptions);
            // The probes of SingularFaces are of θ, β held: v's θ part mapped to θ and back.
            List<double[]> Probes(double[] point)
            {
                var probes = SingularFaces.Probes(parameterization,
                    [.. Enumerable.Range(0, thetaLength).Select(i => Math.Clamp(thetaOne[i] + thetaScale[i] * point[i], thetaLower[i], thetaUpper[i]))],
                    units, SingularTolerance);
                foreach (var probe in probes)
                    for (int i = 0; i < thetaLength; i++) probe[i] = Math.Clamp((probe[i] - thetaOne[i]) / thetaScale[i], lower[i], upper[i]);
                return [.. probes.Select(probe => (double[])[.. probe, .. point.AsSpan(thetaLength)])];
            }
            facesTwo = SingularFaces.Leave(stageTwoObjective, stageTwo.Minimizer, stageTwo.Minimum, Probes,
                (probe, value) => SingularFaces.Restart(stageTwoObjective, probe, value, lower, upper, stageTwoOptions),
                SingularFaces.Tolerance(stageTwo.Minimum));
            monitor.SearchEnded();
            var v = facesTwo.Point;
            theta = new double[thetaLength];
            for (int i = 0; i < thetaLength; i++) theta[i] = Math.Clamp(thetaOne[i] + thetaScale[i] * v[i], thetaLower[i], thetaUpper[i]);
            beta = new double[p];
            for (int j = 0; j < p; j++) beta[j] = betaOne[j] + betaScale[j] * v[thetaLength + j];
            objectiveValue = objective.StageTwo(frame.ToOriginal(theta), beta, nodes);
            deviance = objective.ReportedDeviance(objectiveValue, nodes);
        }
        if (deviance >= GlmmObjective.FailedEvaluation)
            throw new InputException($"the {family} model could not be fitted: PIRLS failed at the optimum");

        // Everything that needs the state at the optimum, before the Hessian moves it.
        var reportedTheta = frame.ToOriginal(theta);
        var state = OptimumState.Capture(objective, response, family, terms, reportedTheta, n);
        var rx = objective.RxCovariance(reportedTheta);
        double sigmaSquared = family.Kind == FamilyKind.Gamma ? state.SigmaSquared : 1.0;

        var notes = new List<string>();
        double[] covariance;
        if (quadratureNodes == 0)
        {
            covariance = rx.Select(value => value * sigmaSquared).ToArray();
        }
        else
        {
            monitor.Enter(FitStage.Covariance);
            // Over the frame's θ: the β block of H⁻¹ does not depend on how θ is parameterized.
            var derivatives = HessianCovariance.Compute(objective, frame, theta, beta, nodes, units, ThetaScales.UnitOf(1 / etaUnit));
            // Confirmed in the units of stage two's search (each parameter's stage-one SE), where it is judged.
            (check, problem) = OptimumAssessment.Assess([.. theta, .. beta], [.. thetaLower, .. Enumerable.Repeat(double.NegativeInfinity, p)],
                [.. thetaUpper, .. Enumerable.Repeat(double.PositiveInfinity, p)], derivatives.Gradient, derivatives.Hessian,
                derivatives.Evaluations, [.. thetaScale, .. betaScale],
                [.. Enumerable.Range(0, thetaLength).Select(i => $"theta[{i + 1}]"), .. design.FixedEffectNames]);
            var hessianCovariance = derivatives.Covariance;
            if (hessianCovariance is null)
            {
                covariance = rx.Select(value => value * sigmaSquared).ToArray();
                notes.Add("variance-covariance matrix computed from finite-difference Hessian is not positive definite: falling back to var-cov estimated from RX");
            }
            else
            {
                covariance = hessianCovariance;
            }
        }
        clock.Stop();
        int evaluations = stageOne.Evaluations + (stageTwo?.Evaluations ?? 0) + facesOne.Evaluations + (facesTwo?.Evaluations ?? 0);
        // The search reported: stage two's, or stage one's at nAGQ = 0.
        var (searchConverged, searchMessage) = stageTwo is null
            ? (stageOne.Converged && facesOne.Failure is null, facesOne.Failure ?? stageOne.Message)
            : (stageTwo.Converged && facesTwo!.Failure is null, facesTwo!.Failure ?? stageTwo.Message);
        bool converged = searchConverged && check?.Passed != false;
        string message = converged || problem is null ? searchMessage : problem;
        if (SingularFaces.Note(facesOne, "stage one", "stage-one deviance") is { } noteOne) notes.Add(noteOne);
        if (facesTwo is not null && SingularFaces.Note(facesTwo, "stage two", "deviance") is { } noteTwo) notes.Add(noteTwo);
        if (stageTwo is not null && (!stageOne.Converged || facesOne.Failure is not null))
            notes.Add($"stage one (θ with β in PIRLS, the start of stage two) did not converge: {facesOne.Failure ?? stageOne.Message}");
        if (objective.RowsStreamed)
            notes.Add($"rows streamed: {objective.Passes} passes over the {n:N0} rows ({objective.PirlsIterations} PIRLS iterations)");
        if (objective.FailedEvaluations > 0)
            notes.Add($"PIRLS failed at {objective.FailedEvaluations} of {objective.Evaluations} evaluations (treated as a large deviance)");

        var fit = GlmmResultBuilder.Build(new GlmmResultInput(
            design, family, response, terms, parameterization, reportedTheta, coordinates.ToOriginal(beta),
            coordinates.MapCovariance(covariance), state, deviance, quadratureNodes,
            thetaLength, converged, message, notes, extraDroppedRows,
            new FitTiming(clock.Elapsed.TotalMilliseconds, evaluations, objective.FactorStructure),
            Singular: parameterization.IsSingular(reportedTheta, SingularTolerance)));
        return fit with { OptimumCheck = check };
    }

    /// <summary>The check of stage one's θ̂ from the gradient and Hessian of the stage-one deviance there
    /// (<paramref name="stageOne"/>, of the frame's θ and a PIRLS iteration count), every point taking as many PIRLS
    /// iterations as θ̂ did (see <see cref="GlmmObjective.StageOne"/>); the reason when it fails.</summary>
    private static (OptimumCheck Check, string? Problem) CheckStageOne(GlmmObjective objective, Func<double[], int, double> stageOne,
        double[] theta, double[] lower, double[] upper, double[] units, IReadOnlyList<string> names, FitMonitor monitor)
    {
        stageOne(theta, 0);
        int iterations = objective.LastPirlsIterations;
        var (check, problem) = CriterionCheck.Assess(point =>
        {
            monitor.ThrowIfCancelled();
            return stageOne(point, iterations);
        }, GlmmObjective.FailedEvaluation, theta, lower, upper, units, names);
        // The evaluation that learnt the PIRLS iterations.
        return (check with { Evaluations = check.Evaluations + 1 }, problem);
    }

    /// <summary>The unit of the linear predictor, in which θ's are measured (<see cref="ThetaScales"/>): 1 where η
    /// carries none of the response's units (log, logit, probit, cloglog: y × c only shifts η), |g(ȳ)| for a power link
    /// (identity, sqrt, inverse), whose η scales with y's units. A Gamma response × 10⁸ with the inverse link has θ
    /// 10⁸ times smaller: searched from θ = 1, PIRLS failed at every θ (a random effect of SD 1 makes μ negative), and
    /// × 10⁻⁸ it stopped 112 log-likelihood units short.</summary>
    private static double LinearPredictorUnit(GlmmResponse response)
    {
        var link = response.Family.Link;
        if (link != Link.Identity && link != Link.Sqrt && link != Link.Inverse) return 1;
        // Σ w y and Σ w in row order (the response's totals: a streamed fit's have no rows).
        double unit = Math.Abs(link.Evaluate(response.WeightedY / response.WeightSum));
        return unit > 0 && double.IsFinite(unit) ? unit : 1;
    }

    private static double PearsonDispersion(GlmmObjective objective, GlmmResponse response, int n)
    {
        var mu = objective.Mean;
        double sum = 0;
        if (objective.RowsStreamed) sum = objective.PearsonSums().WeightedSquares;
        else for (int i = 0; i < n; i++)
        {
            double r = response.Y[i] - mu[i];
            sum += response.Weights[i] * r * r / response.Family.Variance(mu[i]);
        }
        foreach (var value in objective.U) sum += value * value;
        return sum / n;
    }
}
