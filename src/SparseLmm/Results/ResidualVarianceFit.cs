namespace SparseLmm.Results;

/// <summary>The estimated varIdent variance function: the residual SD of each level of <paramref name="Group"/> is
/// σ times its ratio; the first level's ratio is 1 (nlme's parameterisation: <see cref="MixedModelFit.Sigma"/> is the
/// first level's residual SD).</summary>
/// <param name="Group">The grouping column.</param>
/// <param name="Levels">Its levels, the reference level first.</param>
/// <param name="Ratios">SD ratios to the first level, one per level (the first is 1).</param>
public sealed record ResidualVarianceFit(string Group, IReadOnlyList<string> Levels, IReadOnlyList<double> Ratios);
