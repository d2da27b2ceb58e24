using System.Globalization;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>R-hat, bulk and tail ESS against the R package posterior on the chains it was given
/// (data/reference/mcmc/posterior_diagnostics.R): well mixed, slowly mixing, and with one chain shifted.</summary>
public class ConvergenceDiagnosticsTests
{
    private static string Reference(string file) => Path.Combine(AppContext.BaseDirectory, "data", "reference", "mcmc", file);

    [Theory]
    [InlineData("mixed")]
    [InlineData("slow")]
    [InlineData("shifted")]
    public void Match_the_posterior_package(string set)
    {
        var chains = File.ReadLines(Reference("posterior_diagnostics.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(fields => fields[0] == set)
            .GroupBy(fields => fields[1])
            .Select(group => group.OrderBy(f => int.Parse(f[2], CultureInfo.InvariantCulture)).Select(f => double.Parse(f[3], CultureInfo.InvariantCulture)).ToArray())
            .ToList();
        Assert.Equal(4, chains.Count);
        var expected = File.ReadLines(Reference("posterior_diagnostics_reference.csv")).Skip(1)
            .Select(line => line.Split(',')).Single(fields => fields[0] == set)
            .Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var (rhat, bulk, tail) = ConvergenceDiagnostics.Compute(chains);
        Assert.Equal(expected[0], rhat, 1e-10);
        Assert.Equal(expected[1], bulk, 1e-8);
        Assert.Equal(expected[2], tail, 1e-8);
    }

    [Fact]
    public void A_constant_parameter_has_no_diagnostics()
    {
        var chains = Enumerable.Range(0, 2).Select(_ => Enumerable.Repeat(1.0, 50).ToArray()).ToList();
        var (rhat, bulk, tail) = ConvergenceDiagnostics.Compute(chains);
        Assert.True(double.IsNaN(rhat) && double.IsNaN(bulk) && double.IsNaN(tail));
    }
}
