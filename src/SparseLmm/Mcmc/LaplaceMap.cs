using SparseLmm.Design;
using SparseLmm.Glmm;
using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>The Laplace approximation of a GLMM's (β, u) given θ, as a map of standard-normal z:
/// (β, u) = m(θ) + L(θ)⁻ᵀ z, m the joint mode PIRLS finds and L the factor of the penalized system at the mode (one
/// shifted solve per z). <see cref="Build"/> sets θ; <see cref="Weight"/> then maps any number of z's against the
/// same factor, evaluating each point without touching the cross-products the factor was built from. Owns its PIRLS
/// state; not thread-safe.</summary>
internal sealed class LaplaceMap
{
    private readonly PirlsState state;
    private readonly ExactPirls pirls;
    private readonly PenalizedSystem system;
    private double logDeterminant;

    public LaplaceMap(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, GlmmResponse response, ThreadBudget threads)
    {
        state = new PirlsState(design, terms, response, threads);
        pirls = new ExactPirls(state);
        system = state.Joint;
    }

    /// <summary>The θ ↔ T mapping.</summary>
    public Engine.CovarianceParameterization Parameterization => state.Parameterization;

    /// <summary>PIRLS and the factor at θ, PIRLS started from <paramref name="warm"/>'s modes (or this map's own when
    /// null). PIRLS converges to a step of 1e-10, so m and L are functions of θ to that precision whatever it starts
    /// from. False where PIRLS or the factor fails.</summary>
    public bool Build(ReadOnlySpan<double> theta, LaplaceMap? warm)
    {
        if (warm is not null)
        {
            warm.state.U.CopyTo(state.U, 0);
            warm.state.Beta.CopyTo(state.Beta, 0);
        }
        if (!pirls.Run(system, jointMode: true, theta, fromMeanStart: false) && !pirls.Run(system, jointMode: true, theta, fromMeanStart: true))
            return false;
        // Factor once more at the modes themselves: PIRLS's last factor belongs to the iterate before them.
        if (!state.Factor(system, jointMode: true, theta)) return false;
        logDeterminant = 0.5 * (system.LogDeterminantRandom + system.Deviance.LogDeterminantFixed);
        return true;
    }

    /// <summary>After <see cref="Build"/>: (<paramref name="u"/>, <paramref name="beta"/>) = m + L⁻ᵀ z and
    /// log p(y | η) − ½‖u‖² − log|L| + ½‖z‖² (up to a constant), the log density of the (θ, z) chain's target
    /// without the prior of θ; −∞ where η or μ leaves the family's range.</summary>
    public double Weight(ReadOnlySpan<double> z, Span<double> u, Span<double> beta)
    {
        system.SolveShifted(u, beta, z);
        // −2 log p(y | η) up to a constant, plus ‖u‖² (the relative factors are θ's, filled by PIRLS).
        double penalized = state.EvaluateAt(u, beta, jointMode: true, accumulate: false);
        if (!double.IsFinite(penalized)) return double.NegativeInfinity;
        double squares = 0;
        foreach (double value in z) squares += value * value;
        return -0.5 * penalized - logDeterminant + 0.5 * squares;
    }

    /// <summary>PIRLS iterations so far.</summary>
    public int PirlsIterations => state.PirlsIterations;
}
