using SparseLmm.Formulas;
using SparseLmm.Results;
using static SparseLmm.Tests.Formulas.FormulaTestHelpers;

namespace SparseLmm.Tests.Formulas;

public class FormulaParserTests
{
    [Fact]
    public void SleepstudyCorrelatedSlope()
    {
        const string text = "Reaction ~ 1 + Days + (1 + Days | Subject)";
        var f = FormulaParser.Parse(text);
        Assert.Equal(text, f.Text);
        Assert.Equal("Reaction", Assert.IsType<VariableReference>(f.Response).Name);
        Assert.True(f.HasIntercept);
        Assert.Equal(["Days"], f.FixedLabels());
        var re = Assert.Single(f.RandomTerms);
        Assert.True(re.HasIntercept);
        Assert.Equal(["Days"], re.Terms.Select(t => t.Label));
        Assert.Equal(["Subject"], re.GroupingVariables);
        Assert.Equal("Subject", re.GroupName);
    }

    [Theory]
    [InlineData("y ~ x + diag(1 + x | g)", CovarianceStructure.Diagonal, "diag(1 + x | g)")]
    [InlineData("y ~ x + cs(0 + factor(t) | g)", CovarianceStructure.CompoundSymmetry, "cs(0 + factor(t) | g)")]
    [InlineData("y ~ x + ar1(0 + factor(t) | g)", CovarianceStructure.AutoRegressive, "ar1(0 + factor(t) | g)")]
    [InlineData("y ~ x + us(1 + x | g)", CovarianceStructure.Unstructured, "(1 + x | g)")]
    [InlineData("y ~ x + (diag(x | g))", CovarianceStructure.Diagonal, "diag(1 + x | g)")]
    public void CovarianceStructureWrapsARandomTerm(string text, CovarianceStructure structure, string formatted)
    {
        var f = FormulaParser.Parse(text);
        Assert.Equal(["x"], f.FixedLabels());
        var re = Assert.Single(f.RandomTerms);
        Assert.Equal(structure, re.Structure);
        Assert.Equal(formatted, FormulaText.Format(re));
    }

    [Fact]
    public void StructureCarriesOverNestedGroups()
    {
        var f = FormulaParser.Parse("y ~ ar1(0 + factor(t) | a/b)");
        Assert.Equal(["a", "b:a"], f.RandomTerms.Select(t => t.GroupName));
        Assert.All(f.RandomTerms, t => Assert.Equal(CovarianceStructure.AutoRegressive, t.Structure));
    }

    [Fact]
    public void DoubleBarSplitsIntoOneColumnTerms()
    {
        var f = FormulaParser.Parse("Reaction ~ Days + (Days || Subject)");
        Assert.True(f.HasIntercept);
        Assert.Equal(["Days"], f.FixedLabels());
        Assert.Equal(["(1 | Subject)", "(0 + Days | Subject)"], f.RandomTexts());
        Assert.True(f.RandomTerms[0].HasIntercept);
        Assert.Empty(f.RandomTerms[0].Terms);
        Assert.False(f.RandomTerms[1].HasIntercept);
        Assert.Single(f.RandomTerms[1].Terms);
    }

    [Fact]
    public void DoubleBarWithoutIntercept()
    {
        var f = FormulaParser.Parse("y ~ x + (0 + x + z || g)");
        Assert.Equal(["(0 + x | g)", "(0 + z | g)"], f.RandomTexts());
        Assert.Equal(["(1 | g)"], FormulaParser.Parse("y ~ (1 || g)").RandomTexts());
    }

    [Fact]
    public void NestedGroupingExpandsOuterFirst()
    {
        var f = FormulaParser.Parse("strength ~ 1 + (1 | batch/cask)");
        Assert.True(f.HasIntercept);
        Assert.Empty(f.FixedTerms);
        Assert.Equal(["(1 | batch)", "(1 | cask:batch)"], f.RandomTexts());
        Assert.Equal(["cask", "batch"], f.RandomTerms[1].GroupingVariables);
        Assert.Equal("cask:batch", f.RandomTerms[1].GroupName);
    }

    [Fact]
    public void ThreeLevelNesting()
    {
        var f = FormulaParser.Parse("y ~ (1 | a/b/c)");
        Assert.Equal(["(1 | a)", "(1 | b:a)", "(1 | c:(b:a))"], f.RandomTexts());
        // lme4 names the innermost factor c:(b:a) (issue 10, item 21); its variables are still c, b, a.
        Assert.Equal(["c", "b", "a"], f.RandomTerms[2].GroupingVariables);
    }

