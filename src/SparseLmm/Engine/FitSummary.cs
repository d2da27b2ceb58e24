using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>The scalar outcome of an optimisation, handed to <see cref="FitResultBuilder"/>, with the check of its
/// optimum and the stencil it came from (null where the fitter makes none).</summary>
internal sealed record FitSummary(
    EstimationMethod Method, double LogLikelihood, double Sigma, bool Converged, string OptimizerMessage, bool Singular, FitTiming Timing,
    OptimumCheck? Check = null, OptimumStencil? Stencil = null);
