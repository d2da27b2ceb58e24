namespace SparseLmm.Results;

/// <summary>The estimated corAR1 correlation: residuals of one group, <paramref name="OrderBy"/> positions apart by
/// lag h, are correlated <paramref name="Rho"/>^h.</summary>
/// <param name="OrderBy">The column that orders rows within a group; null for the data's order.</param>
/// <param name="Group">The grouping column.</param>
/// <param name="Rho">The lag-1 correlation (nlme's Phi).</param>
public sealed record ResidualCorrelationFit(string? OrderBy, string Group, double Rho);