    [Fact]
    public void DoubleBarWithNesting()
    {
        var f = FormulaParser.Parse("y ~ x + (1 + x || a/b)");
        Assert.Equal(["(1 | a)", "(1 | b:a)", "(0 + x | a)", "(0 + x | b:a)"], f.RandomTexts());
    }

    [Fact]
    public void InteractionGroupingAndRandomOrder()
    {
        var f = FormulaParser.Parse("y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)");
        Assert.Equal(["service"], f.FixedLabels());
        Assert.Equal(["(1 | s)", "(1 | d)", "(1 | dept:service)"], f.RandomTexts());
        Assert.Equal(["dept", "service"], f.RandomTerms[2].GroupingVariables);
    }

    [Fact]
    public void CbindResponse()
    {
        var f = FormulaParser.Parse("cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)");
        var call = Assert.IsType<FunctionCall>(f.Response);
        Assert.Equal("cbind", call.Name);
        Assert.Equal(2, call.Arguments.Count);
        Assert.Equal("cbind(incidence, size - incidence)", FormulaText.Format(f.Response));
        Assert.Equal(["period"], f.FixedLabels());
        Assert.Equal(["(1 | herd)"], f.RandomTexts());
        Assert.Equal(["incidence", "size", "period", "herd"], FormulaParser.VariableNames(f));
    }

    [Fact]
    public void CrossingTransformsAndInterceptRemoval()
    {
        var f = FormulaParser.Parse("y ~ a*b + log(x) + I(x^2) - 1");
        Assert.False(f.HasIntercept);
        Assert.Equal(["a", "b", "log(x)", "I(x^2)", "a:b"], f.FixedLabels());
        Assert.Empty(f.RandomTerms);
        var i = Assert.IsType<FunctionCall>(f.FixedTerms[3].Factors[0]);
        var pow = Assert.IsType<BinaryOperation>(Assert.Single(i.Arguments));
        Assert.Equal('^', pow.Operator);
    }

    [Fact]
    public void ZeroInterceptInBothParts()
    {
        var f = FormulaParser.Parse("y ~ 0 + x + (0 + x | g)");
        Assert.False(f.HasIntercept);
        Assert.Equal(["x"], f.FixedLabels());
        var re = Assert.Single(f.RandomTerms);
        Assert.False(re.HasIntercept);
        Assert.Equal(["x"], re.Terms.Select(t => t.Label));
        Assert.Equal(["(0 + x | g)"], f.RandomTexts());
    }

    [Theory]
    [InlineData("y ~ x", true)]
    [InlineData("y ~ 1 + x", true)]
    [InlineData("y ~ 0 + x", false)]
    [InlineData("y ~ x + 0", false)]
    [InlineData("y ~ x - 1", false)]
    [InlineData("y ~ -1 + x", false)]
    [InlineData("y ~ 0 + x + 1", true)]
    [InlineData("y ~ x - 1 + 1", true)]
    [InlineData("y ~ x - 0", true)]
    [InlineData("y ~ 1", true)]
    [InlineData("y ~ 0", false)]
    [InlineData("y ~ (1 | g)", true)]
    [InlineData("y ~ 0 + (1 | g)", false)]
    public void InterceptHandling(string text, bool intercept) =>
        Assert.Equal(intercept, FormulaParser.Parse(text).HasIntercept);

    [Theory]
    [InlineData("y ~ a:b", "a:b")]
    [InlineData("y ~ a*b", "a b a:b")]
    [InlineData("y ~ a*b*c", "a b c a:b a:c b:c a:b:c")]
    [InlineData("y ~ (a + b)*c", "a b c a:c b:c")]
    [InlineData("y ~ (a + b)^2", "a b a:b")]
    [InlineData("y ~ (a + b + c)^2", "a b c a:b a:c b:c")]
    [InlineData("y ~ (a + b + c)^3", "a b c a:b a:c b:c a:b:c")]
    [InlineData("y ~ a/b", "a a:b")]
    [InlineData("y ~ (a + b)/c", "a b a:b:c")]
    [InlineData("y ~ a %in% b", "a:b")]
    [InlineData("y ~ a*b - a:b", "a b")]
    [InlineData("y ~ a*b - a", "b a:b")]
    [InlineData("y ~ a:b + c + b:a + a", "c a a:b")]
    [InlineData("y ~ b:a + a", "a b:a")]
    [InlineData("y ~ x + x + log(x) + log( x )", "x log(x)")]
    [InlineData("y ~ a:b:c + a + c:a", "a a:c a:b:c")]
    [InlineData("y ~ (a + b):(c + d)", "a:c a:d b:c b:d")]
    [InlineData("y ~ ((a))", "a")]
    [InlineData("y ~ +a", "a")]
    [InlineData("y ~ a + (b + c)", "a b c")]
    [InlineData("y ~ log(x):a", "log(x):a")]
    public void FixedTermExpansionAndOrder(string text, string labels) =>
        Assert.Equal(labels.Split(' '), FormulaParser.Parse(text).FixedLabels());

