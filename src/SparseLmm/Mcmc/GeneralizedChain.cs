using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Glmm;
using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>One Markov chain for a binomial (logit) or Poisson (log) GLMM, whose posterior
/// p(θ, β, u | y) ∝ p(θ) p(y | η) φ(u), η = Xβ + ZΛ(θ)u, has no closed-form conditionals.
/// <para>The chain runs in coordinates a Gaussian approximation whitens: (β, u) = m(θ) + L(θ)⁻ᵀ z through
/// <see cref="LaplaceMap"/> (the GLMM linearized once at the fit's modes: L(θ) the factor of Λ'Z'WZΛ + I with X
/// carried along, m(θ) the weighted least-squares solution, one factorization per θ and no PIRLS). In (θ, z) the
/// target is π̃(θ, z) = p(θ, m + L⁻ᵀz | y) / |L(θ)|, which is p(θ | y) N(z; 0, I) exactly when the approximation
/// is. Each iteration makes Metropolis–Hastings moves with z kept, so (β, u) follow θ through m and L: once the warmup
/// has adapted it, an independence move of log θ from a multivariate t around the warmup's mean and covariance
/// (where the approximation holds, θ's moves then sample its marginal posterior almost independently, as the LMM
/// sampler's do), and a random-walk move of log θ (the diagonal of each T; off-diagonal entries as they are). Then
/// moves of z at fixed θ: <see cref="IndependentShiftMoves"/> independence draws of z from a multivariate t (or, while
/// they are accepted too rarely, preconditioned Crank–Nicolson moves z' = ρz + √(1 − ρ²) ε whose √(1 − ρ²) adapts),
/// and one short pCN move (√(1 − ρ²) = <see cref="LocalShift"/>), which leaves a point where the approximation's
/// tails are lighter than the posterior's: independence draws alone stick there for hundreds of iterations (seen on
/// cbpp's period4). Every move accepts by the exact posterior (log ratio w(θ', z') − w(θ, z),
/// w = log π̃ + ½‖z‖², with the proposal densities' ratio for the independence moves), so the draws are exact however
/// good the approximation is; its quality decides only how often moves are accepted.</para>
/// <para>Why this and not Pólya–Gamma Gibbs: one scheme for both families (PG augmentation exists for the logit
/// only), no per-trial augmentation (a PG(n, η) draw costs O(n), and cbpp's herds have up to 34 trials), and θ moves
/// with (β, u) carried along in whitened coordinates instead of the Gibbs sweep ω → θ → (β, u), whose θ and intercept
/// mix slowly when the data are informative. Why a map linearized once and not PIRLS to the mode at every θ: it
/// costs a quarter as much per iteration (one factorization of fixed cross-products against PIRLS's 4–5 passes and
/// factorizations) for the same acceptance on cbpp (58% against 59%), and it is a function of θ alone, which exactness
/// needs (a PIRLS stopped early from the chain's last mode would not be).</para>
/// <para>The random walk's directions are the axes (step 0.5) for the first half of the warmup, then the Cholesky
/// factor of the covariance of the warmup's second quarter, which also sets the independence proposal (refined at
/// three quarters from the second and third quarters); the step length, and √(1 − ρ²), adapt toward the acceptance
/// rates <see cref="ThetaAcceptance"/> and <see cref="ShiftAcceptance"/> through the warmup and are then fixed. Every
/// buffer is allocated here, once; one chain per thread.</para></summary>
internal sealed class GeneralizedChain
{
    private const double InitialStep = 0.5;
    // Independence (or adapted pCN) moves of z per iteration, plus one short pCN move: they reuse the factor at θ (a
    // solve and a pass over the rows each), and bring the fixed and random effects' ESS to about half the draws.
    private const int IndependentShiftMoves = 2;
    private const double LocalShift = 0.3;
    private const double ThetaAcceptance = 0.4;
    private const double ShiftAcceptance = 0.3;
    // The logit of √(1 − ρ²) is capped here: at the cap the z move is the independence draw from the t.
    private const double ShiftCap = 10;
    // Degrees of freedom of the independence proposals: tails heavier than the Gaussian's, so the weights p/q stay
    // bounded where the posterior's tails are a little heavier than the approximation's.
    private const double ThetaDegrees = 5;
    private const double ShiftDegrees = 10;
    // The θ proposal's scale over the warmup's SD: a little wider, for the same reason.
    private const double ThetaProposalScale = 1.2;

    // The map at the current θ and the one a θ move is tried with; swapped when the move is accepted, so z moves at
    // the current θ need no factorization.
    private LaplaceMap current, candidateMap;
    private readonly CovariancePriorDensity prior;
    private readonly CovarianceParameterization parameterization;
    private readonly FixedEffectScaling coordinates;
    private readonly ParameterLayout parameters;
    private readonly RandomStream random;
    private readonly int dimension;
    private readonly double[] phi, phiCandidate, theta, thetaCandidate, directions, normals;
    // The independence proposal of log θ: the warmup's mean and the Cholesky factor of its covariance (times
    // ThetaProposalScale); used once the warmup has set it.
    private readonly double[] proposalMean, proposalFactor;
    private bool independent;
    private readonly double[] u, beta, uCandidate, betaCandidate, z, zCandidate, betaOriginal;
    private double logStep = Math.Log(InitialStep);
    // √(1 − ρ²) of the adapted z move, through its logit so that it stays in (0, 1].
    private double shiftLogit = 2;
    private double logWeight;
    // log p(θ) + the log Jacobian of log θ at the current θ.
    private double logPrior;

