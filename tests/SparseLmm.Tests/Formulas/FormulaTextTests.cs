using SparseLmm.Formulas;

namespace SparseLmm.Tests.Formulas;

public class FormulaTextTests
{
    private static VariableReference V(string name) => new(name, 0);

    private static NumberLiteral N(double value) => new(value, 0);

    private static BinaryOperation B(char op, FormulaExpression l, FormulaExpression r) => new(op, l, r, 0);

    private static FunctionCall Call(string name, params FormulaExpression[] args) => new(name, args, 0);

    [Fact]
    public void FormatsCallsLikeDeparse()
    {
        Assert.Equal("log(x)", FormulaText.Format(Call("log", V("x"))));
        Assert.Equal("I(Days^2)", FormulaText.Format(Call("I", B('^', V("Days"), N(2)))));
        Assert.Equal("I(x/2)", FormulaText.Format(Call("I", B('/', V("x"), N(2)))));
        Assert.Equal("I(x + 1)", FormulaText.Format(Call("I", B('+', V("x"), N(1)))));
        Assert.Equal("I(a * b)", FormulaText.Format(Call("I", B('*', V("a"), V("b")))));
        Assert.Equal("I(x - 1)", FormulaText.Format(Call("I", B('-', V("x"), N(1)))));
        Assert.Equal("cbind(incidence, size - incidence)",
            FormulaText.Format(Call("cbind", V("incidence"), B('-', V("size"), V("incidence")))));
        Assert.Equal("log(x, 2)", FormulaText.Format(Call("log", V("x"), N(2))));
    }

    [Fact]
    public void InsertsParenthesesOnlyWhereNeeded()
    {
        Assert.Equal("(x + 1)^2", FormulaText.Format(B('^', B('+', V("x"), N(1)), N(2))));
        Assert.Equal("a - (b - c)", FormulaText.Format(B('-', V("a"), B('-', V("b"), V("c")))));
        Assert.Equal("a - b - c", FormulaText.Format(B('-', B('-', V("a"), V("b")), V("c"))));
        Assert.Equal("a/(b * c)", FormulaText.Format(B('/', V("a"), B('*', V("b"), V("c")))));
        Assert.Equal("a * b/c", FormulaText.Format(B('/', B('*', V("a"), V("b")), V("c"))));
        Assert.Equal("a + b * c", FormulaText.Format(B('+', V("a"), B('*', V("b"), V("c")))));
        Assert.Equal("(a + b) * c", FormulaText.Format(B('*', B('+', V("a"), V("b")), V("c"))));
        Assert.Equal("a^b^c", FormulaText.Format(B('^', V("a"), B('^', V("b"), V("c")))));
        Assert.Equal("(a^b)^c", FormulaText.Format(B('^', B('^', V("a"), V("b")), V("c"))));
        Assert.Equal("-x^2", FormulaText.Format(new Negation(B('^', V("x"), N(2)), 0)));
        Assert.Equal("(-x)^2", FormulaText.Format(B('^', new Negation(V("x"), 0), N(2))));
        Assert.Equal("-(a + b)", FormulaText.Format(new Negation(B('+', V("a"), V("b")), 0)));
        Assert.Equal("x^-1", FormulaText.Format(B('^', V("x"), new Negation(N(1), 0))));
        Assert.Equal("-a * b", FormulaText.Format(B('*', new Negation(V("a"), 0), V("b"))));
    }

    [Theory]
    [InlineData(2, "2")]
    [InlineData(0.5, "0.5")]
    [InlineData(1e-4, "1e-04")]
    [InlineData(0.001, "0.001")]
    [InlineData(100000, "1e+05")]
    [InlineData(123456, "123456")]
    [InlineData(3.14159, "3.14159")]
    [InlineData(1.5e-10, "1.5e-10")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0, "0")]
    [InlineData(1e15, "1e+15")]
    [InlineData(1.0 / 3, "0.333333333333333")]
    public void FormatsNumbersLikeR(double value, string expected) =>
        Assert.Equal(expected, FormulaText.FormatNumber(value));

    [Fact]
    public void BackquotesNonSyntacticNames()
    {
        Assert.Equal("`my col`", FormulaText.Format(V("my col")));
        Assert.Equal("`2x`", FormulaText.Format(V("2x")));
        Assert.Equal("`TRUE`", FormulaText.Format(V("TRUE")));
        Assert.Equal("a.b_c", FormulaText.Format(V("a.b_c")));
        Assert.Equal(".x", FormulaText.Format(V(".x")));
        Assert.Equal("`.2x`", FormulaText.Format(V(".2x")));
    }

    [Fact]
    public void TermLabelJoinsFactorsWithColons()
    {
        var term = new Term([V("a"), Call("log", V("x"))]);
        Assert.Equal("a:log(x)", term.Label);
    }

    [Fact]
    public void FormatsRandomEffectsTerms()
    {
        Assert.Equal("(1 + Days | Subject)",
            FormulaText.Format(new RandomEffectsTerm(true, [new Term([V("Days")])], ["Subject"])));
        Assert.Equal("(0 + x | g)", FormulaText.Format(new RandomEffectsTerm(false, [new Term([V("x")])], ["g"])));
        Assert.Equal("(1 | cask:batch)", FormulaText.Format(new RandomEffectsTerm(true, [], ["cask", "batch"])));
    }
}