    [Theory]
    [InlineData("y ~ (1 | g)", "(1 | g)")]
    [InlineData("y ~ (x | g)", "(1 + x | g)")]
    [InlineData("y ~ (1 + x | g)", "(1 + x | g)")]
    [InlineData("y ~ (0 + x | g)", "(0 + x | g)")]
    [InlineData("y ~ (x - 1 | g)", "(0 + x | g)")]
    [InlineData("y ~ (-1 + x | g)", "(0 + x | g)")]
    [InlineData("y ~ (1 + x + z | g)", "(1 + x + z | g)")]
    [InlineData("y ~ (a*b | g)", "(1 + a + b + a:b | g)")]
    [InlineData("y ~ (1 + log(x) | g)", "(1 + log(x) | g)")]
    [InlineData("y ~ (1 | a:b:c)", "(1 | a:b:c)")]
    [InlineData("y ~ (1 | (a))", "(1 | a)")]
    [InlineData("y ~ ((1 | g))", "(1 | g)")]
    [InlineData("y ~ (1|g)+(x||h)", "(1 | g);(1 | h);(0 + x | h)")]
    public void RandomTerms(string text, string expected) =>
        Assert.Equal(expected.Split(';'), FormulaParser.Parse(text).RandomTexts());

    [Fact]
    public void RandomLhsOrdersInteractionFactorsLocally()
    {
        var f = FormulaParser.Parse("y ~ b + a + (a:b | g)");
        Assert.Equal(["b", "a"], f.FixedLabels());
        Assert.Equal(["a:b"], f.RandomTerms[0].Terms.Select(t => t.Label));
    }

    [Fact]
    public void RandomTermsKeepWrittenOrderBetweenFixedTerms()
    {
        var f = FormulaParser.Parse("y ~ (1 | z) + x + (0 + x | a) + w + (1 | b)");
        Assert.Equal(["x", "w"], f.FixedLabels());
        Assert.Equal(["(1 | z)", "(0 + x | a)", "(1 | b)"], f.RandomTexts());
    }

    [Fact]
    public void ArithmeticInsideCallsIsNotFormulaAlgebra()
    {
        var f = FormulaParser.Parse("y ~ I(a*b) + I(x - 1) + I(x/2) + I(a + b) + exp(-x) + sqrt(x + 1) + I(log(x)^2)");
        Assert.True(f.HasIntercept);
        Assert.Equal(["I(a * b)", "I(x - 1)", "I(x/2)", "I(a + b)", "exp(-x)", "sqrt(x + 1)", "I(log(x)^2)"], f.FixedLabels());
    }

    [Fact]
    public void ArithmeticPrecedenceMatchesR()
    {
        static string ShapeOf(string arg) =>
            Shape(Assert.IsType<FunctionCall>(FormulaParser.Parse($"y ~ I({arg})").FixedTerms[0].Factors[0]).Arguments[0]);

        Assert.Equal("(+ $a (* $b $c))", ShapeOf("a + b * c"));
        Assert.Equal("(- (- $a $b) $c)", ShapeOf("a - b - c"));
        Assert.Equal("(^ $a (^ $b $c))", ShapeOf("a ^ b ^ c"));
        Assert.Equal("(neg (^ $x 2))", ShapeOf("-x^2"));
        Assert.Equal("(^ (neg $x) 2)", ShapeOf("(-x)^2"));
        Assert.Equal("(* (neg $a) $b)", ShapeOf("-a*b"));
        Assert.Equal("(* (^ 2 (neg 1)) 3)", ShapeOf("2^-1*3"));
        Assert.Equal("(/ (* $a $b) $c)", ShapeOf("a*b/c"));
        Assert.Equal("(* (+ $a $b) $c)", ShapeOf("((a + b)) * c"));
        Assert.Equal("(log $x 2)", ShapeOf("log(x, 2)"));
        Assert.Equal("(+ $x 0.0001)", ShapeOf("x + 1e-4"));
        Assert.Equal("(+ $x 0.5)", ShapeOf("x + .5"));
        Assert.Equal("(+ $x 2)", ShapeOf("x + 2L"));
    }

