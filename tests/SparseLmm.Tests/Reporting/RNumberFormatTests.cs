using SparseLmm.Reporting;

namespace SparseLmm.Tests.Reporting;

/// <summary>R's number formatting, checked against what R prints.</summary>
public class RNumberFormatTests
{
    [Theory]
    // format(c(...), digits = d) in R
    [InlineData(new[] { 612.0902, 35.0717, 654.94 }, 4, new[] { "612.09", " 35.07", "654.94" })]
    [InlineData(new[] { 24.7406579949841, 5.92213765889808, 25.5917957216753 }, 4, new[] { "24.741", " 5.922", "25.592" })]
    [InlineData(new[] { -3.9536, -0.4634, 0.0231, 0.4634, 5.1793 }, 4, new[] { "-3.9536", "-0.4634", " 0.0231", " 0.4634", " 5.1793" })]
    [InlineData(new[] { 1763.9, 1783.1, -876.0, 1751.9, 174 }, 7, new[] { "1763.9", "1783.1", "-876.0", "1751.9", " 174.0" })]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, 7, new[] { "1", "2", "3" })]
    [InlineData(new[] { 0.0 }, 7, new[] { "0" })]
    [InlineData(new[] { 123456.0 }, 4, new[] { "123456" })]
    [InlineData(new[] { 1e-10 }, 7, new[] { "1e-10" })]
    [InlineData(new[] { 0.0001234 }, 3, new[] { "0.000123" })]
    [InlineData(new[] { 1.5e-8, 0.5 }, 3, new[] { "1.5e-08", "5.0e-01" })]
    [InlineData(new[] { 1e15 }, 7, new[] { "1e+15" })]
    [InlineData(new[] { 9996.0 }, 3, new[] { "9996" })]
    public void Format_matches_R(double[] values, int digits, string[] expected) =>
        Assert.Equal(expected, RNumberFormat.Format(values, digits));

    [Fact]
    public void Nsmall_forces_decimals_like_format_round_nsmall()
    {
        // format(round(c(1, 0.0656, 0.0656, 1), 2), nsmall = 2)
        Assert.Equal(new[] { "1.00", "0.07", "0.07", "1.00" }, RNumberFormat.Format([1, 0.07, 0.07, 1], 7, 2));
        Assert.Equal(new[] { " 1.000", "-0.138" }, RNumberFormat.Format([1, -0.138], 7, 3));
    }

    [Fact]
    public void Non_finite_values_are_written_as_R_does()
    {
        Assert.Equal(new[] { "  1", "NaN", "Inf", " -1" }, RNumberFormat.Format([1, double.NaN, double.PositiveInfinity, -1], 7));
    }

    [Fact]
    public void Zapsmall_rounds_tiny_values_to_zero()
    {
        var zapped = RNumberFormat.ZapSmall([1e-12, 3.14159, -2.5], 5);
        Assert.Equal(0, zapped[0]);
        Assert.Equal(3.1416, zapped[1], 10);
    }

    [Fact]
    public void P_values_as_format_pval()
    {
        Assert.Equal(new[] { "0.0123", "0.5000" }, RNumberFormat.FormatPValues([0.0123, 0.5], 3));
        var withTiny = RNumberFormat.FormatPValues([1e-20, 0.0123], 3);
        Assert.Equal("<2e-16", withTiny[0]);
        Assert.Equal("< 2e-16", RNumberFormat.FormatPValues([1e-20, 0.0001234], 3)[0]);
    }

    [Theory]
    [InlineData(new[] { "(Intercept)", "Days" }, 6, new[] { "(Intr)", "Days" })]
    [InlineData(new[] { "(Intercept)", "period2", "period3", "period4" }, 6, new[] { "(Intr)", "perid2", "perid3", "perid4" })]
    [InlineData(new[] { "(Intercept)" }, 11, new[] { "(Intercept)" })]
    public void Abbreviate_matches_R(string[] names, int minLength, string[] expected) =>
        Assert.Equal(expected, TextTable.Abbreviate(names, minLength));
}
