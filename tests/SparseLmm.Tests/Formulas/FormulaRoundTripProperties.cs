using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SparseLmm.Formulas;
using static SparseLmm.Tests.Formulas.FormulaTestHelpers;

namespace SparseLmm.Tests.Formulas;

/// <summary>A random arithmetic expression, shown formatted when a property fails (public for the property methods;
/// the expression tree it holds is internal to the library).</summary>
public sealed record ArithmeticCase
{
    internal ArithmeticCase(FormulaExpression expression) => Expression = expression;

    internal FormulaExpression Expression { get; }

    public override string ToString() => FormulaText.Format(Expression);
}

public static class ArithmeticArbitrary
{
    private static readonly string[] Names = ["x", "Days", "a.b", "z_1", "my col", ".w"];
    private static readonly double[] Numbers = [0, 1, 2, 0.5, 10, 1e-4, 1e5, 3.25, 123456, 0.001, 2.5e-7];

    public static Arbitrary<ArithmeticCase> Cases() =>
        Arb.From(Gen.Sized(size => Tree(Math.Min(size, 40))).Select(e => new ArithmeticCase(e)));

    private static Gen<FormulaExpression> Tree(int size)
    {
        Gen<FormulaExpression> leaf = Gen.OneOf(
            Gen.Elements(Names).Select(n => (FormulaExpression)new VariableReference(n, 0)),
            Gen.Elements(Numbers).Select(v => (FormulaExpression)new NumberLiteral(v, 0)));
        if (size <= 1) return leaf;

        Gen<FormulaExpression> sub = Tree(size / 2);
        Gen<FormulaExpression> binary =
            from op in Gen.Elements('+', '-', '*', '/', '^')
            from l in sub
            from r in sub
            select (FormulaExpression)new BinaryOperation(op, l, r, 0);
        Gen<FormulaExpression> negation = sub.Select(e => (FormulaExpression)new Negation(e, 0));
        Gen<FormulaExpression> call =
            from f in Gen.Elements("log", "exp", "sqrt", "I")
            from a in sub
            select (FormulaExpression)new FunctionCall(f, [a], 0);
        return Gen.Frequency((3, leaf), (5, binary), (1, negation), (1, call));
    }
}

public class FormulaRoundTripProperties
{
    [Property(Arbitrary = [typeof(ArithmeticArbitrary)], MaxTest = 500)]
    public bool FormatParseFormatRoundTripsInsideI(ArithmeticCase c)
    {
        var wrapped = new FunctionCall("I", [c.Expression], 0);
        string text = FormulaText.Format(wrapped);
        ModelFormula f = FormulaParser.Parse("resp ~ " + text);
        FormulaExpression parsed = Assert.Single(Assert.Single(f.FixedTerms).Factors);
        return FormulaText.Format(parsed) == text && Shape(parsed) == Shape(wrapped);
    }

    [Property(Arbitrary = [typeof(ArithmeticArbitrary)], MaxTest = 200)]
    public bool ResponseRoundTrips(ArithmeticCase c)
    {
        string text = FormulaText.Format(c.Expression);
        ModelFormula f = FormulaParser.Parse(text + " ~ 1");
        return FormulaText.Format(f.Response) == text && Shape(f.Response) == Shape(c.Expression);
    }
}
