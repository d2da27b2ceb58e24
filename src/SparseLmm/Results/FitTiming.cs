namespace SparseLmm.Results;

/// <summary>How long the fit took and how many objective evaluations the optimiser used.</summary>
public sealed record FitTiming(double FitMilliseconds, int Evaluations);
