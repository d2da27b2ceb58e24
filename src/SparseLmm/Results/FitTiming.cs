namespace SparseLmm.Results;

/// <summary>How long the fit took, how many objective evaluations the optimiser used, and how the engine stored the
/// random effects after the first grouping factor.</summary>
public sealed record FitTiming(double FitMilliseconds, int Evaluations, FactorStructure? Factor = null);
