using SparseLmm.Numerics;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Results;

namespace SparseLmm.Glmm;

/// <summary>The objectives of a GLMM fit, as lme4's <c>glmer</c> defines them.
/// <para><b>Stage one</b> (lme4's nAGQ = 0): a function of θ alone; PIRLS finds the joint conditional modes of u and β
/// and the value is the Laplace deviance there. <b>Stage two</b>: a function of (θ, β); PIRLS finds the conditional
/// modes of u with Xβ as an offset, and the value is the Laplace deviance or, for one scalar random-effects term, its
/// adaptive Gauss–Hermite refinement (<see cref="AdaptiveQuadrature"/>).</para>
/// <para><b>Laplace deviance</b> = −2 log p(y | û) (with every normalizing constant, as lme4's family <c>aic()</c>)
/// + ‖û‖² + log|L|², L the Cholesky factor of Λ'Z'WZΛ + I with the IRLS weights W.</para>
/// <para><b>PIRLS</b> (<see cref="PirlsState"/>): at the current modes compute the IRLS weights W = w (dμ/dη)²/V(μ) and
/// the working response z = η + (y − μ)/(dμ/dη) (minus the offset Xβ in stage two), accumulate the weighted
/// cross-products in one pass over the rows, factor at θ and solve the penalized least-squares problem. Every
/// evaluation runs lme4's schedule (<see cref="Lme4Pirls"/>) from the stage's start (<see cref="PirlsStarts"/>), and
/// the exact schedule (<see cref="ExactPirls"/>) from the last modes, then from R's starting means, when that fails.</para>
/// <para>Every buffer is allocated when the objective is created: no evaluation allocates.</para></summary>
internal sealed class GlmmObjective
{
    /// <summary>Returned for an evaluation that fails (a system that cannot be factored, PIRLS that does not converge):
    /// large but finite, so the optimiser's quadratic model stays usable.</summary>
    public const double FailedEvaluation = ProfiledDeviance.FailedEvaluation;

    private readonly PirlsState state;
    private readonly PirlsStarts starts;
    private readonly Lme4Pirls lme4;
    private readonly ExactPirls exact;
    private readonly AdaptiveQuadrature quadrature;

    /// <summary>Creates the objective for <paramref name="design"/> with <paramref name="terms"/> ordered largest first;
    /// a fired <paramref name="cancellation"/> stops any evaluation at its next PIRLS step. With
    /// <paramref name="streamedRows"/>, every PIRLS pass reads the rows from there (see <see cref="PirlsState"/>).</summary>
    public GlmmObjective(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, GlmmResponse response,
        ThreadBudget? threads = null, CancellationToken cancellation = default, StreamedRows? streamedRows = null)
    {
        state = new PirlsState(design, terms, response, threads, cancellation, streamedRows);
        starts = new PirlsStarts(state);
        lme4 = new Lme4Pirls(state);
        exact = new ExactPirls(state);
        quadrature = new AdaptiveQuadrature(state);
    }

    /// <summary>Whether the rows are streamed (no η, μ or residuals per row).</summary>
    public bool RowsStreamed => state.RowsStreamed;

    /// <summary>Passes over the streamed rows so far.</summary>
    public int Passes => state.Passes;

    /// <summary>Streamed rows: the Pearson sums at the current modes (see <see cref="PirlsState.PearsonSums"/>).</summary>
    public (double WeightedSquares, double ResidualSquares) PearsonSums() => state.PearsonSums();

    /// <summary>The θ ↔ T mapping.</summary>
    public CovarianceParameterization Parameterization => state.Parameterization;

    /// <summary>The system that solves for u alone (β as an offset).</summary>
    public PenalizedSystem ModesSystem => state.Modes;

    /// <summary>Number of objective evaluations so far.</summary>
    public int Evaluations { get; private set; }

    /// <summary>Number of PIRLS iterations so far (see <see cref="PirlsState.PirlsIterations"/>).</summary>
    public int PirlsIterations => state.PirlsIterations;

    /// <summary>Evaluations at which PIRLS failed.</summary>
    public int FailedEvaluations { get; private set; }

    /// <summary>The current spherical conditional modes u (terms largest first, concatenated).</summary>
    public ReadOnlySpan<double> U => state.U;

    /// <summary>How the penalized systems store the random effects after the first term.</summary>
    public FactorStructure FactorStructure => state.Modes.Layout.Structure.Description;

    /// <summary>The current β (the joint modes after stage one; the offset's β after stage two).</summary>
    public ReadOnlySpan<double> Beta => state.Beta;

    /// <summary>η at the current modes.</summary>
    public ReadOnlySpan<double> LinearPredictor => state.Eta;

    /// <summary>μ at the current modes.</summary>
    public ReadOnlySpan<double> Mean => state.Mu;

    /// <summary>The number of PIRLS iterations lme4's schedule took in the last evaluation (of either stage), or 0 when
    /// that evaluation fell back to the exact PIRLS.</summary>
    public int LastPirlsIterations { get; private set; }

    /// <summary>The deviance to report at the current state (after an evaluation): the objective itself for
    /// Laplace; for quadrature the objective with Σ deviance residuals replaced by −2 log p(y | û) with every
    /// normalizing constant (a constant shift for binomial and Poisson).</summary>
    public double ReportedDeviance(double objectiveValue, int quadratureNodes) =>
        quadratureNodes <= 1
            ? objectiveValue
            : objectiveValue - state.DevianceResidualSum + state.ConditionalDeviance();

