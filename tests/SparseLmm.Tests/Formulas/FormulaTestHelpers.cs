using SparseLmm.Formulas;

namespace SparseLmm.Tests.Formulas;

internal static class FormulaTestHelpers
{
    public static string[] FixedLabels(this ModelFormula f) => f.FixedTerms.Select(t => t.Label).ToArray();

    /// <summary>Random terms as lme4 would print them: <c>(1 + Days | Subject)</c>.</summary>
    public static string[] RandomTexts(this ModelFormula f) => f.RandomTerms.Select(FormulaText.Format).ToArray();

    /// <summary>A position-free S-expression of an expression, for structural comparison.</summary>
    public static string Shape(FormulaExpression e) => e switch
    {
        VariableReference v => "$" + v.Name,
        NumberLiteral n => n.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        FunctionCall c => "(" + c.Name + string.Concat(c.Arguments.Select(a => " " + Shape(a))) + ")",
        BinaryOperation b => "(" + b.Operator + " " + Shape(b.Left) + " " + Shape(b.Right) + ")",
        Negation n => "(neg " + Shape(n.Operand) + ")",
        _ => throw new ArgumentException(e.GetType().Name),
    };

    public static string ParseError(string formula) =>
        Assert.Throws<InputException>(() => FormulaParser.Parse(formula)).Message;
}
