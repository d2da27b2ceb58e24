using SparseLmm.Results;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Glmm;

/// <summary>The objectives of a GLMM fit, as lme4's <c>glmer</c> defines them, and the penalized iteratively reweighted
/// least squares (PIRLS) that finds the conditional modes inside each evaluation.
/// <para><b>Stage one</b> (lme4's nAGQ = 0): a function of θ alone; PIRLS finds the joint conditional modes of u and β
/// and the value is the Laplace deviance there. <b>Stage two</b>: a function of (θ, β); PIRLS finds the conditional
/// modes of u with Xβ as an offset, and the value is the Laplace deviance or, for one scalar random-effects term, its
/// adaptive Gauss–Hermite refinement.</para>
/// <para><b>Laplace deviance</b> = −2 log p(y | û) (with every normalizing constant, as lme4's family <c>aic()</c>)
/// + ‖û‖² + log|L|², L the Cholesky factor of Λ'Z'WZΛ + I with the IRLS weights W.</para>
/// <para><b>PIRLS</b>: at the current modes compute the IRLS weights W = w (dμ/dη)²/V(μ) and the working response
/// z = η + (y − μ)/(dμ/dη) (minus the offset Xβ in stage two), accumulate the weighted cross-products in one pass over
/// the rows, factor at θ and solve the penalized least-squares problem. Two schedules:</para>
/// <list type="bullet">
/// <item>lme4's (<see cref="PirlsLme4"/>, used by every evaluation): start from the stage's fixed linear predictor,
/// take the full solution, halve toward the previous modes while the penalized deviance increases, stop when its
/// relative change is below 1e-7. The factor then belongs to the previous iterate; the objective is lme4's function to
/// rounding (cbpp's deviance at lme4's estimates: 184.0531327790601 here, 184.053132779061 in lme4).</item>
/// <item>exact (<see cref="Pirls"/>, the fallback when lme4's schedule fails, e.g. step-halving cannot reduce the
/// deviance): start from the last modes, halve the step while the penalized deviance does not decrease, iterate until
/// the full step is below 1e-10 or the deviance cannot decrease within rounding.</item>
/// </list>
/// <para>Every buffer is allocated when the objective is created: no PIRLS iteration allocates.</para></summary>
internal sealed class GlmmObjective
{
    /// <summary>Returned for an evaluation that fails (a system that cannot be factored, PIRLS that does not converge):
    /// large but finite, so the optimiser's quadratic model stays usable.</summary>
    public const double FailedEvaluation = ProfiledDeviance.FailedEvaluation;

    private const int MaxIterations = 100;
    private const int MaxHalvings = 20;
    private const double StepTolerance = 1e-10;
    private const double RoundingStepTolerance = 1e-6;

    private readonly Family family;
    private readonly Link link;
    private readonly GlmmResponse response;
    private readonly double[] x;
    private readonly int n, p;
    private readonly IReadOnlyList<RandomEffectsDesign> terms;
    private readonly CovarianceParameterization parameterization;
    private readonly double[][] relativeFactors;
    private readonly PenalizedSystem modes;
    private PenalizedSystem? joint;

    private readonly double[] eta, mu, working, irlsWeights, fixedPart;
    private readonly RowState rows;
    private readonly RowPass rowPass;
    private readonly bool fuse;
    private readonly double[] factorBlocks;
    private CrossProducts? fusedFor;
    private StageTwoStart? stageTwoStart;
    private double[]? stageOneBlocks, stageOneFirstRest, stageOneRest;
    private bool hasStageOneStart, hasStageTwoStart;
    private readonly double[] u, uSolved, uCandidate, b;
    private readonly double[] beta, betaSolved, betaCandidate;
    private readonly double[] warmU, warmBeta, stageOneU, stageOneBeta;
    private readonly double[] uPrevious, betaPrevious, startPredictor;
    private bool hasWarmJoint, hasWarmModes, hasStageOne, hasStartPredictor;
    private double deviationSum;

    private readonly ThreadBudget threads;

    // Quadrature workspaces (one scalar term only).
    private readonly double[] groupBase, groupShifted, groupMultiplier, groupScale;
    private double[]? ruleNodes, ruleWeights;

