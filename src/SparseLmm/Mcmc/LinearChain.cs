using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>One Markov chain for a linear mixed model. Each iteration moves θ by slice sampling (stepping out and
/// shrinkage, Neal 2003) on its collapsed posterior <see cref="ThetaPosterior"/>, one direction after another, then
/// draws exactly from what θ leaves: σ² | θ, y from its inverse gamma and (u, β) | θ, σ, y from N(mode, σ²(LL')⁻¹) by
/// one solve through the factor at θ with a standard-normal shift (<see cref="PenalizedSolver.SolveShifted"/>).
/// Only θ is a Markov chain; its directions are the axes for the first half of the warmup, then the Cholesky factor of
/// the covariance of the warmup's second quarter, so that correlated θ entries move together. Where a checked Gaussian
/// approximation of θ's posterior exists (<see cref="ThetaLaplace"/>, large data), θ moves instead by independence
/// Metropolis–Hastings with a multivariate t proposal around it: one factorization per iteration, against a slice
/// sweep's several per θ entry. The proposal is factored in a second system, and the two swap roles when it is accepted,
/// so that the draws always find the factor at the current θ without refactoring after a rejection.</summary>
internal sealed class LinearChain
{
    private const double AxisWidth = 0.5;
    private const double AdaptedWidth = 3;
    private const int MaxStepsOut = 64;
    private const int MaxShrinks = 200;
    /// <summary>Degrees of freedom of the independence proposal: tails heavier than the Gaussian's, so that the weights
    /// p/q stay bounded where the posterior's tails are a little heavier than the approximation's.</summary>
    private const double ProposalDegrees = 10;

    private ThetaPosterior posterior;
    private PenalizedSolver solver;
    /// <summary>The independence proposal's system and solver (null for slice sampling), swapped with the current ones
    /// on acceptance.</summary>
    private ThetaPosterior? proposalPosterior;
    private PenalizedSolver? proposalSolver;
    private readonly ParameterLayout parameters;
    private readonly RandomStream random;
    private readonly int dimension;
    private readonly double[] directions;
    private double width = AxisWidth;
    private readonly double[] theta;
    private readonly double[] candidate;
    private double logDensity;
    private readonly ThetaLaplace? laplace;
    private double logWeight;
    /// <summary>θ in the coordinates of <see cref="laplace"/>, where the independence proposal is made.</summary>
    private readonly double[]? point;

    public LinearChain(CrossProducts products, McmcPrior prior, ParameterLayout parameters, ReadOnlySpan<double> start, RandomStream random,
        ThetaLaplace? laplace = null)
    {
        posterior = new ThetaPosterior(products, prior);
        this.laplace = laplace;
        solver = new PenalizedSolver(posterior.Deviance);
        this.parameters = parameters;
        this.random = random;
        dimension = start.Length;
        theta = start.ToArray();
        candidate = new double[dimension];
        directions = new double[dimension * dimension];
        for (int j = 0; j < dimension; j++) directions[j * dimension + j] = 1;
        logDensity = posterior.LogDensity(theta);
        if (double.IsNegativeInfinity(logDensity))
            throw new InvalidOperationException("the MCMC start has zero posterior density");
        if (laplace is not null)
        {
            proposalPosterior = new ThetaPosterior(products, prior);
            proposalSolver = new PenalizedSolver(proposalPosterior.Deviance);
            point = new double[dimension];
            laplace.FromTheta(theta, point);
            logWeight = logDensity + laplace.LogJacobian(point) - ProposalLogDensity(point);
        }
    }

    /// <summary>Accepted and proposed independence moves after the warmup (0 of 0 for slice sampling).</summary>
    public (int Accepted, int Proposed) Moves => (accepted, proposed);
    private int accepted, proposed;

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
            if (iteration == adaptAt && adaptAt - from > 2 * dimension) Adapt(history.AsSpan(from * dimension, (adaptAt - from) * dimension));
            if (laplace is null) Step();
            else Move();
            theta.CopyTo(history, iteration * dimension);
        }
        accepted = proposed = 0;
        var layout = posterior.Deviance.Layout;
        var u = new double[layout.Terms.Sum(t => t.Size)];
        var beta = new double[layout.FixedEffectCount];
        var shift = new double[layout.First.Size + layout.RestSize - 1];
        for (int draw = 0; draw < draws; draw++)
        {
            cancellation.ThrowIfCancellationRequested();
            // The last evaluation of each slice update is the point it accepts, so the factor is already at θ.
            if (laplace is null) Step();
            else Move();
            double rate = posterior.Deviance.PenalizedResidualSquares / 2;
            double sigma = Math.Sqrt(rate / random.Gamma(posterior.SigmaShape));
            double scaledSigma = sigma * posterior.Deviance.Scaling.ResponseScale;
            for (int i = 0; i < shift.Length; i++) shift[i] = scaledSigma * random.Normal();
            solver.SolveShifted(u, beta, shift);
            parameters.Fill(theta, sigma, beta, u, output.AsSpan(draw * parameters.Count, parameters.Count));
        }
    }

    /// <summary>One independence Metropolis–Hastings move of θ with the t proposal around <see cref="laplace"/>,
    /// factored in the spare system (which becomes the current one if the move is accepted).</summary>
    private void Move()
    {
        var standard = (Span<double>)stackalloc double[dimension];
        var proposal = (Span<double>)stackalloc double[dimension];
        double scale = Math.Sqrt(ProposalDegrees / (2 * random.Gamma(ProposalDegrees / 2)));
        for (int j = 0; j < dimension; j++) standard[j] = scale * random.Normal();
        laplace!.Map(standard, proposal);
        laplace.ToTheta(proposal, candidate);
        double value = proposalPosterior!.LogDensity(candidate);
        // The weights p/q are of φ's density, which carries the Jacobian of θ(φ).
        double weight = value + laplace.LogJacobian(proposal) - ProposalLogDensity(proposal);
        proposed++;
        if (double.IsFinite(value) && Math.Log(random.Uniform()) < weight - logWeight)
        {
            proposal.CopyTo(point);
            candidate.CopyTo(theta, 0);
            logDensity = value;
            logWeight = weight;
            accepted++;
            (posterior, proposalPosterior) = (proposalPosterior, posterior);
            (solver, proposalSolver) = (proposalSolver!, solver);
        }
    }

    /// <summary>log q(φ) + constant of the multivariate t proposal.</summary>
    private double ProposalLogDensity(ReadOnlySpan<double> point) =>
        -(ProposalDegrees + dimension) / 2 * Math.Log(1 + laplace!.Distance(point) / ProposalDegrees);

    /// <summary>One slice-sampling update along each direction.</summary>
    private void Step()
    {
        for (int d = 0; d < dimension; d++)
        {
            var direction = directions.AsSpan(d * dimension, dimension);
            double level = logDensity - Exponential();
            double left = -width * random.Uniform(), right = left + width;
            for (int steps = 0; steps < MaxStepsOut && At(direction, left) > level; steps++) left -= width;
            for (int steps = 0; steps < MaxStepsOut && At(direction, right) > level; steps++) right += width;
            for (int shrink = 0; ; shrink++)
            {
                if (shrink == MaxShrinks)
                    throw new InvalidOperationException("the slice sampler did not find a point in its slice");
                double offset = left + (right - left) * random.Uniform();
                double value = At(direction, offset);
                if (value > level)
                {
                    candidate.CopyTo(theta, 0);
                    logDensity = value;
                    break;
                }
                if (offset < 0) left = offset;
                else right = offset;
            }
        }
    }

    /// <summary>log p at θ + offset × direction (left in <see cref="candidate"/>).</summary>
    private double At(ReadOnlySpan<double> direction, double offset)
    {
        for (int j = 0; j < dimension; j++) candidate[j] = theta[j] + offset * direction[j];
        return posterior.LogDensity(candidate);
    }

    private double Exponential() => -Math.Log(random.Uniform());

    /// <summary>Directions from the Cholesky factor of the sample covariance of <paramref name="history"/> (columns of
    /// the factor); the axes scaled by the SDs when the covariance is not positive definite.</summary>
    private void Adapt(ReadOnlySpan<double> history)
    {
        int count = history.Length / dimension;
        var mean = new double[dimension];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < dimension; j++) mean[j] += history[i * dimension + j] / count;
        var covariance = new double[dimension * dimension];
        for (int i = 0; i < count; i++)
            for (int a = 0; a < dimension; a++)
                for (int b = 0; b <= a; b++)
                    covariance[a * dimension + b] += (history[i * dimension + a] - mean[a]) * (history[i * dimension + b] - mean[b]) / (count - 1);
        var factor = (double[])covariance.Clone();
        bool positive = SmallMatrix.Cholesky(factor, dimension);
        for (int a = 0; a < dimension; a++)
            if (!(covariance[a * dimension + a] > 0)) return;
        Array.Clear(directions);
        for (int d = 0; d < dimension; d++)
            for (int j = 0; j < dimension; j++)
                directions[d * dimension + j] = positive
                    ? (j >= d ? factor[j * dimension + d] : 0)
                    : (j == d ? Math.Sqrt(covariance[j * dimension + j]) : 0);
        width = AdaptedWidth;
    }
}
