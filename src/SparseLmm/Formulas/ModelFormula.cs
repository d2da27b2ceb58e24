using SparseLmm.Results;

namespace SparseLmm.Formulas;

/// <summary>A parsed and expanded lme4 formula.</summary>
/// <param name="Text">The formula as the user wrote it.</param>
/// <param name="Response">The left-hand side (a variable, a transform, or <c>cbind(successes, failures)</c>).</param>
/// <param name="HasIntercept">False when the fixed part has <c>0 +</c> or <c>- 1</c>.</param>
/// <param name="FixedTerms">Fixed-effect terms after expansion, in R's order: by interaction order, then as written.</param>
/// <param name="RandomTerms">Random-effects terms after expanding <c>||</c> and <c>a/b</c>, in the order written.</param>
internal sealed record ModelFormula(
    string Text,
    FormulaExpression Response,
    bool HasIntercept,
    IReadOnlyList<Term> FixedTerms,
    IReadOnlyList<RandomEffectsTerm> RandomTerms)
{
    /// <summary>The columns <see cref="Text"/> names, with where each first appears (set by <see cref="FormulaParser.Parse"/>;
    /// it keeps columns of terms removed with <c>-</c>, which the expanded terms no longer show). Part of the record,
    /// so that a <c>with</c> copy keeps it.</summary>
    internal IReadOnlyList<VariableUse>? TextVariables { get; init; }

    /// <summary>The arguments of the fixed part's <c>offset(expr)</c> terms, in the order written: known parts of the
    /// linear predictor with coefficient 1 (R sums several). Not terms: they have no column in X.</summary>
    public IReadOnlyList<FormulaExpression> Offsets { get; init; } = [];
}

/// <summary>A model term: one expression, or the interaction (<c>a:b</c>) of several.</summary>
/// <param name="Factors">The expressions whose product (or interaction) forms the term.</param>
internal sealed record Term(IReadOnlyList<FormulaExpression> Factors)
{
    /// <summary>The term as lme4 prints it, e.g. <c>a:b</c> or <c>log(x)</c>.</summary>
    public string Label => string.Join(":", Factors.Select(FormulaText.Format));
}

/// <summary>A random-effects term <c>(expr | g)</c>.</summary>
/// <param name="HasIntercept">Whether the term has an intercept column (<c>(1 + x | g)</c>, <c>(x | g)</c>) or not (<c>(0 + x | g)</c>).</param>
/// <param name="Terms">The non-intercept terms of the left-hand side.</param>
/// <param name="GroupingVariables">The grouping variables: one for <c>g</c>, several for an interaction <c>a:b</c>.</param>
/// <param name="Name">The grouping factor's name as lme4 prints it when it is not the variables joined by ':' (a
/// three-level nesting <c>a/b/c</c> gives <c>c:(b:a)</c>); null for the joined names.</param>
internal sealed record RandomEffectsTerm(bool HasIntercept, IReadOnlyList<Term> Terms, IReadOnlyList<string> GroupingVariables,
    string? Name = null)
{
    /// <summary>The covariance structure: glmmTMB's <c>us</c>, <c>diag</c>, <c>cs</c> or <c>ar1</c> wrapped around the
    /// term; unstructured when none is.</summary>
    public CovarianceStructure Structure { get; init; } = CovarianceStructure.Unstructured;

    /// <summary>The grouping factor's name as lme4 prints it, e.g. <c>Subject</c>, <c>cask:batch</c> or
    /// <c>INDEX:(BROOD:LOCATION)</c>.</summary>
    public string GroupName => Name ?? string.Join(":", GroupingVariables);
}
