using System.Diagnostics;
using System.Globalization;
using System.Text;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Design;

/// <summary>Models refused before any fitting (issue 10, items 7, 9, 10, 14): a stray text cell in a column of
/// numbers, a constant response, more levels or random effects than observations.</summary>
public sealed class DesignChecksTests
{
    private static string Table(int rows, Func<int, string> x, int groups = 8)
    {
        var random = new Random(11);
        var text = new StringBuilder("y,x,g\n");
        for (int i = 0; i < rows; i++)
            text.Append((10 + random.NextDouble()).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(x(i)).Append(",g").Append(i % groups).Append('\n');
        return text.ToString();
    }

    [Fact]
    public void Stray_text_cell_in_a_covariate_is_refused_naming_column_line_and_value()
    {
        var data = CsvReader.Parse(Table(40, i => i == 6 ? "n/a" : (i % 7).ToString(CultureInfo.InvariantCulture)), "d.csv");
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("y ~ 1 + x + (1 | g)", data));
        Assert.Contains("d.csv line 8", e.Message);
        Assert.Contains("covariate 'x'", e.Message);
        Assert.Contains("'n/a'", e.Message);
        // Inside an expression too, and as a response.
        Assert.Contains("line 8", Assert.Throws<InputException>(() => MixedModel.Fit("y ~ 1 + log(x + 1) + (1 | g)", data)).Message);
        var response = Assert.Throws<InputException>(() => MixedModel.Fit("x ~ 1 + y + (1 | g)", data));
        Assert.Contains("response 'x'", response.Message);
        Assert.Contains("line 8", response.Message);
        // Declared categorical, the column is a factor as the user asked.
        var fit = MixedModel.Fit("y ~ 1 + x + (1 | g)", data, new FitOptions(FactorColumns: ["x"]));
        Assert.Contains(fit.FixedEffects, b => b.Name == "xn/a");
    }

    [Fact]
    public void A_column_that_is_mostly_text_is_a_factor_as_before()
    {
        var data = CsvReader.Parse(Table(40, i => i % 4 == 0 ? "1" : "c" + (i % 3)), "d.csv");
        var fit = MixedModel.Fit("y ~ 1 + x + (1 | g)", data);
        Assert.Contains(fit.FixedEffects, b => b.Name == "xc1");
    }

    [Fact]
    public void Stray_text_in_a_large_file_is_refused_before_any_fitting()
    {
        var data = CsvReader.Parse(Table(5000, i => i == 4321 ? "oops" : (i * 0.001).ToString(CultureInfo.InvariantCulture), groups: 50), "big.csv");
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("y ~ 1 + x + (1 | g)", data));
        Assert.Contains("big.csv line 4323", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Constant_response_is_refused_for_every_family()
    {
        var sleep = MixedModel.LoadData("sleepstudy");
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("I(0 * Reaction + 5) ~ 1 + Days + (1 | Subject)", sleep));
        Assert.Contains("constant", e.Message);
        Assert.Contains("180", e.Message);
        Assert.Throws<InputException>(() => MixedModel.Fit("I(0 * Reaction + 5) ~ 1 + Days + (1 | Subject)", sleep,
            new FitOptions(Family: Family.Poisson())));
    }

    [Fact]
    public void More_random_effects_than_observations_is_refused_at_once_with_the_counts()
    {
        var penicillin = MixedModel.LoadData("Penicillin");
        string response = penicillin.Columns[0].Name;
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InputException>(() => MixedModel.Fit($"{response} ~ 1 + (1 + plate | sample)", penicillin));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("144 random effects (6 levels × 24 columns) for 144 observations", e.Message);
        Assert.Contains("(1 + plate | sample)", e.Message);
    }

    [Fact]
    public void A_level_per_observation_is_refused_for_a_gaussian_model_but_allowed_for_a_glmm()
    {
        var sleep = MixedModel.LoadData("sleepstudy");
        var rows = Enumerable.Range(0, sleep.RowCount).Select(i => "o" + i).ToArray();
        var withObs = new DataTable([.. sleep.Columns, new CategoricalColumn("obs", Enumerable.Range(0, rows.Length).ToArray(),
            rows.Order(StringComparer.Ordinal).ToArray())], "s");
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("Reaction ~ 1 + Days + (1 | obs)", withObs));
        Assert.Contains("180 levels for 180 observations", e.Message);

        // lme4's glmer allows an observation-level random effect (grouseticks' INDEX).
        var fit = MixedModel.Fit("TICKS ~ 1 + (1 | INDEX)", MixedModel.LoadData("grouseticks"),
            new FitOptions(Family: Family.Poisson()));
        Assert.Equal(fit.ObservationCount, fit.GroupCounts.Single(g => g.Group == "INDEX").Levels);
    }

    [Theory]
    [InlineData(1e5)]
    [InlineData(1e12)]
    public void A_random_slope_far_from_zero_beside_an_intercept_is_refused_with_the_centring(double shift)
    {
        // x has SD about 2: a linear fit searches it centred up to 10³ SDs from zero; beyond, the cross-products lose
        // the slope's spread to rounding.
        var data = CsvReader.Parse(Table(400, i => (shift + (i * 7919 % 13) * 0.5).ToString("R", CultureInfo.InvariantCulture), groups: 20), "d.csv");
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("y ~ 1 + x + (1 + x | g)", data));
        Assert.Contains("(1 + x | g)", e.Message);
        Assert.Contains("centre it", e.Message);
        // In an uncorrelated term (whose model changes with the origin) it is not refused.
        Assert.Null(Record.Exception(() => ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + x + (1 + x || g)"), data)));
    }

    [Theory]
    [InlineData(1e5)]
    [InlineData(1e12)]
    public void A_GLMM_searches_a_far_slope_centred_and_refuses_one_beyond_its_reach_as_a_linear_fit_does(double shift)
    {
        static DataTable Binary(double offset)
        {
            var text = new StringBuilder("y,x,g\n");
            for (int i = 0; i < 400; i++)
                text.Append(i * 31 % 7 < 3 ? 1 : 0).Append(',').Append((offset + (i * 7919 % 13) * 0.5).ToString("R", CultureInfo.InvariantCulture))
                    .Append(",g").Append(i % 20).Append('\n');
            return CsvReader.Parse(text.ToString(), "d.csv");
        }
        var options = new FitOptions(Family: Family.Binomial());
        // x has SD about 1.9: 200 is about 100 SDs from zero, searched centred.
        Assert.NotNull(MixedModel.Fit("y ~ 1 + x + (1 + x | g)", Binary(200), options).OptimumCheck);
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("y ~ 1 + x + (1 + x | g)", Binary(shift), options));
        Assert.Contains("(1 + x | g)", e.Message);
        Assert.Contains("above 1000", e.Message);
        Assert.Contains("centre it", e.Message);
    }

    [Fact]
    public void A_constant_random_slope_is_the_intercept_again()
    {
        var data = CsvReader.Parse(Table(40, _ => "3"), "d.csv");
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("y ~ 1 + (1 + x | g)", data));
        Assert.Contains("'x' is 3 in every row used", e.Message);
    }
}
