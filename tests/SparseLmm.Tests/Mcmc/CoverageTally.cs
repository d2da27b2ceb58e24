using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>Simulation-based calibration's bookkeeping over many simulated data sets: per parameter, how often the 95%
/// interval covered the truth and the mean of the truth's posterior CDF value, held to their nominal 0.95 and ½ within
/// 3.5 binomial (uniform) standard errors.</summary>
internal sealed class CoverageTally(IReadOnlyList<string> names)
{
    private readonly int[] covered = new int[names.Count];
    private readonly double[] cdfSum = new double[names.Count];
    private int datasets;

    /// <summary>One data set's posterior (its first chain) against the truth, in <c>names</c> order.</summary>
    public void Add(McmcResult posterior, IReadOnlyList<double> truth)
    {
        datasets++;
        for (int j = 0; j < names.Count; j++)
        {
            int index = posterior.Names.ToList().IndexOf(names[j]);
            Assert.True(index >= 0, names[j]);
            var summary = posterior.Summaries[index];
            if (summary.Lower <= truth[j] && truth[j] <= summary.Upper) covered[j]++;
            var draws = posterior.ChainDraws(0, index);
            cdfSum[j] += draws.Count(d => d < truth[j]) / (double)draws.Length;
        }
    }

    /// <summary>Asserts both rates, writing them to <paramref name="output"/> under <paramref name="label"/>.</summary>
    public void AssertNominal(Xunit.Abstractions.ITestOutputHelper output, string label)
    {
        double coverageTolerance = 3.5 * Math.Sqrt(0.95 * 0.05 / datasets);
        double cdfTolerance = 3.5 * Math.Sqrt(1.0 / 12 / datasets);
        for (int j = 0; j < names.Count; j++)
        {
            double coverage = covered[j] / (double)datasets, meanCdf = cdfSum[j] / datasets;
            output.WriteLine($"{label}{names[j]}: coverage {coverage:F3}, mean CDF {meanCdf:F3}");
            Assert.True(Math.Abs(coverage - 0.95) <= coverageTolerance, $"{names[j]}: 95% intervals cover {coverage:P1}");
            Assert.True(Math.Abs(meanCdf - 0.5) <= cdfTolerance, $"{names[j]}: mean posterior CDF of the truth {meanCdf:F3}");
        }
    }
}
