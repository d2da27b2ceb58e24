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

/// <summary>A call such as <c>log(x)</c>, <c>I(x^2)</c> or <c>cbind(a, b - a)</c>.</summary>
internal sealed record FunctionCall(string Name, IReadOnlyList<FormulaExpression> Arguments, int Position) : FormulaExpression(Position);

/// <summary>Arithmetic <c>+ - * / ^</c>, as used inside <c>I()</c>, <c>cbind()</c> and function arguments.</summary>
internal sealed record BinaryOperation(char Operator, FormulaExpression Left, FormulaExpression Right, int Position) : FormulaExpression(Position);

/// <summary>Unary minus.</summary>
internal sealed record Negation(FormulaExpression Operand, int Position) : FormulaExpression(Position);