    /// <summary>Creates the objective for <paramref name="design"/> with <paramref name="terms"/> ordered largest first;
    /// its penalized systems share <paramref name="threads"/> (default: the cores free).</summary>
    public GlmmObjective(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, GlmmResponse response,
        ThreadBudget? threads = null)
    {
        this.threads = threads ?? new ThreadBudget();
        family = response.Family;
        link = family.Link;
        this.response = response;
        this.terms = terms;
        x = design.X;
        n = design.RowCount;
        p = design.FixedEffectCount;
        parameterization = new CovarianceParameterization(terms.Select(t => t.ColumnCount).ToList());
        relativeFactors = terms.Select(t => new double[t.ColumnCount * t.ColumnCount]).ToArray();
        modes = new PenalizedSystem(terms, 0, n, this.threads);
        int q = terms.Sum(t => t.Size);
        eta = new double[n];
        mu = new double[n];
        working = new double[n];
        irlsWeights = new double[n];
        fixedPart = new double[n];
        u = new double[q];
        uSolved = new double[q];
        uCandidate = new double[q];
        b = new double[q];
        warmU = new double[q];
        stageOneU = new double[q];
        beta = new double[p];
        betaSolved = new double[p];
        betaCandidate = new double[p];
        warmBeta = new double[p];
        stageOneBeta = new double[p];
        uPrevious = new double[q];
        betaPrevious = new double[p];
        startPredictor = new double[n];
        rows = new RowState
        {
            RowCount = n, FixedEffectCount = p, X = x, Y = response.Y, Weights = response.Weights, Terms = terms,
            TermOffsets = modes.TermOffsets, B = b, FixedPart = fixedPart, Eta = eta, Mu = mu, IrlsWeights = irlsWeights,
            Working = working, Shift = terms.Count == 1 && terms[0].ColumnCount == 1 ? new double[n] : [],
        };
        rowPass = RowPass.For(family);
        bool scalarSingle = terms.Count == 1 && terms[0].ColumnCount == 1;
        fuse = scalarSingle;
        factorBlocks = new double[scalarSingle ? terms[0].LevelCount : 0];
        int groups = scalarSingle ? terms[0].LevelCount : 0;
        groupBase = new double[groups];
        groupShifted = new double[groups];
        groupMultiplier = new double[groups];
        groupScale = new double[groups];
    }

    /// <summary>The θ ↔ T mapping.</summary>
    public CovarianceParameterization Parameterization => parameterization;

    /// <summary>The system that solves for u alone (β as an offset).</summary>
    public PenalizedSystem ModesSystem => modes;

    /// <summary>Number of objective evaluations so far.</summary>
    public int Evaluations { get; set; }

    /// <summary>Number of PIRLS iterations so far (each: one pass over the rows to accumulate the weighted
    /// cross-products, one factorization, one pass to evaluate the new modes; a step-halving adds a pass).</summary>
    public int PirlsIterations { get; private set; }

    /// <summary>Evaluations at which PIRLS failed.</summary>
    public int FailedEvaluations { get; private set; }

    /// <summary>The current spherical conditional modes u (terms largest first, concatenated).</summary>
    public ReadOnlySpan<double> U => u;

    /// <summary>How the penalized systems store the random effects after the first term.</summary>
    public FactorStructure FactorStructure => modes.Layout.Structure.Description;

    /// <summary>The current β (the joint modes after stage one; the offset's β after stage two).</summary>
    public ReadOnlySpan<double> Beta => beta;

    /// <summary>η at the current modes.</summary>
    public ReadOnlySpan<double> LinearPredictor => eta;

    /// <summary>μ at the current modes.</summary>
    public ReadOnlySpan<double> Mean => mu;

    /// <summary>Σ deviance residuals at the current modes.</summary>
    public double DevianceResidualSum => deviationSum;

    /// <summary>The deviance to report at the current state (after an evaluation): the objective itself for
    /// Laplace; for quadrature the objective with Σ deviance residuals replaced by −2 log p(y | û) with every
    /// normalizing constant (a constant shift for binomial and Poisson).</summary>
    public double ReportedDeviance(double objectiveValue, int quadratureNodes) =>
        quadratureNodes <= 1 ? objectiveValue : objectiveValue - deviationSum + response.ConditionalDeviance(mu, deviationSum);

