namespace SparseLmm.Results;

/// <summary>The conditional AIC of a linear mixed model, as R's cAIC4 computes it for an lmer fit: −2 × the conditional
/// log-likelihood + 2 × the effective degrees of freedom (Greven and Kneib's, corrected for the estimated variance
/// parameters, + 1 for σ).</summary>
/// <param name="ConditionalLogLikelihood">Σ log φ(yᵢ; μ̂ᵢ, σ̂), μ̂ = Xβ̂ + Zb̂.</param>
/// <param name="DegreesOfFreedom">The effective degrees of freedom (cAIC4's <c>df</c>).</param>
/// <param name="Value">The criterion, −2 × <paramref name="ConditionalLogLikelihood"/> + 2 × <paramref name="DegreesOfFreedom"/>.</param>
public sealed record ConditionalAic(double ConditionalLogLikelihood, double DegreesOfFreedom, double Value);
