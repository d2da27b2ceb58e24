using SparseLmm.Formulas;

namespace SparseLmm.Design;

/// <summary>Everything a fit needs from the data, after missing rows are dropped and every term is coded.</summary>
/// <param name="Formula">The parsed formula.</param>
/// <param name="RowCount">Number of rows used (n).</param>
/// <param name="DroppedRowCount">Rows dropped because a used column was empty or NA.</param>
/// <param name="KeptRows">Index in the input table of every kept row.</param>
/// <param name="Response">The evaluated response.</param>
/// <param name="FixedEffectNames">Names of the columns of X that were kept.</param>
/// <param name="X">The fixed-effects model matrix, row-major n × p.</param>
/// <param name="AliasedFixedEffects">Columns dropped because they are linear combinations of earlier ones.</param>
/// <param name="RandomTerms">Random-effects terms, in the order the formula gives them.</param>
internal sealed record ModelDesign(
    ModelFormula Formula,
    int RowCount,
    int DroppedRowCount,
    int[] KeptRows,
    ModelResponse Response,
    IReadOnlyList<string> FixedEffectNames,
    double[] X,
    IReadOnlyList<string> AliasedFixedEffects,
    IReadOnlyList<RandomEffectsDesign> RandomTerms)
{
    /// <summary>Of <see cref="AliasedFixedEffects"/>, the columns dropped only because their values are large beside
    /// their spread (they would be kept if shifted).</summary>
    public IReadOnlyList<string> AliasedByLocation { get; init; } = [];

    /// <summary>True when the rows were streamed into the cross-products and not kept (<see cref="X"/>, the response's
    /// values and the terms' rows are empty): the fit has no per-row fitted values or residuals.</summary>
    public bool RowsStreamed { get; init; }

    /// <summary>The formula's offsets summed per kept row, or null when it has none. A linear mixed model's
    /// <see cref="Response"/> already has it subtracted (it is fitted to y − offset, so everything downstream of the
    /// one pass is unchanged); a GLMM adds it to η in every PIRLS row pass.</summary>
    public double[]? Offset { get; init; }

    /// <summary>A linear mixed model's prior weights per kept row (all positive: zero weights were dropped), or null:
    /// residual i has variance σ²/wᵢ.</summary>
    public double[]? Weights { get; init; }

    /// <summary>The fitted statistics of the formula's <c>scale</c> and <c>poly</c> calls (by the call as printed), with
    /// which new data are transformed (see <see cref="FittedTransforms"/>).</summary>
    public IReadOnlyDictionary<string, double[]> TransformStatistics { get; init; } = new Dictionary<string, double[]>();

    /// <summary>Rows dropped before the fit because their prior weight is 0 (linear mixed models).</summary>
    public int ZeroWeightRowCount { get; init; }

    /// <summary>Number of fixed effects (p), after aliased columns are dropped.</summary>
    public int FixedEffectCount => FixedEffectNames.Count;
}
