namespace SparseLmm.Optimization;

/// <summary>Settings of <see cref="Bobyqa.Minimize"/>.</summary>
/// <param name="InitialTrustRadius">Initial trust region radius (Powell's RHOBEG): about one tenth of the greatest expected
/// change of a variable, at most 1e60. It is reduced to half the narrowest gap between a lower and an upper bound when that gap is smaller
/// than twice this value, because every initial interpolation point must fit inside the box.</param>
/// <param name="FinalTrustRadius">Final trust region radius (Powell's RHOEND): the required accuracy in the variables.
/// At least 1e-60 and at most <paramref name="InitialTrustRadius"/>.</param>
/// <param name="MaxEvaluations">Largest number of objective evaluations.</param>
/// <param name="InterpolationPoints">Number m of interpolation points, between n + 2 and (n + 1)(n + 2)/2;
/// null means Powell's recommended 2n + 1.</param>
/// <param name="FunctionTolerance">When positive, stop (converged) once a whole stage at resolution at most
/// <paramref name="FunctionToleranceRadius"/> improved the best value by less than this: the remaining stages would
/// refine the variables where the objective no longer changes. 0 (the default) keeps Powell's rule alone.</param>
/// <param name="FunctionToleranceRadius">The resolution below which <paramref name="FunctionTolerance"/> applies.</param>
internal sealed record BobyqaOptions(
    double InitialTrustRadius = 0.2,
    double FinalTrustRadius = 1e-7,
    int MaxEvaluations = 10_000,
    int? InterpolationPoints = null,
    double FunctionTolerance = 0,
    double FunctionToleranceRadius = 1e-4);