    /// <summary>Runs PIRLS at θ = 1 (T = I) with β inside, from R's starting means, as lme4 does before stage one:
    /// its linear predictor is where every stage-one evaluation starts.</summary>
    public void InitializeStageOne()
    {
        joint ??= new PenalizedSystem(terms, p, n, threads);
        var theta = parameterization.Start();
        bool ok = PirlsLme4(joint, true, theta, fromMuStart: true) || Pirls(joint, true, theta, fromStart: true);
        if (ok)
        {
            eta.CopyTo(startPredictor, 0);
            hasStartPredictor = true;
            u.CopyTo(warmU, 0);
            beta.CopyTo(warmBeta, 0);
            hasWarmJoint = true;
            // Every stage-one evaluation's first PIRLS step has the cross-products of this linear predictor: keep them
            // (when they are small next to the data) instead of recomputing them from the rows each time.
            var products = joint.Products;
            if (products.FirstBlocks.Length + products.FirstRest.Length + products.Rest.Length <= n + 4096
                && FromLinearPredictor(joint, jointMode: true))
            {
                stageOneBlocks = (double[])products.FirstBlocks.Clone();
                stageOneFirstRest = (double[])products.FirstRest.Clone();
                stageOneRest = (double[])products.Rest.Clone();
                hasStageOneStart = true;
            }
        }
    }

    /// <summary>True (the default) to run stage-one PIRLS exactly as lme4 does (needed when stage one is the fit,
    /// nAGQ = 0); false to run the exact PIRLS from the last modes, which is cheaper and serves when stage one only
    /// provides the start of stage two.</summary>
    public bool StageOneFollowsLme4 { get; set; } = true;

    /// <summary>Stage one: the Laplace deviance at θ with u and β both at their joint conditional modes. PIRLS starts
    /// from the stage's linear predictor and stops as lme4's does (see <see cref="PirlsLme4"/>), unless
    /// <see cref="StageOneFollowsLme4"/> is false; when that fails, the exact PIRLS from the last modes, then from R's
    /// starting means.</summary>
    public double StageOne(ReadOnlySpan<double> theta)
    {
        Evaluations++;
        joint ??= new PenalizedSystem(terms, p, n, threads);
        bool ok = StageOneFollowsLme4 && hasStartPredictor && PirlsLme4(joint, true, theta, fromMuStart: false);
        if (!ok && hasWarmJoint)
        {
            warmU.CopyTo(u, 0);
            warmBeta.CopyTo(beta, 0);
            ok = Pirls(joint, true, theta, fromStart: false);
        }
        if (!ok) ok = Pirls(joint, true, theta, fromStart: true);
        if (!ok)
        {
            FailedEvaluations++;
            return FailedEvaluation;
        }
        u.CopyTo(warmU, 0);
        beta.CopyTo(warmBeta, 0);
        hasWarmJoint = true;
        return LaplaceDeviance(joint);
    }

    /// <summary>Makes the current (stage-one) state the start of stage two: its linear predictor is where every
    /// stage-two evaluation starts (lme4's <c>lp0</c>), its modes the fallback start.</summary>
    public void KeepStageOneModes()
    {
        u.CopyTo(stageOneU, 0);
        beta.CopyTo(stageOneBeta, 0);
        u.CopyTo(warmU, 0);
        eta.CopyTo(startPredictor, 0);
        hasStartPredictor = true;
        hasStageOne = true;
        hasWarmModes = true;
        hasStageOneStart = false;
        if (fuse)
        {
            stageTwoStart ??= new StageTwoStart(terms[0].LevelCount, p);
            hasStageTwoStart = rowPass.StageTwoStartSums(rows, startPredictor, stageTwoStart);
        }
    }

    /// <summary>The number of PIRLS iterations lme4's schedule took in the last stage-two evaluation, or 0 when that
    /// evaluation fell back to the exact PIRLS.</summary>
    public int LastPirlsIterations { get; private set; }

    /// <summary>When positive, stage two's lme4 schedule runs exactly this many iterations instead of stopping by its
    /// relative-change test. lme4's objective is piecewise smooth: where the number of iterations its test lets PIRLS
    /// take changes, it jumps (by up to the test's 1e-7 relative, 2e-4 on a deviance of 1700). A Hessian by finite
    /// differences that straddles such a jump is wrong (a Gamma fit's slope SE came out 0.00326 or 0.00252 for
    /// 0.00244, depending on the step); with the count held at the optimum's, it is the Hessian of the smooth piece
    /// the optimum lies on, and equals lme4's function at the optimum.</summary>
    public int FixedPirlsIterations { get; set; }

