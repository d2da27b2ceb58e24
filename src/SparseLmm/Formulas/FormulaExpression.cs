namespace SparseLmm.Formulas;

/// <summary>An arithmetic expression inside a formula: a variable, a number, a function call or an operation.</summary>
/// <param name="Position">Zero-based character offset in the formula text where the expression starts.</param>
internal abstract record FormulaExpression(int Position);

/// <summary>A reference to a data column.</summary>
internal sealed record VariableReference(string Name, int Position) : FormulaExpression(Position)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A numeric literal.</summary>
internal sealed record NumberLiteral(double Value, int Position) : FormulaExpression(Position);

/// <summary>R's <c>TRUE</c> or <c>FALSE</c>, as in <c>scale(x, scale = FALSE)</c>.</summary>
internal sealed record LogicalLiteral(bool Value, int Position) : FormulaExpression(Position);

/// <summary>A call such as <c>log(x)</c>, <c>I(x^2)</c>, <c>cbind(a, b - a)</c> or <c>scale(x, center = TRUE)</c>.</summary>
internal sealed record FunctionCall(string Name, IReadOnlyList<FormulaExpression> Arguments, int Position) : FormulaExpression(Position)
{
    /// <summary>The name of each argument given as <c>name = value</c>, null for a positional one; empty when every
    /// argument is positional.</summary>
    public IReadOnlyList<string?> ArgumentNames { get; init; } = [];

    /// <summary>The name of argument <paramref name="index"/>, or null when it was given by position.</summary>
    public string? ArgumentName(int index) => index < ArgumentNames.Count ? ArgumentNames[index] : null;
}

/// <summary>Arithmetic <c>+ - * / ^</c>, as used inside <c>I()</c>, <c>cbind()</c> and function arguments.</summary>
internal sealed record BinaryOperation(char Operator, FormulaExpression Left, FormulaExpression Right, int Position) : FormulaExpression(Position);

/// <summary>Unary minus.</summary>
internal sealed record Negation(FormulaExpression Operand, int Position) : FormulaExpression(Position);
