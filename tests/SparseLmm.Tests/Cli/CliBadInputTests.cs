using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Cli;

/// <summary>Bad data and formulas through the whole command: exit 2, one line on stderr, no stack trace.</summary>
public class CliBadInputTests
{
    private const string Formula = "y ~ 1 + x + (1 | g)";

    private static string GoodCsv()
    {
        var lines = new List<string> { "y,x,g" };
        var random = new Random(7);
        for (int i = 0; i < 40; i++)
            lines.Add($"{(10 + i % 5 + random.NextDouble()).ToString(System.Globalization.CultureInfo.InvariantCulture)},{i % 7},g{i % 8}");
        return string.Join("\n", lines) + "\n";
    }

    [Fact]
    public void Missing_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-no-such-{Guid.NewGuid():N}.csv");
        AssertBadInput(Run("fit", path, Formula), Path.GetFileName(path));
    }

    [Fact]
    public void Empty_file()
    {
        using var file = new TempFile("");
        AssertBadInput(Run("fit", file.Path, Formula));
    }

    [Fact]
    public void Header_only()
    {
        using var file = new TempFile("y,x,g\n");
        AssertBadInput(Run("fit", file.Path, Formula));
    }

    [Fact]
    public void Formula_syntax_error()
    {
        using var file = new TempFile(GoodCsv());
        AssertBadInput(Run("fit", file.Path, "y ~ 1 + x + (1 | g"));
    }

    [Fact]
    public void Formula_syntax_error_on_embedded_data()
    {
        AssertBadInput(Run("fit", "sleepstudy", "Reaction ~ ~ Days"));
    }

    [Fact]
    public void Unknown_column_names_the_closest()
    {
        using var file = new TempFile(GoodCsv());
        AssertBadInput(Run("fit", file.Path, "y ~ 1 + xx + (1 | g)"), "x");
    }

    [Fact]
    public void Unknown_column_in_embedded_data()
    {
        AssertBadInput(Run("fit", "sleepstudy", "Reaction ~ 1 + Dayz + (1 | Subject)"), "Days");
    }

    [Fact]
    public void Ragged_row()
    {
        using var file = new TempFile("y,x,g\n1,2,a\n3,4\n5,6,b\n");
        AssertBadInput(Run("fit", file.Path, Formula));
    }

    [Fact]
    public void Formula_without_random_effects()
    {
        using var file = new TempFile(GoodCsv());
        AssertBadInput(Run("fit", file.Path, "y ~ 1 + x"), "random");
    }

    [Fact]
    public void Text_response()
    {
        using var file = new TempFile(GoodCsv());
        AssertBadInput(Run("fit", file.Path, "g ~ 1 + x + (1 | x)"));
    }

    [Fact]
    public void Factor_option_on_unknown_column()
    {
        using var file = new TempFile(GoodCsv());
        AssertBadInput(Run("fit", file.Path, Formula, "--factor", "nope"));
    }
}