    /// <summary>Sets the fallback start of the next stage-two evaluation to the given modes.</summary>
    public void SetWarmModes(ReadOnlySpan<double> modesStart)
    {
        modesStart.CopyTo(warmU);
        hasWarmModes = true;
    }

    /// <summary>Stage two: at θ and β, lme4's objective: the Laplace deviance (<paramref name="quadratureNodes"/> ≤ 1)
    /// or the adaptive Gauss–Hermite deviance with that many nodes (a single scalar random-effects term only), which
    /// lme4 computes from deviance residuals (see <see cref="ReportedDeviance"/>).</summary>
    public double StageTwo(ReadOnlySpan<double> theta, ReadOnlySpan<double> fixedEffects, int quadratureNodes)
    {
        Evaluations++;
        fixedEffects.CopyTo(beta);
        ComputeFixedPart();
        LastPirlsIterations = 0;
        bool ok = hasStartPredictor && PirlsLme4(modes, false, theta, fromMuStart: false);
        if (!ok && hasWarmModes)
        {
            warmU.CopyTo(u, 0);
            ok = Pirls(modes, false, theta, fromStart: false);
        }
        if (!ok && hasStageOne)
        {
            stageOneU.CopyTo(u, 0);
            ok = Pirls(modes, false, theta, fromStart: false);
        }
        if (!ok) ok = Pirls(modes, false, theta, fromStart: true);
        if (!ok)
        {
            FailedEvaluations++;
            return FailedEvaluation;
        }
        u.CopyTo(warmU, 0);
        hasWarmModes = true;
        if (quadratureNodes <= 1) return LaplaceDeviance(modes);
        double squaredLength = 0;
        foreach (var value in u) squaredLength += value * value;
        return deviationSum + squaredLength + modes.LogDeterminantRandom + QuadratureCorrection(theta, quadratureNodes);
    }

    /// <summary>At the current modes (after a stage-one or stage-two evaluation at <paramref name="theta"/>): Cov(β̂)/φ
    /// from the factor of the joint system with the current weights, lme4's RX-based covariance.</summary>
    public double[] RxCovariance(ReadOnlySpan<double> theta)
    {
        if (p == 0) return [];
        joint ??= new PenalizedSystem(terms, p, n, threads);
        // Only the weights matter for L_X; they are the ones at the current modes.
        joint.Products.Accumulate(x, working, irlsWeights);
        fusedFor = null;
        if (!joint.Factor(theta)) throw new InvalidOperationException("the GLMM system is not positive definite at the optimum");
        return joint.UnscaledFixedCovariance();
    }

    /// <summary>Per row at the current modes: the IRLS weight, the Pearson residual (y − μ)√(w/V(μ)) and the signed
    /// deviance residual.</summary>
    public (double[] Pearson, double[] Deviance) Residuals()
    {
        var pearson = new double[n];
        var deviance = new double[n];
        var y = response.Y;
        for (int i = 0; i < n; i++)
        {
            double w = response.Weights[i];
            pearson[i] = (y[i] - mu[i]) * Math.Sqrt(w / family.Variance(mu[i]));
            double d = family.DevianceResidual(y[i], mu[i], w);
            deviance[i] = Math.Sign(y[i] - mu[i]) * Math.Sqrt(Math.Max(0, d));
        }
        return (pearson, deviance);
    }

    /// <summary>The penalized deviance's conditional part at the current modes: −2 log p(y | û) with constants.</summary>
    public double ConditionalDeviance() => response.ConditionalDeviance(mu, deviationSum);

    /// <summary>The reported deviance by the quadrature formula with <paramref name="quadratureNodes"/> nodes, even for
    /// one node (where it must equal the Laplace deviance): a single scalar random-effects term only.</summary>
    internal double QuadratureDeviance(ReadOnlySpan<double> theta, ReadOnlySpan<double> fixedEffects, int quadratureNodes)
    {
        double laplace = StageTwo(theta, fixedEffects, 1);
        if (laplace >= FailedEvaluation) return laplace;
        double squaredLength = 0;
        foreach (var value in u) squaredLength += value * value;
        double objectiveValue = deviationSum + squaredLength + modes.LogDeterminantRandom + QuadratureCorrection(theta, quadratureNodes);
        return ReportedDeviance(objectiveValue, 2);
    }