    [Fact]
    public void TransformedResponse()
    {
        var f = FormulaParser.Parse("log(Reaction) ~ Days + (Days | Subject)");
        Assert.Equal("log(Reaction)", FormulaText.Format(f.Response));
        Assert.Equal(["(1 + Days | Subject)"], f.RandomTexts());
        Assert.Equal("I(y/2)", FormulaText.Format(FormulaParser.Parse("I(y/2) ~ x").Response));
        Assert.Equal("y + 1", FormulaText.Format(FormulaParser.Parse("y + 1 ~ x").Response));
    }

    [Fact]
    public void BackquotedNames()
    {
        var f = FormulaParser.Parse("`my y` ~ `my col` + log(`x 2`) + (1 | `the group`)");
        Assert.Equal("my y", Assert.IsType<VariableReference>(f.Response).Name);
        Assert.Equal(["`my col`", "log(`x 2`)"], f.FixedLabels());
        Assert.Equal(["the group"], f.RandomTerms[0].GroupingVariables);
        Assert.Equal(["my y", "my col", "x 2", "the group"], FormulaParser.VariableNames(f));
    }

    [Fact]
    public void NamesWithDotsAndUnderscores()
    {
        var f = FormulaParser.Parse("y.1 ~ x_a + .hidden + a.b.c + (1 | g_2)");
        Assert.Equal(["x_a", ".hidden", "a.b.c"], f.FixedLabels());
        Assert.Equal(["y.1", "x_a", ".hidden", "a.b.c", "g_2"], FormulaParser.VariableNames(f));
    }

    [Fact]
    public void WhitespaceIsIgnored()
    {
        var compact = FormulaParser.Parse("Reaction~Days+(Days|Subject)");
        var spaced = FormulaParser.Parse("  Reaction \t~\n Days  +  ( Days  |  Subject )  ");
        Assert.Equal(compact.FixedLabels(), spaced.FixedLabels());
        Assert.Equal(compact.RandomTexts(), spaced.RandomTexts());
        Assert.Equal(["(1 + Days | Subject)"], spaced.RandomTexts());
    }

    [Fact]
    public void VariablesListEveryColumnWithItsPosition()
    {
        const string text = "log(Reaction) ~ Days + I(Days^2) + (Days | Subject) + (1 | batch/cask)";
        var f = FormulaParser.Parse(text);
        var uses = FormulaParser.Variables(f);
        Assert.Equal(["Reaction", "Days", "Subject", "batch", "cask"], uses.Select(u => u.Name));
        foreach (var u in uses)
        {
            Assert.Equal(text.IndexOf(u.Name, StringComparison.Ordinal), u.Position);
            Assert.Equal(u.Position + 1, u.Column);
        }
    }

    [Fact]
    public void VariablesIncludeRemovedTerms()
    {
        var f = FormulaParser.Parse("y ~ a*b - b + (0 + x | g)");
        Assert.Equal(["y", "a", "b", "x", "g"], FormulaParser.VariableNames(f));
    }

    [Fact]
    public void VariablesOfAHandBuiltFormula()
    {
        var f = new ModelFormula("whatever", new VariableReference("y", 0), true,
            [new Term([new FunctionCall("log", [new VariableReference("x", 7)], 3)])],
            [new RandomEffectsTerm(true, [], ["g"])]);
        var uses = FormulaParser.Variables(f);
        Assert.Equal([new VariableUse("y", 0), new VariableUse("x", 7), new VariableUse("g", -1)], uses);
    }

    [Fact]
    public void ErrorAtMakesTheStandardMessage()
    {
        var f = FormulaParser.Parse("Reaction ~ Dayz + (1 | Subject)");
        var use = FormulaParser.Variables(f).Single(u => u.Name == "Dayz");
        Assert.Equal("formula error at column 12: unknown column 'Dayz'",
            FormulaParser.ErrorAt(use.Position, "unknown column 'Dayz'").Message);
    }

    [Fact]
    public void PositionsPointIntoTheText()
    {
        const string text = "y ~ a + log(x) + (z | g)";
        var f = FormulaParser.Parse(text);
        Assert.Equal(text.IndexOf("log", StringComparison.Ordinal), f.FixedTerms[1].Factors[0].Position);
        Assert.Equal(text.IndexOf('z'), f.RandomTerms[0].Terms[0].Factors[0].Position);
    }
}