    /// <summary>Runs PIRLS at θ = 1 (T = I) with β inside, from R's starting means, as lme4 does before stage one:
    /// its linear predictor is where every stage-one evaluation starts.</summary>
    public void InitializeStageOne()
    {
        var joint = state.Joint;
        var theta = state.Parameterization.Start();
        bool ok = (starts.PrepareLme4(joint, jointMode: true, fromMeanStart: true) && lme4.Run(joint, true, theta, 0, out _))
            || exact.Run(joint, true, theta, fromMeanStart: true);
        if (ok) starts.KeepInitial(joint);
    }

    /// <summary>Stage one: the Laplace deviance at θ with u and β both at their joint conditional modes. With
    /// <paramref name="fixedPirlsIterations"/> positive, lme4's schedule runs exactly that many iterations, for the same
    /// reason as in <see cref="StageTwo"/>: the check of a stage-one optimum differences the smooth piece it lies on.</summary>
    public double StageOne(ReadOnlySpan<double> theta, int fixedPirlsIterations = 0)
    {
        Evaluations++;
        var joint = state.Joint;
        int iterations = 0;
        bool ok = starts.HasStartPredictor && starts.PrepareLme4(joint, jointMode: true, fromMeanStart: false)
            && lme4.Run(joint, true, theta, fixedPirlsIterations, out iterations);
        LastPirlsIterations = iterations;
        if (!ok && starts.PrepareWarm(jointMode: true)) ok = exact.Run(joint, true, theta, fromMeanStart: false);
        if (!ok) ok = exact.Run(joint, true, theta, fromMeanStart: true);
        if (!ok)
        {
            FailedEvaluations++;
            return FailedEvaluation;
        }
        starts.KeepWarmJoint();
        return state.LaplaceDeviance(joint);
    }

    /// <summary>Makes the current (stage-one) state the start of stage two: its linear predictor is where every
    /// stage-two evaluation starts (lme4's <c>lp0</c>), its modes the fallback start.</summary>
    public void KeepStageOneModes() => starts.KeepStageOne();

    /// <summary>Stage two: at θ and β, lme4's objective: the Laplace deviance (<paramref name="quadratureNodes"/> ≤ 1)
    /// or the adaptive Gauss–Hermite deviance with that many nodes (a single scalar random-effects term only), which
    /// lme4 computes from deviance residuals (see <see cref="ReportedDeviance"/>).
    /// <para>With <paramref name="fixedPirlsIterations"/> positive, lme4's schedule runs exactly that many iterations
    /// instead of stopping by its relative-change test. lme4's objective is piecewise smooth: where the number of
    /// iterations its test lets PIRLS take changes, it jumps (by up to the test's 1e-7 relative, 2e-4 on a deviance of
    /// 1700). A Hessian by finite differences that straddles such a jump is wrong (a Gamma fit's slope SE came out
    /// 0.00326 or 0.00252 for 0.00244, depending on the step); with the count held at the optimum's
    /// (<see cref="LastPirlsIterations"/>), it is the Hessian of the smooth piece the optimum lies on, and equals lme4's
    /// function at the optimum.</para></summary>
    public double StageTwo(ReadOnlySpan<double> theta, ReadOnlySpan<double> fixedEffects, int quadratureNodes,
        int fixedPirlsIterations = 0)
    {
        Evaluations++;
        var modes = state.Modes;
        fixedEffects.CopyTo(state.Beta);
        state.ComputeFixedPart();
        int iterations = 0;
        bool ok = starts.HasStartPredictor && starts.PrepareLme4(modes, jointMode: false, fromMeanStart: false)
            && lme4.Run(modes, false, theta, fixedPirlsIterations, out iterations);
        LastPirlsIterations = iterations;
        if (!ok && starts.PrepareWarm(jointMode: false)) ok = exact.Run(modes, false, theta, fromMeanStart: false);
        if (!ok && starts.PrepareStageOneModes()) ok = exact.Run(modes, false, theta, fromMeanStart: false);
        if (!ok) ok = exact.Run(modes, false, theta, fromMeanStart: true);
        if (!ok)
        {
            FailedEvaluations++;
            return FailedEvaluation;
        }
        starts.KeepWarmModes();
        if (quadratureNodes <= 1) return state.LaplaceDeviance(modes);
        return state.DevianceResidualSum + PirlsState.SquaredLength(state.U) + modes.LogDeterminantRandom
            + quadrature.Correction(theta, quadratureNodes);
    }

    /// <summary>At the current modes (after a stage-one or stage-two evaluation at <paramref name="theta"/>): Cov(β̂)/φ
    /// from the factor of the joint system with the current weights, lme4's RX-based covariance.</summary>
    public double[] RxCovariance(ReadOnlySpan<double> theta) => state.JointFixedCovariance(theta);

    /// <summary>Per row at the current modes: the Pearson residual (y − μ)√(w/V(μ)) and the signed deviance residual.</summary>
    public (double[] Pearson, double[] Deviance) Residuals()
    {
        int n = state.RowCount;
        var response = state.Response;
        var family = response.Family;
        var pearson = new double[n];
        var deviance = new double[n];
        var y = response.Y;
        var mu = state.Mu;
        for (int i = 0; i < n; i++)
        {
            double w = response.Weights[i];
            pearson[i] = (y[i] - mu[i]) * Math.Sqrt(w / family.Variance(mu[i]));
            double d = family.DevianceResidual(y[i], mu[i], w);
            deviance[i] = Math.Sign(y[i] - mu[i]) * Math.Sqrt(Math.Max(0, d));
        }
        return (pearson, deviance);
    }
}