    private double LaplaceDeviance(PenalizedSystem system)
    {
        double squaredLength = 0;
        foreach (var value in u) squaredLength += value * value;
        return response.ConditionalDeviance(mu, deviationSum) + squaredLength + system.LogDeterminantRandom;
    }

    /// <summary>PIRLS as lme4's <c>pwrssUpdate</c> runs it, so that the objective is the same function as lme4's:
    /// start from the stage's linear predictor (or R's starting means), take the full penalized least-squares solution
    /// at each iteration, halve toward the previous modes (at most 10 times) when the penalized deviance increases,
    /// and stop as soon as its relative change is below 1e-7. The factor (and log|L|²) then belongs to the previous
    /// iterate, not to the final modes, exactly as in lme4; for the Laplace approximation this changes the deviance by
    /// up to ~1e-3 and the Hessian-based standard errors by ~1% (cbpp), which is why lme4's numbers need it.</summary>
    private bool PirlsLme4(PenalizedSystem system, bool jointMode, ReadOnlySpan<double> theta, bool fromMuStart)
    {
        const double tolerance = 1e-7;
        for (int t = 0; t < terms.Count; t++) parameterization.FillFactor(theta, t, relativeFactors[t]);
        if (fromMuStart)
        {
            var start = response.MuStart;
            for (int i = 0; i < n; i++) eta[i] = link.Evaluate(start[i]);
            Array.Clear(u);
            if (jointMode) Array.Clear(beta);
        }
        else
        {
            if (hasStageOne) stageOneU.CopyTo(u, 0);
            else warmU.CopyTo(u, 0);
            if (jointMode) warmBeta.CopyTo(beta, 0);
        }
        // The first step needs only the cross-products of the start; the row arrays are rewritten by its evaluation.
        if (!fromMuStart && jointMode && hasStageOneStart)
        {
            stageOneBlocks!.CopyTo(system.Products.FirstBlocks, 0);
            stageOneFirstRest!.CopyTo(system.Products.FirstRest, 0);
            stageOneRest!.CopyTo(system.Products.Rest, 0);
            fusedFor = system.Products;
        }
        else if (!fromMuStart && !jointMode && hasStageTwoStart)
        {
            stageTwoStart!.Fill(system.Products, beta);
            fusedFor = system.Products;
        }
        else
        {
            if (!fromMuStart) startPredictor.CopyTo(eta, 0);
            if (!FromLinearPredictor(system, jointMode)) return false;
        }
        double previous = double.MaxValue;
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            PirlsIterations++;
            if (!Factor(system, jointMode, theta)) return false;
            u.CopyTo(uPrevious, 0);
            if (jointMode) beta.CopyTo(betaPrevious, 0);
            system.Solve(u, jointMode ? beta.AsSpan() : Span<double>.Empty);
            double current = EvaluateAt(u, beta, jointMode);
            bool done = !jointMode && FixedPirlsIterations > 0
                ? iteration + 1 >= FixedPirlsIterations
                : Math.Abs((previous - current) / current) < tolerance;
            if (double.IsFinite(current) && done)
            {
                if (!jointMode) LastPirlsIterations = iteration + 1;
                return true;
            }
            if (!double.IsFinite(current) || current > previous)
            {
                for (int halving = 0; halving < 10 && (!double.IsFinite(current) || current > previous); halving++)
                {
                    Interpolate(uPrevious, u, 0.5, u);
                    if (jointMode) Interpolate(betaPrevious, beta, 0.5, beta);
                    current = EvaluateAt(u, beta, jointMode);
                }
                if (!double.IsFinite(current) || current - previous > tolerance) return false;
            }
            previous = current;
        }
        return false;
    }

    private void ComputeFixedPart()
    {
        if (p == 0)
        {
            Array.Clear(fixedPart);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            double value = 0;
            var row = x.AsSpan(i * p, p);
            for (int j = 0; j < p; j++) value += row[j] * beta[j];
            fixedPart[i] = value;
        }
    }

    /// <summary>Runs PIRLS at θ. On entry <see cref="u"/> (and <see cref="beta"/> in joint mode) hold the start, unless
    /// <paramref name="fromStart"/>, which starts from R's initial means instead. True when it converged; the state
    /// (u, β, η, μ, the factor) then belongs to the modes.</summary>
    private bool Pirls(PenalizedSystem system, bool jointMode, ReadOnlySpan<double> theta, bool fromStart)
    {
        for (int t = 0; t < terms.Count; t++) parameterization.FillFactor(theta, t, relativeFactors[t]);
        double penalized;
        if (fromStart)
        {
            var start = response.MuStart;
            for (int i = 0; i < n; i++) eta[i] = link.Evaluate(start[i]);
            Array.Clear(u);
            if (jointMode) Array.Clear(beta);
            if (!FromLinearPredictor(system, jointMode)) return false;
            penalized = double.PositiveInfinity;
        }
        else
        {
            penalized = EvaluateAt(u, beta, jointMode);
            if (!double.IsFinite(penalized)) return false;
        }

        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            PirlsIterations++;
            if (!Factor(system, jointMode, theta)) return RestoreFailed(jointMode, fromStart && iteration == 0);
            system.Solve(uSolved, betaSolved);

            double fullStep = MaxChange(u, uSolved, 1.0);
            if (jointMode) fullStep = Math.Max(fullStep, MaxChange(beta, betaSolved, 1.0));
            if (!double.IsFinite(fullStep)) return RestoreFailed(jointMode, fromStart && iteration == 0);

            double step = 1;
            bool accepted = false;
            double candidate = double.PositiveInfinity;
            for (int halving = 0; halving <= MaxHalvings; halving++)
            {
                Interpolate(u, uSolved, step, uCandidate);
                if (jointMode) Interpolate(beta, betaSolved, step, betaCandidate);
                candidate = EvaluateAt(uCandidate, jointMode ? betaCandidate : beta, jointMode);
                if (double.IsFinite(candidate) && candidate <= penalized + 1e-11 * (1 + Math.Abs(penalized)))
                {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted)
            {
                // No decrease even for tiny steps: converged to rounding if the full step is already small.
                if (double.IsFinite(penalized)) EvaluateAt(u, beta, jointMode);
                return fullStep <= RoundingStepTolerance;
            }
            uCandidate.CopyTo(u, 0);
            if (jointMode) betaCandidate.CopyTo(beta, 0);
            double previous = penalized;
            penalized = candidate;
            if (fullStep <= StepTolerance) return true;
            if (step == 1 && fullStep <= RoundingStepTolerance && Math.Abs(previous - penalized) <= 1e-15 * Math.Abs(penalized))
                return true;
        }
        return false;
    }

    /// <summary>μ, weights and working response from the η in the state, with the fused accumulation when it applies.</summary>
    private bool FromLinearPredictor(PenalizedSystem system, bool jointMode)
    {
        var target = fuse ? system.Products : null;
        fusedFor = null;
        if (!rowPass.FromLinearPredictor(rows, jointMode, target)) return false;
        fusedFor = target;
        return true;
    }

    /// <summary>The weighted cross-products of the current state (unless the last row pass accumulated them already),
    /// then the factorization at θ. For one scalar term, the first term's blocks (Σ W z² per level) are kept as they
    /// were factored: quadrature needs the conditional SDs of that factor, as lme4 uses them.</summary>
    private bool Factor(PenalizedSystem system, bool jointMode, ReadOnlySpan<double> theta)
    {
        if (!ReferenceEquals(fusedFor, system.Products))
            system.Products.Accumulate(jointMode ? x : ReadOnlySpan<double>.Empty, working, irlsWeights);
        if (!jointMode && factorBlocks.Length > 0) system.Products.FirstBlocks.AsSpan(0, factorBlocks.Length).CopyTo(factorBlocks);
        return system.Factor(theta);
    }

    private bool RestoreFailed(bool jointMode, bool atStart)
    {
        if (!atStart) EvaluateAt(u, beta, jointMode);
        return false;
    }

    private static double MaxChange(ReadOnlySpan<double> from, ReadOnlySpan<double> to, double floor)
    {
        double worst = 0;
        for (int j = 0; j < from.Length; j++)
        {
            double change = Math.Abs(to[j] - from[j]) / Math.Max(floor, Math.Abs(to[j]));
            if (!(change <= worst)) worst = double.IsNaN(change) ? double.PositiveInfinity : change;
        }
        return worst;
    }

    private static void Interpolate(ReadOnlySpan<double> from, ReadOnlySpan<double> to, double step, Span<double> result)
    {
        if (step == 1)
        {
            to.CopyTo(result);
            return;
        }
        for (int j = 0; j < from.Length; j++) result[j] = from[j] + step * (to[j] - from[j]);
    }

    /// <summary>Sets η and μ at the given modes and returns the penalized deviance Σ deviance residuals + ‖u‖²
    /// (+∞ when η or μ leaves the family's range).</summary>
    private double EvaluateAt(ReadOnlySpan<double> modesU, ReadOnlySpan<double> fixedEffects, bool jointMode)
    {
        // b = Λ u, term by term.
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount, offset = modes.TermOffsets[t];
            var factor = relativeFactors[t];
            if (k == 1)
            {
                double scale = factor[0];
                for (int level = 0; level < term.LevelCount; level++) b[offset + level] = scale * modesU[offset + level];
                continue;
            }
            for (int level = 0; level < term.LevelCount; level++)
            {
                int baseIndex = offset + level * k;
                for (int a = 0; a < k; a++)
                {
                    double value = 0;
                    for (int c = 0; c <= a; c++) value += factor[a * k + c] * modesU[baseIndex + c];
                    b[baseIndex + a] = value;
                }
            }
        }

        var target = fuse ? (jointMode ? joint!.Products : modes.Products) : null;
        fusedFor = null;
        double deviance = rowPass.Evaluate(rows, fixedEffects, jointMode, target);
        if (!double.IsFinite(deviance)) return double.PositiveInfinity;
        fusedFor = target;
        deviationSum = deviance;
        double squaredLength = 0;
        foreach (var value in modesU) squaredLength += value * value;
        return deviance + squaredLength;
    }

    /// <summary>The adaptive Gauss–Hermite correction to the Laplace deviance for a single scalar term, at the
    /// converged modes: −2 Σⱼ log Σₖ wₖ exp(−(Dⱼ(ûⱼ + sⱼzₖ) − Dⱼ(ûⱼ))/2 + zₖ²/2), with Dⱼ(u) the group's deviance
    /// residuals plus u², sⱼ = 1/Lⱼⱼ its conditional standard deviation and (zₖ, wₖ) the rule for the standard normal.
    /// With one node (z = 0, w = 1) the correction is 0: the Laplace approximation. For binomial and Poisson the deviance
    /// residuals differ from −2 log p(y | u) by a constant, so the result is the integral with every constant; for Gamma
    /// the dispersion is taken as 1 inside the integral, as lme4 does.</summary>
    private double QuadratureCorrection(ReadOnlySpan<double> theta, int nodeCount)
    {
        var term = terms[0];
        int groups = term.LevelCount;
        double scale = theta[0];
        var firstBlocks = factorBlocks;
        var levelOfRow = term.LevelOfRow;
        var z = term.Z;
        var shift = rows.Shift;
        for (int j = 0; j < groups; j++)
        {
            groupScale[j] = 1 / Math.Sqrt(scale * scale * firstBlocks[j] + 1);
            groupBase[j] = u[j] * u[j];
        }
        for (int i = 0; i < n; i++) shift[i] = scale * z[i] * groupScale[levelOfRow[i]];
        rowPass.ShiftedDeviance(rows, 0, levelOfRow, groupBase);

        if (ruleNodes is null || ruleNodes.Length != nodeCount) (ruleNodes, ruleWeights) = GaussHermite.Rule(nodeCount);
        var nodes = ruleNodes;
        var nodeWeights = ruleWeights!;
        Array.Clear(groupMultiplier);
        for (int k = 0; k < nodes.Length; k++)
        {
            double node = nodes[k];
            if (node == 0)
            {
                for (int j = 0; j < groups; j++) groupMultiplier[j] += nodeWeights[k];
                continue;
            }
            for (int j = 0; j < groups; j++)
            {
                double shifted = u[j] + node * groupScale[j];
                groupShifted[j] = shifted * shifted;
            }
            rowPass.ShiftedDeviance(rows, node, levelOfRow, groupShifted);
            double half = 0.5 * node * node;
            for (int j = 0; j < groups; j++)
            {
                double exponent = -0.5 * (groupShifted[j] - groupBase[j]) + half;
                if (!double.IsNaN(exponent)) groupMultiplier[j] += nodeWeights[k] * Math.Exp(exponent);
            }
        }
        double correction = 0;
        for (int j = 0; j < groups; j++) correction -= 2 * Math.Log(groupMultiplier[j]);
        return correction;
    }
}
