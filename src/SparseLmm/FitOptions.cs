namespace SparseLmm;

/// <summary>How to fit a model. The defaults follow lme4: REML for a gaussian response.</summary>
/// <param name="Reml">REML (true, the default) or maximum likelihood (false) for a gaussian model.</param>
/// <param name="FactorColumns">Numeric columns to treat as categorical (like R's <c>factor(x)</c>).</param>
public sealed record FitOptions(bool Reml = true, IReadOnlyList<string>? FactorColumns = null)
{
    /// <summary>The defaults.</summary>
    public static FitOptions Default { get; } = new();
}
