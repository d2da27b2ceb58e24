namespace SparseLmm.Results;

/// <summary>How a fit confirmed its optimum from the gradient g and Hessian H of its criterion there (central finite
/// differences; parameters held at a bound by a criterion that rises into the feasible side are left out). The step
/// is the Newton step H⁻¹g, the distance to the minimum of the criterion's quadratic model, measured per parameter
/// relative to its size or its standard error, whichever is larger (max(|xᵢ|, √(2H⁻¹)ᵢᵢ), the criterion being −2
/// log-likelihood): unlike a gradient, or a step in standard errors alone (lme4's scaled gradient), it does not grow
/// with the number of rows, so a large data set's optimum is judged as a small one's. A fit is <see cref="MixedModelFit.Converged"/> only when the optimiser
/// stopped on its own criterion and this check passed.</summary>
/// <param name="RelativeStep">The largest relative Newton step over the free parameters (tolerance
/// <see cref="StepTolerance"/>); +∞ when H is not positive definite over them.</param>
/// <param name="MaxGradient">The largest |gᵢ| over the free parameters, in units of the criterion (−2 log-likelihood)
/// per unit of the parameter, as lme4 reports it.</param>
/// <param name="EigenvalueRatio">The smallest eigenvalue of H over the free parameters divided by the largest, H taken
/// in the parameters' natural units (a random slope's entries per unit of its covariate's root mean square); below
/// −<see cref="EigenvalueTolerance"/> the point is not a minimum.</param>
/// <param name="ParametersAtBound">Parameters on their bound where the criterion does not fall into the feasible side (a variance at zero).</param>
/// <param name="Evaluations">Criterion evaluations the check took: its derivatives (every round's, when a failed check
/// restarted from its Newton point) and the Newton steps tried.</param>
/// <param name="Passed">True when the step and the curvature both pass.</param>
public sealed record OptimumCheck(
    double RelativeStep, double MaxGradient, double EigenvalueRatio, int ParametersAtBound, int Evaluations, bool Passed)
{
    /// <summary>The largest relative Newton step a confirmed optimum may leave: every parameter within 0.1 % of its
    /// size (of its standard error, for a parameter smaller than that), the last of the four digits a summary
    /// prints.</summary>
    public const double StepTolerance = 1e-3;

    /// <summary>How negative the smallest eigenvalue of H may be, relative to the largest, before the point is not a
    /// minimum; a millionth covers the finite differences' rounding.</summary>
    public const double EigenvalueTolerance = 1e-6;
}
