using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Glmm;
using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>One Markov chain for a binomial (logit) or Poisson (log) GLMM, whose posterior
/// p(θ, β, u | y) ∝ p(θ) p(y | η) φ(u), η = Xβ + ZΛ(θ)u, has no closed-form conditionals.
/// <para>The chain runs in coordinates the Laplace approximation whitens: (β, u) = m(θ) + L(θ)⁻ᵀ z, with m(θ) PIRLS's
/// joint mode at θ and L(θ) the factor of Λ'Z'WZΛ + I with X carried along at the mode (the model's own sparse or
/// dense system; W the IRLS weights, for these canonical links the observed information), so (β, u) given θ is
/// one shifted solve L'x = c + z through the factor. In (θ, z) the target is
/// π̃(θ, z) = p(θ, m + L⁻ᵀz | y) / |L(θ)|, which is p(θ | y) N(z; 0, I) exactly when the Laplace approximation is.
/// Each iteration makes Metropolis–Hastings moves of two kinds: θ' = θ + a random-walk step (in log θ for the diagonal
/// of each T) with z kept, so (β, u) follow θ through m and L; then, <see cref="ShiftMoves"/> times, z' = ρz + √(1 − ρ²) ε
/// at fixed θ (preconditioned Crank–Nicolson, reversible with respect to N(0, I)), with ρ = 0 an independence draw
/// from the Laplace proposal. Every move accepts by the exact posterior (log ratio w(θ', z') − w(θ, z),
/// w = log π̃ + ½‖z‖²), so the draws are exact however good the Laplace approximation is; its quality decides only
/// how often moves are accepted.</para>
/// <para>Why this and not Pólya–Gamma Gibbs: one scheme for both families (PG augmentation exists for the logit
/// only), no per-trial augmentation (a PG(n, η) draw costs O(n), and cbpp's herds have up to 34 trials), and θ moves
/// with (β, u) carried along in whitened coordinates instead of the Gibbs sweep ω → θ → (β, u), whose θ and intercept
/// mix slowly when the data are informative. Why ρ adapts instead of independence draws always: on cbpp ρ settles
/// at 0 (about 60% of the independence draws of the 19 (β, u) accepted), but the share falls with the number of
/// random effects and with a poorer Laplace approximation, and there the pCN move keeps moving by shorter steps.</para>
/// <para>The random walk's directions are the axes (step 0.5) for the first half of the warmup, then the Cholesky
/// factor of the covariance of the warmup's second quarter; its length, and √(1 − ρ²), adapt toward the acceptance
/// rates <see cref="ThetaAcceptance"/> and <see cref="ShiftAcceptance"/> through the warmup and are then fixed. PIRLS
/// converges to a step of 1e-10, so m(θ) and L(θ) are functions of θ to that precision whatever PIRLS starts from (the
/// last modes). Every buffer is allocated here, once; one chain per thread.</para></summary>
internal sealed class GeneralizedChain
{
    private const double InitialStep = 0.5;
    // z moves per iteration: they reuse the factor at θ (a solve and a pass over the rows each, no PIRLS), so three
    // cost less than the θ move and bring the fixed and random effects' ESS from about a third of the draws to most.
    private const int ShiftMoves = 3;
    private const double ThetaAcceptance = 0.4;
    private const double ShiftAcceptance = 0.3;

    // The map at the current θ and the one a θ move is tried with; swapped when the move is accepted, so z moves at
    // the current θ need no PIRLS.
    private LaplaceMap current, candidateMap;
    private readonly CovariancePriorDensity prior;
    private readonly CovarianceParameterization parameterization;
    private readonly FixedEffectScaling coordinates;
    private readonly ParameterLayout parameters;
    private readonly RandomStream random;
    private readonly int dimension;
    private readonly double[] phi, phiCandidate, theta, thetaCandidate, directions, normals;
    private readonly double[] u, beta, uCandidate, betaCandidate, z, zCandidate, betaOriginal;
    private double logStep = Math.Log(InitialStep);
    // √(1 − ρ²) of the z move, through its logit so that it stays in (0, 1].
    private double shiftLogit = 2;
    private double logWeight;
    // log p(θ) + the log Jacobian of log θ at the current θ.
    private double logPrior;

