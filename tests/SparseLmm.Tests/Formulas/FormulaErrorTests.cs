using SparseLmm.Formulas;
using static SparseLmm.Tests.Formulas.FormulaTestHelpers;

namespace SparseLmm.Tests.Formulas;

public class FormulaErrorTests
{
    [Theory]
    [InlineData("~ x", "formula error at column 1: expected a response before '~'")]
    [InlineData("  ~ x", "formula error at column 3: expected a response before '~'")]
    [InlineData("", "formula error at column 1: the formula is empty")]
    [InlineData("y", "formula error at column 2: expected '~' after the response")]
    [InlineData("y x", "formula error at column 3: expected '~' after the response but found 'x'")]
    [InlineData("y ~", "formula error at column 4: expected the right-hand side after '~'")]
    [InlineData("y ~   ", "formula error at column 7: expected the right-hand side after '~'")]
    [InlineData("y ~ x +", "formula error at column 8: expected a term after '+'")]
    [InlineData("y ~ x)", "formula error at column 6: unexpected ')' with no matching '('")]
    [InlineData("y ~ x z", "formula error at column 7: unexpected 'z': terms must be joined by '+'")]
    [InlineData("y ~ x ~ z", "formula error at column 7: unexpected second '~'")]
    [InlineData("y ~ x + 1 | g", "formula error at column 11: '|' must be inside parentheses, as in (1 | g)")]
    [InlineData("y ~ x || g", "formula error at column 7: '||' must be inside parentheses")]
    [InlineData("y ~ x + ( | g)", "formula error at column 11: empty random-effects term")]
    [InlineData("y ~ x + (1 | )", "formula error at column 14: missing grouping factor after '|'")]
    [InlineData("y ~ x + (1 || )", "formula error at column 15: missing grouping factor after '||'")]
    [InlineData("y ~ ns(x, 2)", "formula error at column 5: unknown function 'ns': supported functions are log, log1p, exp, sqrt, abs, I, factor, scale, poly, offset, and cbind (response only)")]
    [InlineData("y ~ I(sin(x))", "formula error at column 7: unknown function 'sin'")]
    [InlineData("y ~ x + diag(1 + x || g)", "formula error at column 20: diag() takes a term with '|', not '||'")]
    [InlineData("y ~ ar1(x)", "formula error at column 5: ar1() wraps a random-effects term with '|', as in ar1(0 + factor(time) | g)")]
    [InlineData("y ~ cs()", "formula error at column 7: cs() wraps a random-effects term")]
    [InlineData("y ~ x:diag(1 | g)", "formula error at column 7: a random-effects term cannot be part of an interaction")]
    [InlineData("y ~ x + 2", "formula error at column 9: unexpected number 2 where a term is expected")]
    [InlineData("y ~ 0.5", "formula error at column 5: unexpected number 0.5 where a term is expected")]
    [InlineData("y ~ 2*x", "formula error at column 5: unexpected number 2 where a term is expected")]
    [InlineData("y ~ 1:x", "formula error at column 5: '1' cannot be used inside an interaction")]
    [InlineData("y ~ cbind(a, b)", "formula error at column 5: cbind() is only allowed in the response")]
    [InlineData("log(cbind(a, b)) ~ x", "formula error at column 5: cbind() must be the whole response")]
    [InlineData("cbind(a) ~ x", "formula error at column 1: cbind() takes 2 arguments (successes, failures) but was given 1")]
    [InlineData("y ~ log(x, 2, 3)", "formula error at column 5: log() takes 1 or 2 arguments (x, base) but was given 3")]
    [InlineData("y ~ I()", "formula error at column 5: I() takes 1 argument but was given 0")]
    [InlineData("y ~ log(x:z)", "formula error at column 10: ':' cannot be used inside log()")]
    [InlineData("y ~ I(x | z)", "formula error at column 9: '|' cannot be used inside I()")]
    [InlineData("y ~ log(x", "formula error at column 10: expected ')' to close '(' opened at column 8")]
    [InlineData("y ~ log(x y)", "formula error at column 11: expected ',' or ')' in the arguments of log() but found 'y'")]
    [InlineData("y ~ (0 | g)", "formula error at column 6: the random-effects term has no columns")]
    [InlineData("y ~ (x - 1 - x | g)", "formula error at column 6: the random-effects term has no columns")]
    [InlineData("y ~ (1 | g) * x", "formula error at column 5: a random-effects term cannot be part of an interaction")]
    [InlineData("y ~ x - (1 | g)", "formula error at column 9: random-effects terms cannot be removed with '-'")]
    [InlineData("y ~ (1 + (1 | h) | g)", "formula error at column 10: random-effects terms cannot be nested")]
    [InlineData("y ~ (1 | g | h)", "formula error at column 12: a random-effects term can have only one '|'")]
    [InlineData("y ~ (1 | log(g))", "formula error at column 10: the grouping factor after '|' must be a column name, not log()")]
    [InlineData("y ~ (1 | 2)", "formula error at column 10: the grouping factor after '|' must be a column name, not the number 2")]
    [InlineData("y ~ (1 | a + b)", "formula error at column 12: '+' cannot be used in the grouping factor")]
    [InlineData("y ~ y + x", "formula error at column 5: the response 'y' also appears on the right-hand side")]
    [InlineData("y ~ 2x", "formula error at column 5: '2x' is not a valid name")]
    [InlineData("y ~ x + $z", "formula error at column 9: unexpected character '$'")]
    [InlineData("y ~ `x", "formula error at column 5: backquoted name is not closed")]
    [InlineData("y ~ a %o% b", "formula error at column 7: unsupported operator '%o%'")]
    [InlineData("y ~ (a + b)^x", "formula error at column 13: the power in a formula such as (a + b)^2 must be a whole number")]
    [InlineData("y ~ ()", "formula error at column 5: empty parentheses '()'")]
    [InlineData("y ~ a:-b", "formula error at column 7: '-' inside an interaction")]
    public void ReportsErrorsWithColumns(string formula, string expectedStart)
    {
        string message = ParseError(formula);
        Assert.StartsWith(expectedStart, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void UnclosedParenthesisNamesWhereItWasOpened()
    {
        // Column 17 is the end of the text; the '(' is at column 9.
        Assert.Equal("formula error at column 17: expected ')' to close '(' opened at column 9",
            ParseError("y ~ a + (1 | ggg"));
        const string sleep = "Reaction ~ 1 + Days + (1 + Days | Subject";
        Assert.Equal($"formula error at column {sleep.Length + 1}: expected ')' to close '(' opened at column 23",
            ParseError(sleep));
    }

    [Fact]
    public void UnclosedParenthesisFollowedByAnotherTerm()
    {
        string message = ParseError("y ~ (a + b c");
        Assert.StartsWith("formula error at column 12: expected ')' to close '(' opened at column 5 but found 'c'", message);
    }
}
