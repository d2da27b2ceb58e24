using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>The scalar outcome of an optimisation, handed to <see cref="FitResultBuilder"/>.</summary>
internal sealed record FitSummary(
    EstimationMethod Method, double LogLikelihood, double Sigma, bool Converged, string OptimizerMessage, bool Singular, FitTiming Timing);