    /// <summary>A chain over <paramref name="design"/> (X in <paramref name="coordinates"/>' centred coordinates),
    /// <paramref name="terms"/> most levels first, started at <paramref name="start"/>.</summary>
    public GeneralizedChain(ModelDesign design, FixedEffectScaling coordinates, IReadOnlyList<RandomEffectsDesign> terms,
        GlmmResponse response, McmcPrior priorKind, ParameterLayout parameters, ReadOnlySpan<double> start, RandomStream random,
        ThreadBudget threads)
    {
        current = new LaplaceMap(design, terms, response, threads);
        candidateMap = new LaplaceMap(design, terms, response, threads);
        parameterization = current.Parameterization;
        prior = new CovariancePriorDensity(priorKind, parameterization);
        this.coordinates = coordinates;
        this.parameters = parameters;
        this.random = random;
        dimension = start.Length;
        theta = start.ToArray();
        thetaCandidate = new double[dimension];
        phi = new double[dimension];
        phiCandidate = new double[dimension];
        for (int j = 0; j < dimension; j++) phi[j] = parameterization.IsDiagonal(j) ? Math.Log(theta[j]) : theta[j];
        directions = new double[dimension * dimension];
        for (int j = 0; j < dimension; j++) directions[j * dimension + j] = 1;
        normals = new double[dimension];
        int q = terms.Sum(t => t.Size), p = design.FixedEffectCount;
        u = new double[q];
        uCandidate = new double[q];
        beta = new double[p];
        betaCandidate = new double[p];
        betaOriginal = new double[p];
        z = new double[q + p];
        zCandidate = new double[q + p];
        for (int i = 0; i < z.Length; i++) z[i] = random.Normal();
        logPrior = LogPrior(theta);
        if (double.IsNegativeInfinity(logPrior) || !current.Build(theta, null))
            throw new InputException("MCMC could not start: PIRLS failed at the starting covariance parameters");
        logWeight = logPrior + current.Weight(z, u, beta);
        if (double.IsNegativeInfinity(logWeight))
            throw new InputException("MCMC could not start: the linear predictor left the family's range at the starting values");
    }

    /// <summary>Moves proposed after the warmup (one θ and <see cref="ShiftMoves"/> z moves per draw).</summary>
    public int Proposed { get; private set; }

    /// <summary>Moves accepted after the warmup.</summary>
    public int Accepted { get; private set; }

    /// <summary>Runs <paramref name="warmup"/> iterations, then <paramref name="draws"/> whose parameters (in
    /// <see cref="ParameterLayout"/> order) fill <paramref name="output"/>, draws × parameters, row-major; stopped by
    /// <paramref name="cancellation"/>, looked at before every iteration.</summary>
    public void Run(int warmup, int draws, double[] output, CancellationToken cancellation = default)
    {
        var history = new double[Math.Max(warmup, 1) * dimension];
        int adaptAt = warmup / 2, from = warmup / 4;
        for (int iteration = 0; iteration < warmup; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (iteration == adaptAt && adaptAt - from > 2 * dimension + 10)
                Adapt(history.AsSpan(from * dimension, (adaptAt - from) * dimension));
            // Robbins–Monro on the log step length and the logit of the shift, decaying so that the warmup settles them.
            double gain = 1 / Math.Pow(iteration + 1, 0.6);
            logStep += gain * ((MoveTheta() ? 1 : 0) - ThetaAcceptance);
            // Capped at an independence draw (ρ = 0): beyond it a larger "step" is the same move.
            for (int move = 0; move < ShiftMoves; move++)
                shiftLogit = Math.Min(shiftLogit + gain * ((MoveShift() ? 1 : 0) - ShiftAcceptance), 10);
            phi.CopyTo(history, iteration * dimension);
        }
        for (int draw = 0; draw < draws; draw++)
        {
            cancellation.ThrowIfCancellationRequested();
            Proposed += 1 + ShiftMoves;
            if (MoveTheta()) Accepted++;
            for (int move = 0; move < ShiftMoves; move++)
                if (MoveShift()) Accepted++;
            coordinates.ToOriginal(beta, betaOriginal);
            parameters.Fill(theta, 1, betaOriginal, u, output.AsSpan(draw * parameters.Count, parameters.Count));
        }
    }