    /// <summary>A chain over <paramref name="design"/> (X in <paramref name="coordinates"/>' centred coordinates),
    /// <paramref name="terms"/> most levels first, started at <paramref name="start"/>.</summary>
    public GeneralizedChain(ModelDesign design, FixedEffectScaling coordinates, IReadOnlyList<RandomEffectsDesign> terms,
        GlmmResponse response, McmcPrior priorKind, ParameterLayout parameters, ReadOnlySpan<double> anchor, ReadOnlySpan<double> start,
        RandomStream random, ThreadBudget threads)
    {
        current = new LaplaceMap(design, terms, response, anchor, threads);
        candidateMap = new LaplaceMap(design, terms, response, anchor, threads);
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
        proposalMean = new double[dimension];
        proposalFactor = new double[dimension * dimension];
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
        if (double.IsNegativeInfinity(logPrior) || !current.Build(theta))
            throw new InputException("MCMC could not start: the system is not positive definite at the starting covariance parameters");
        logWeight = logPrior + current.Weight(z, u, beta);
        if (double.IsNegativeInfinity(logWeight))
            throw new InputException("MCMC could not start: the linear predictor left the family's range at the starting values");
    }

    /// <summary>Moves proposed after the warmup.</summary>
    public int Proposed { get; private set; }

    /// <summary>Moves accepted after the warmup.</summary>
    public int Accepted { get; private set; }

    /// <summary>Runs <paramref name="warmup"/> iterations, then <paramref name="draws"/> whose parameters (in
    /// <see cref="ParameterLayout"/> order) fill <paramref name="output"/>, draws × parameters, row-major; stopped by
    /// <paramref name="cancellation"/>, looked at before every iteration.</summary>
    public void Run(int warmup, int draws, double[] output, CancellationToken cancellation = default)
    {
        var history = new double[Math.Max(warmup, 1) * dimension];
        int adaptAt = warmup / 2, from = warmup / 4, refineAt = 3 * warmup / 4;
        for (int iteration = 0; iteration < warmup; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (iteration == adaptAt && adaptAt - from > 2 * dimension + 10)
                Adapt(history.AsSpan(from * dimension, (adaptAt - from) * dimension), directionsToo: true);
            if (iteration == refineAt && independent)
                Adapt(history.AsSpan(from * dimension, (refineAt - from) * dimension), directionsToo: false);
            // Robbins–Monro on the log step length and the logit of the shift, decaying so that the warmup settles them.
            Iterate(1 / Math.Pow(iteration + 1, 0.6));
            phi.CopyTo(history, iteration * dimension);
        }
        for (int draw = 0; draw < draws; draw++)
        {
            cancellation.ThrowIfCancellationRequested();
            Iterate(0);
            coordinates.ToOriginal(beta, betaOriginal);
            parameters.Fill(theta, 1, betaOriginal, u, output.AsSpan(draw * parameters.Count, parameters.Count));
        }
    }

    /// <summary>One iteration's moves; with a positive <paramref name="gain"/> (the warmup) the random walk's step and
    /// the z move's shift adapt by it, with 0 (the draws) the moves are counted.</summary>
    private void Iterate(double gain)
    {
        if (independent) Count(MoveThetaIndependently(), gain);
        bool moved = MoveTheta();
        Count(moved, gain);
        logStep += gain * ((moved ? 1 : 0) - ThetaAcceptance);
        for (int move = 0; move < IndependentShiftMoves; move++)
        {
            moved = MoveShift(shiftLogit);
            Count(moved, gain);
            shiftLogit = Math.Min(shiftLogit + gain * ((moved ? 1 : 0) - ShiftAcceptance), ShiftCap);
        }
        Count(MoveShift(LocalShiftLogit), gain);
    }

    private static readonly double LocalShiftLogit = Math.Log(LocalShift / (1 - LocalShift));

