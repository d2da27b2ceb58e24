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

    // ----- issue 10 -----

    private static TempFile Bytes(byte[] bytes, string extension = ".csv")
    {
        var file = new TempFile("", extension);
        File.WriteAllBytes(file.Path, bytes);
        return file;
    }

    [Fact]
    public void Latin1_file_is_refused_with_the_line()
    {
        using var file = Bytes(System.Text.Encoding.Latin1.GetBytes(GoodCsv().Replace("g3\n", "M\u00fcller\n").Replace("g4\n", "M\u00e4ller\n")));
        AssertBadInput(Run("fit", file.Path, Formula), "line 5: the text is not valid UTF-8");
    }

    [Fact]
    public void Whitespace_cell_is_missing_and_counted()
    {
        using var file = new TempFile(GoodCsv() + "11.5, ,g1\n12.5,3,\t\n");
        var result = Run("fit", file.Path, Formula);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("2 rows dropped for missing values", result.Stderr);
        Assert.Contains("Number of obs: 40", result.Stdout);
        Assert.DoesNotContain("x1 ", result.Stdout);
    }

    [Theory]
    [InlineData("y ~ 1 + x + (1 | g)", "covariate 'x'")]
    [InlineData("x ~ 1 + y + (1 | g)", "response 'x'")]
    public void Text_cell_in_numbers_names_column_line_and_value(string formula, string role)
    {
        var lines = GoodCsv().Split('\n');
        lines[7] = "12.5,none,g3";
        using var file = new TempFile(string.Join("\n", lines));
        var result = Run("fit", file.Path, formula);
        AssertBadInput(result, "line 8");
        Assert.Contains(role, result.Stderr);
        Assert.Contains("'none'", result.Stderr);
    }

    [Fact]
    public void Truncated_gzip_is_refused()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(GoodCsv()));
        var bytes = compressed.ToArray();
        using var file = Bytes(bytes[..(bytes.Length * 2 / 3)], ".csv.gz");
        AssertBadInput(Run("fit", file.Path, Formula), "truncated");
    }

    [Theory]
    [InlineData("--ci", "profile")]
    [InlineData("--ddf", "kenward-roger")]
    [InlineData("--json", null)]
    public void Constant_response_is_refused_with_any_inference(string option, string? value)
    {
        var args = new List<string> { "fit", "sleepstudy", "I(0 * Reaction + 250) ~ 1 + Days + (1 | Subject)", option };
        if (value is not null) args.Add(value);
        AssertBadInput(Run([.. args]), "constant");
    }

    [Fact]
    public void More_random_effects_than_observations_is_refused_at_once()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Run("fit", "Penicillin", "diameter ~ 1 + (1 + plate | sample)");
        AssertBadInput(result, "144 random effects (6 levels × 24 columns) for 144 observations");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Deeply_nested_formula_is_refused()
    {
        AssertBadInput(Run("fit", "sleepstudy", "Reaction ~ " + new string('-', 30000) + "Days + (1 | Subject)"), "nests deeper");
        AssertBadInput(Run("fit", "sleepstudy", "Reaction ~ " + new string('(', 30000) + "Days" + new string(')', 30000) + " + (1 | Subject)"), "nests deeper");
    }

    [Theory]
    [InlineData("y,x,g\r1,2,a\r2,3,b\r", "carriage return")]
    [InlineData("y;x;g\n1;2;a\n2;3;b\n", "semicolon")]
    public void Foreign_text_formats_say_what_they_are(string text, string mentions)
    {
        using var file = new TempFile(text);
        AssertBadInput(Run("fit", file.Path, Formula), mentions);
    }

    [Fact]
    public void Utf16_without_byte_order_mark_says_what_it_is()
    {
        using var file = Bytes(new System.Text.UnicodeEncoding(false, false).GetBytes(GoodCsv()));
        AssertBadInput(Run("fit", file.Path, Formula), "UTF-16");
    }

    [Theory]
    [InlineData(new[] { "fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--out", "x.png" }, "--out does not apply to fit")]
    [InlineData(new[] { "fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--kind", "qq" }, "--kind does not apply to fit")]
    [InlineData(new[] { "fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--newdata", "x.csv" }, "--newdata does not apply to fit")]
    [InlineData(new[] { "fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--nsim", "10" }, "--nsim applies to --ci boot")]
    [InlineData(new[] { "fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--ci", "profile", "--seed", "3" }, "--seed applies to --ci boot")]
    [InlineData(new[] { "compare", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "Reaction ~ Days + (Days | Subject)", "--ci", "boot" }, "--ci does not apply to compare")]
    [InlineData(new[] { "predict", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--newdata", "x.csv", "--kind", "qq" }, "--kind does not apply to predict")]
    [InlineData(new[] { "report", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--out", "x.png" }, "must end in .html")]
    [InlineData(new[] { "fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--repeat", "2147483647" }, "--repeat")]
    [InlineData(new[] { "frobnicate" }, "commands: fit, demo, compare, predict, plot, report, partial, sql, completion, help")]
    public void Options_that_do_not_apply_are_refused(string[] args, string mentions) =>
        AssertBadInput(Run(args), mentions);

    [Fact]
    public void Output_that_is_a_directory_is_refused_before_fitting()
    {
        var dir = Path.GetTempPath();
        AssertBadInput(Run("plot", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--kind", "qq", "--out", dir), "it is a directory");
        var htmlDir = Directory.CreateTempSubdirectory("sparselmm-out").FullName + ".html";
        Directory.CreateDirectory(htmlDir);
        try
        {
            AssertBadInput(Run("report", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--out", htmlDir), "it is a directory");
        }
        finally
        {
            Directory.Delete(htmlDir);
        }
    }

    [Fact]
    public void Control_characters_are_escaped_in_messages()
    {
        var result = Run("fit", "sleepstudy", "Reaction ~ D\u001b[31mays + (1 | Subject)");
        AssertBadInput(result, "\\u001B");
        Assert.DoesNotContain('\u001b', result.Stderr);
    }

    private sealed class FailingWriter(string message) : StringWriter
    {
        public override void Write(char value) => throw new IOException(message);
        public override void Write(string? value) => throw new IOException(message);
        public override void WriteLine(string? value) => throw new IOException(message);
        public override void Flush() => throw new IOException(message);
    }

    [Fact]
    public void Full_or_closed_output_exits_two_with_a_message_where_a_stream_is_left()
    {
        var stderr = new StringWriter { NewLine = "\n" };
        int code = SparseLmm.Cli.CliApplication.Run(["fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)"], new FailingWriter("No space left on device"), stderr);
        Assert.Equal(2, code);
        Assert.Equal("sparselmm: cannot write the output: No space left on device\n", stderr.ToString());

        var stdout = new StringWriter { NewLine = "\n" };
        code = SparseLmm.Cli.CliApplication.Run(["fit", "nope-no-such.csv", "y ~ x + (1 | g)"], stdout, new FailingWriter("Broken pipe"));
        Assert.Equal(2, code);
        Assert.StartsWith("sparselmm: cannot read", stdout.ToString());

        code = SparseLmm.Cli.CliApplication.Run(["fit", "sleepstudy", "Reaction ~ Days + (1 | Subject)", "--json"],
            new FailingWriter("Broken pipe"), new FailingWriter("Broken pipe"));
        Assert.Equal(2, code);
    }

    [Fact]
    public void Predict_and_compare_count_dropped_rows_and_name_lines_of_the_new_file()
    {
        // The training row misses the response, which both models of compare use: the same rows are dropped from both
        // (models fitted to different rows are refused).
        using var train = new TempFile(GoodCsv() + ",3,g2\n");
        using var fresh = new TempFile("x,g\n1,g1\n2,g9\nnone,g1\n");
        var predict = Run("predict", train.Path, Formula, "--newdata", fresh.Path);
        AssertBadInput(predict, $"{fresh.Path} line 4");
        Assert.Contains("'none'", predict.Stderr);

        using var fresh2 = new TempFile("x,g\n1,g1\n,g2\n");
        var ok = Run("predict", train.Path, Formula, "--newdata", fresh2.Path);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("1 row of", ok.Stderr);
        Assert.Contains("dropped for missing values", ok.Stderr);
        Assert.Contains("predicted as NA", ok.Stderr);

        var compare = Run("compare", train.Path, "y ~ 1 + (1 | g)", Formula);
        Assert.Equal(0, compare.ExitCode);
        Assert.Contains("1 row dropped for missing values", compare.Stderr);
    }
}