    /// <summary>The random-walk move of θ with z kept; true when accepted.</summary>
    private bool MoveTheta()
    {
        for (int j = 0; j < dimension; j++) normals[j] = random.Normal();
        double step = Math.Exp(logStep);
        for (int j = 0; j < dimension; j++)
        {
            double move = 0;
            for (int k = 0; k <= j; k++) move += directions[j * dimension + k] * normals[k];
            phiCandidate[j] = phi[j] + step * move;
            thetaCandidate[j] = parameterization.IsDiagonal(j) ? Math.Exp(phiCandidate[j]) : phiCandidate[j];
        }
        double candidatePrior = LogPrior(thetaCandidate);
        double candidate = double.IsNegativeInfinity(candidatePrior) || !candidateMap.Build(thetaCandidate, current)
            ? double.NegativeInfinity
            : candidatePrior + candidateMap.Weight(z, uCandidate, betaCandidate);
        if (!Accept(candidate)) return false;
        (current, candidateMap) = (candidateMap, current);
        logPrior = candidatePrior;
        phiCandidate.CopyTo(phi, 0);
        thetaCandidate.CopyTo(theta, 0);
        return true;
    }

    /// <summary>The preconditioned Crank–Nicolson move of z at θ, against the current map's factor; true when
    /// accepted.</summary>
    private bool MoveShift()
    {
        double shift = 1 / (1 + Math.Exp(-shiftLogit));
        double keep = Math.Sqrt(Math.Max(0, 1 - shift * shift));
        for (int i = 0; i < z.Length; i++) zCandidate[i] = keep * z[i] + shift * random.Normal();
        if (!Accept(logPrior + current.Weight(zCandidate, uCandidate, betaCandidate))) return false;
        zCandidate.CopyTo(z, 0);
        return true;
    }

    /// <summary>The Metropolis–Hastings decision for a candidate of log weight <paramref name="candidate"/>; on
    /// acceptance the state takes its weight and (β, u).</summary>
    private bool Accept(double candidate)
    {
        if (!(Math.Log(random.Uniform()) < candidate - logWeight)) return false;
        logWeight = candidate;
        uCandidate.CopyTo(u, 0);
        betaCandidate.CopyTo(beta, 0);
        return true;
    }

    /// <summary>log p(θ) + Σ log θ_jj over the diagonal (the Jacobian of the walk's log θ); −∞ outside the support.</summary>
    private double LogPrior(ReadOnlySpan<double> at)
    {
        double value = prior.LogDensity(at);
        if (double.IsNegativeInfinity(value)) return value;
        for (int j = 0; j < dimension; j++)
            if (parameterization.IsDiagonal(j)) value += Math.Log(at[j]);
        return double.IsFinite(value) ? value : double.NegativeInfinity;
    }

    /// <summary>Directions from the covariance of the warmup history of log θ (rows of <paramref name="history"/>),
    /// scaled by 2.38/√d (Roberts and Rosenthal's optimal random-walk scale), the step length reset to 1.</summary>
    private void Adapt(ReadOnlySpan<double> history)
    {
        int count = history.Length / dimension;
        var mean = new double[dimension];
        for (int i = 0; i < count; i++)
            for (int a = 0; a < dimension; a++) mean[a] += history[i * dimension + a] / count;
        var covariance = new double[dimension * dimension];
        for (int i = 0; i < count; i++)
            for (int a = 0; a < dimension; a++)
                for (int b = 0; b <= a; b++)
                    covariance[a * dimension + b] += (history[i * dimension + a] - mean[a]) * (history[i * dimension + b] - mean[b]) / (count - 1);
        for (int a = 0; a < dimension; a++)
            if (!(covariance[a * dimension + a] > 0)) return;
        var factor = (double[])covariance.Clone();
        bool positive = SmallMatrix.Cholesky(factor, dimension);
        double optimal = 2.38 / Math.Sqrt(dimension);
        for (int a = 0; a < dimension; a++)
            for (int b = 0; b < dimension; b++)
                directions[a * dimension + b] = optimal * (positive
                    ? (b <= a ? factor[a * dimension + b] : 0)
                    : (a == b ? Math.Sqrt(covariance[a * dimension + a]) : 0));
        logStep = 0;
    }
}
