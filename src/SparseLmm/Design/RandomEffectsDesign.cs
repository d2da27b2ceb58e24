using SparseLmm.Results;

namespace SparseLmm.Design;

/// <summary>One random-effects term <c>(expr | g)</c> laid out for the engine.</summary>
/// <param name="GroupName">The grouping factor as lme4 prints it, e.g. <c>Subject</c> or <c>cask:batch</c>.</param>
/// <param name="TermNames">Names of the term's columns, e.g. <c>(Intercept)</c>, <c>Days</c>.</param>
/// <param name="LevelOfRow">Level index of the grouping factor for every kept row.</param>
/// <param name="Levels">Level labels of the grouping factor (only levels that occur in the kept rows).</param>
/// <param name="Z">The term's model matrix, row-major: row i holds <see cref="ColumnCount"/> entries.</param>
internal sealed record RandomEffectsDesign(
    string GroupName, IReadOnlyList<string> TermNames, int[] LevelOfRow, string[] Levels, double[] Z)
{
    /// <summary>The covariance structure of the term's random effects (formula's <c>diag()</c>, <c>cs()</c>, ...).</summary>
    public CovarianceStructure Structure { get; init; } = CovarianceStructure.Unstructured;

    /// <summary>Columns per level (k).</summary>
    public int ColumnCount => TermNames.Count;

    /// <summary>Number of levels of the grouping factor (q).</summary>
    public int LevelCount => Levels.Length;

    /// <summary>Number of random effects this term contributes (q·k).</summary>
    public int Size => LevelCount * ColumnCount;
}
