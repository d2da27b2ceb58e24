using SparseLmm.Design;
using SparseLmm.Glmm;
using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>A Gaussian approximation of a GLMM's (β, u) given θ, as a map of standard-normal z:
/// (β, u) = m(θ) + L(θ)⁻ᵀ z through one shifted solve. The GLMM is linearized once, at an anchor: the joint modes
/// PIRLS finds at the fit's θ̂, whose IRLS weights W and working response fix the cross-products of the penalized
/// system for good. At any θ, L(θ) is then the factor of Λ'Z'WZΛ + I (X carried along) and m(θ) the weighted
/// least-squares solution with the anchor's working response: one Newton step of PIRLS from the anchor's linear
/// predictor, and exactly PIRLS's mode where θ is θ̂. <see cref="Build"/> is one factorization and no pass over the
/// rows, against PIRLS's four to five factorizations and passes; m and L are functions of θ alone, which the chain's
/// exactness needs (its moves accept by the exact posterior, so the approximation decides only how often).
/// <see cref="Weight"/> maps any number of z's against the same factor, evaluating each point without touching the
/// cross-products. Owns its state; not thread-safe.</summary>
internal sealed class LaplaceMap
{
    private readonly PirlsState state;
    private readonly PenalizedSystem system;
    private readonly CanonicalLikelihood likelihood;
    private double logDeterminant;

    /// <summary>The map linearized at the modes at <paramref name="anchor"/> (the fit's θ̂); throws
    /// <see cref="InputException"/> where PIRLS fails there.</summary>
    public LaplaceMap(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, GlmmResponse response, ReadOnlySpan<double> anchor,
        ThreadBudget threads)
    {
        state = new PirlsState(design, terms, response, threads);
        system = state.Joint;
        var pirls = new ExactPirls(state);
        // Factor once more at the modes themselves: PIRLS's last products belong to the iterate before them.
        if (!pirls.Run(system, jointMode: true, anchor, fromMeanStart: true) || !state.Factor(system, jointMode: true, anchor))
            throw new InputException("MCMC could not start: PIRLS failed at the fit's covariance parameters");
        likelihood = new CanonicalLikelihood(design, terms, system.TermOffsets, response, state.Parameterization);
    }

    /// <summary>The θ ↔ T mapping.</summary>
    public Engine.CovarianceParameterization Parameterization => state.Parameterization;

    /// <summary>The factor at θ (and Λ(θ) for <see cref="Weight"/>); false where it is not positive definite.</summary>
    public bool Build(ReadOnlySpan<double> theta)
    {
        likelihood.SetTheta(theta);
        if (!system.Factor(theta)) return false;
        logDeterminant = 0.5 * (system.LogDeterminantRandom + system.Deviance.LogDeterminantFixed);
        return double.IsFinite(logDeterminant);
    }

    /// <summary>After <see cref="Build"/>: (<paramref name="u"/>, <paramref name="beta"/>) = m + L⁻ᵀ z and
    /// log p(y | η) − ½‖u‖² − log|L| + ½‖z‖² (up to a constant), the log density of the (θ, z) chain's target
    /// without the prior of θ; −∞ where it is not finite.</summary>
    public double Weight(ReadOnlySpan<double> z, Span<double> u, Span<double> beta)
    {
        system.SolveShifted(u, beta, z);
        double logLikelihood = likelihood.Evaluate(u, beta);
        if (double.IsNegativeInfinity(logLikelihood)) return double.NegativeInfinity;
        return logLikelihood - 0.5 * PirlsState.SquaredLength(u) - logDeterminant + 0.5 * PirlsState.SquaredLength(z);
    }
}
