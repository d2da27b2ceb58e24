namespace SparseLmm.Results;

/// <summary>How the engine stored and factored the random effects after the first (largest) grouping factor,
/// chosen once per model from the data.</summary>
/// <param name="Kind"><c>dense</c> (the factors are crossed, or there are few random effects: one dense block),
/// <c>supernodal</c> (a sparse factor, fill-reducing order, supernodes) or <c>none</c> (one grouping factor only).</param>
/// <param name="RandomEffects">Random effects after the first grouping factor (the order of the sparse or dense block).</param>
/// <param name="FactorValues">Values stored for the factor of that block with the fixed effects and response rows.</param>
/// <param name="Supernodes">Supernodes of the sparse factor (0 when dense).</param>
/// <param name="Flops">Floating-point operations of one factorization of the block.</param>
/// <param name="Nesting">Pairs of grouping factors found nested, as "inner in outer".</param>
public sealed record FactorStructure(
    string Kind, int RandomEffects, long FactorValues, int Supernodes, double Flops, IReadOnlyList<string> Nesting);
