using SparseLmm.Formulas;

namespace SparseLmm.Tests.Formulas;

/// <summary>Deeply nested formulas are refused with a message, not a stack overflow (issue 10, item 11).</summary>
public class FormulaDepthTests
{
    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    public static TheoryData<string> Deep() =>
    [
        "y ~ x + " + Repeat("(", 30000) + "x" + Repeat(")", 30000) + " + (1 | g)",
        Repeat("(", 30000) + "y" + Repeat(")", 30000) + " ~ x + (1 | g)",
        "y ~ x + " + Repeat("-", 30000) + "x + (1 | g)",
        "y ~ I(" + Repeat("-", 30000) + "x) + (1 | g)",
        "y ~ I(" + Repeat("(", 30000) + "x" + Repeat(")", 30000) + ") + (1 | g)",
        "y ~ " + Repeat("log(", 30000) + "x" + Repeat(")", 30000) + " + (1 | g)",
        "y ~ I(x" + Repeat("^x", 30000) + ") + (1 | g)",
        "y ~ x" + Repeat("^x", 30000) + " + (1 | g)",
    ];

    [Theory]
    [MemberData(nameof(Deep))]
    public void Deep_nesting_is_refused_with_the_column(string formula)
    {
        // On a thread with a 1 MB stack (less than .NET's default), where the unbounded recursion overflowed long before 30,000 levels.
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try { FormulaParser.Parse(formula); }
            catch (Exception e) { caught = e; }
        }, 1024 * 1024);
        thread.Start();
        thread.Join();
        var error = Assert.IsType<InputException>(caught);
        Assert.Contains("nests deeper than", error.Message);
        Assert.StartsWith("formula error at column ", error.Message);
    }

    [Fact]
    public void Nesting_within_the_limit_parses()
    {
        var formula = FormulaParser.Parse("y ~ x + " + Repeat("(", 150) + "z" + Repeat(")", 150) + " + I(" + Repeat("-", 100) + "x) + (1 | g)");
        Assert.Equal(3, formula.FixedTerms.Count);
    }

    [Fact]
    public void Long_sums_are_not_nesting()
    {
        var formula = FormulaParser.Parse("y ~ " + string.Join(" + ", Enumerable.Range(0, 5000).Select(i => $"x{i}")) + " + (1 | g)");
        Assert.Equal(5000, formula.FixedTerms.Count);
    }
}
