using System.Globalization;
using SparseLmm.Inference;

namespace SparseLmm.Tests.Inference;

/// <summary>The inference distributions against R's pnorm, pt, pchisq and qnorm (data/reference/distributions, made by
/// distributions.R there), far tails included: R gives 1.67e-132 for χ²₁ beyond 600 where 1 − CDF gives 0.</summary>
public class DistributionsTests
{
    public static TheoryData<string, double, double, double> Reference()
    {
        var data = new TheoryData<string, double, double, double>();
        var path = Path.Combine(AppContext.BaseDirectory, "data", "reference", "distributions", "distributions.csv");
        foreach (var line in File.ReadLines(path).Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            double Number(int i) => cells[i] == "Inf" ? double.PositiveInfinity : double.Parse(cells[i], CultureInfo.InvariantCulture);
            data.Add(cells[0], Number(1), Number(2), Number(3));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Reference))]
    public void AgreesWithR(string function, double x, double df, double expected)
    {
        double actual = function switch
        {
            "normal_two_sided" => Distributions.StudentTwoSided(x, double.PositiveInfinity),
            "t_two_sided" => Distributions.StudentTwoSided(x, df),
            "chisq_upper" => Distributions.ChiSquareUpperTail(x, df),
            "normal_quantile" => Distributions.NormalQuantile(x),
            _ => throw new InvalidOperationException(function),
        };
        double relative = expected == 0 ? Math.Abs(actual) : Math.Abs(actual - expected) / Math.Abs(expected);
        // R's pbeta (TOMS 708) is the more exact: MathNet's continued fraction is 8e-11 off at t = 25, df = 1e5; ten
        // digits of a p-value of 1e-137 are more than a report prints.
        Assert.True(relative < 1e-9, $"{function}({x}, {df}) = {actual:R}, R gives {expected:R} (relative error {relative:G3})");
    }
}