    private void Count(bool accepted, double gain)
    {
        if (gain > 0) return;
        Proposed++;
        if (accepted) Accepted++;
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
        }
        return TryTheta(0);
    }

    /// <summary>The independence move of θ with z kept: log θ' from the t proposal; true when accepted.</summary>
    private bool MoveThetaIndependently()
    {
        double scale = Math.Sqrt(ThetaDegrees / (2 * random.Gamma(ThetaDegrees / 2)));
        for (int j = 0; j < dimension; j++) normals[j] = scale * random.Normal();
        for (int j = 0; j < dimension; j++)
        {
            double move = 0;
            for (int k = 0; k <= j; k++) move += proposalFactor[j * dimension + k] * normals[k];
            phiCandidate[j] = proposalMean[j] + move;
        }
        // Metropolis–Hastings: the proposal's density at the current point over that at the candidate.
        return TryTheta(ThetaProposalLogDensity(phi) - ThetaProposalLogDensity(phiCandidate));
    }

    /// <summary>Accepts or rejects the θ of the coordinates in phiCandidate with z kept, the log proposal ratio
    /// <paramref name="correction"/> added; on acceptance the candidate's map becomes the current one.</summary>
    private bool TryTheta(double correction)
    {
        for (int j = 0; j < dimension; j++)
            thetaCandidate[j] = parameterization.IsDiagonal(j) ? Math.Exp(phiCandidate[j]) : phiCandidate[j];
        double candidatePrior = LogPrior(thetaCandidate);
        double candidate = double.IsNegativeInfinity(candidatePrior) || !candidateMap.Build(thetaCandidate)
            ? double.NegativeInfinity
            : candidatePrior + candidateMap.Weight(z, uCandidate, betaCandidate);
        if (!Accept(candidate, correction)) return false;
        (current, candidateMap) = (candidateMap, current);
        logPrior = candidatePrior;
        phiCandidate.CopyTo(phi, 0);
        thetaCandidate.CopyTo(theta, 0);
        return true;
    }

    /// <summary>log q(φ) + constant of the θ proposal's t.</summary>
    private double ThetaProposalLogDensity(ReadOnlySpan<double> point)
    {
        Span<double> standard = stackalloc double[dimension];
        for (int j = 0; j < dimension; j++) standard[j] = point[j] - proposalMean[j];
        SmallMatrix.SolveLower(proposalFactor, dimension, standard);
        double distance = 0;
        foreach (double value in standard) distance += value * value;
        return -(ThetaDegrees + dimension) / 2 * Math.Log(1 + distance / ThetaDegrees);
    }

    /// <summary>A move of z at θ against the current map's factor, of shift √(1 − ρ²) = logistic(<paramref name="logit"/>):
    /// at <see cref="ShiftCap"/> the independence draw from the multivariate t, below it preconditioned Crank–Nicolson
    /// (reversible with respect to N(0, I)); true when accepted.</summary>
    private bool MoveShift(double logit)
    {
        double correction = 0;
        if (logit >= ShiftCap)
        {
            double scale = Math.Sqrt(ShiftDegrees / (2 * random.Gamma(ShiftDegrees / 2)));
            for (int i = 0; i < z.Length; i++) zCandidate[i] = scale * random.Normal();
            // The weights carry N(z)'s ½‖z‖² (pCN's reference measure): the t's ratio is against it.
            correction = ShiftLogRatio(z) - ShiftLogRatio(zCandidate);
        }
        else
        {
            double shift = 1 / (1 + Math.Exp(-logit));
            double keep = Math.Sqrt(Math.Max(0, 1 - shift * shift));
            for (int i = 0; i < z.Length; i++) zCandidate[i] = keep * z[i] + shift * random.Normal();
        }
        if (!Accept(logPrior + current.Weight(zCandidate, uCandidate, betaCandidate), correction)) return false;
        zCandidate.CopyTo(z, 0);
        return true;
    }

    /// <summary>log t(z) − log N(z; 0, I) + constant, of the z proposal's t.</summary>
    private static double ShiftLogRatio(ReadOnlySpan<double> at)
    {
        double squares = 0;
        foreach (double value in at) squares += value * value;
        return -(ShiftDegrees + at.Length) / 2 * Math.Log(1 + squares / ShiftDegrees) + 0.5 * squares;
    }

    /// <summary>The Metropolis–Hastings decision for a candidate of log weight <paramref name="candidate"/>, the log
    /// proposal ratio <paramref name="correction"/> added; on acceptance the state takes its weight and (β, u).</summary>
    private bool Accept(double candidate, double correction)
    {
        if (!(Math.Log(random.Uniform()) < candidate - logWeight + correction)) return false;
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

    /// <summary>From the mean and covariance of the warmup history of log θ (rows of <paramref name="history"/>): the
    /// independence proposal (where the covariance is positive definite) and, with <paramref name="directionsToo"/>,
    /// the random walk's directions, the covariance's Cholesky factor scaled by 2.38/√d (Roberts and Rosenthal's
    /// optimal random-walk scale), the step length reset to 1.</summary>
    private void Adapt(ReadOnlySpan<double> history, bool directionsToo)
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
        if (positive)
        {
            mean.CopyTo(proposalMean, 0);
            for (int a = 0; a < factor.Length; a++) proposalFactor[a] = ThetaProposalScale * factor[a];
            for (int a = 0; a < dimension; a++)
                for (int b = a + 1; b < dimension; b++) proposalFactor[a * dimension + b] = 0;
            independent = true;
        }
        if (!directionsToo) return;
        double optimal = 2.38 / Math.Sqrt(dimension);
        for (int a = 0; a < dimension; a++)
            for (int b = 0; b < dimension; b++)
                directions[a * dimension + b] = optimal * (positive
                    ? (b <= a ? factor[a * dimension + b] : 0)
                    : (a == b ? Math.Sqrt(covariance[a * dimension + a]) : 0));
        logStep = 0;
    }
}
