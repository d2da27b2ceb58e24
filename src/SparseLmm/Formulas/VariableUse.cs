namespace SparseLmm.Formulas;

/// <summary>A data column named in a formula, at its first appearance.</summary>
/// <param name="Name">The column name (without backquotes).</param>
/// <param name="Position">Zero-based character offset of the name in the formula text, or -1 when unknown.</param>
internal sealed record VariableUse(string Name, int Position)
{
    /// <summary>The one-based column of the name in the formula text, as used in error messages (0 when unknown).</summary>
    public int Column => Position + 1;
}
