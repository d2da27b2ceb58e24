using SparseLmm.Inference;

namespace SparseLmm.Mcmc;

/// <summary>R-hat and effective sample sizes of one parameter over several chains, as Vehtari, Gelman, Simpson,
/// Carpenter and Bürkner (2021) define them and the R package posterior computes them: chains split in halves; R-hat
/// the larger of the rank-normalised split R-hat of the draws and of their distances from the median (folded); bulk ESS
/// the ESS of the rank-normalised split chains; tail ESS the smaller ESS of the indicators of the 5% and 95% quantiles.
/// ESS by Geyer's initial monotone sequence over the chains' mean autocovariances (posterior's <c>ess</c>).</summary>
internal static class ConvergenceDiagnostics
{
    /// <summary>R-hat, bulk ESS and tail ESS of <paramref name="chains"/> (each chain's draws in order); NaN for a
    /// constant parameter or fewer than 4 draws per chain.</summary>
    public static (double Rhat, double BulkEss, double TailEss) Compute(IReadOnlyList<double[]> chains)
    {
        var split = Split(chains);
        if (split[0].Length < 2) return (double.NaN, double.NaN, double.NaN);
        int total = split.Length * split[0].Length;
        var sorted = new double[total];
        var order = new int[total];
        Pool(split, sorted, order);
        if (sorted[0] == sorted[^1]) return (double.NaN, double.NaN, double.NaN);
        double median = SortedSample.Quantile(sorted, 0.5);
        var scores = RankScores(total);
        var normalised = RankNormalise(split, sorted, order, scores);
        var folded = split.Select(c => c.Select(x => Math.Abs(x - median)).ToArray()).ToArray();
        var (foldedSorted, foldedOrder) = FoldSorted(sorted, order, median);
        double rhat = Math.Max(BasicRhat(normalised), BasicRhat(RankNormalise(folded, foldedSorted, foldedOrder, scores)));
        double bulk = Ess(normalised);
        double q05 = SortedSample.Quantile(sorted, 0.05), q95 = SortedSample.Quantile(sorted, 0.95);
        double tail = Math.Min(Ess(Indicator(split, q05)), Ess(Indicator(split, q95)));
        return (rhat, bulk, tail);
    }

    /// <summary>Each chain's first and last ⌊n/2⌋ draws as two chains (the middle draw of an odd chain dropped).</summary>
    private static double[][] Split(IReadOnlyList<double[]> chains)
    {
        int half = chains[0].Length / 2;
        return chains.SelectMany(c => new[] { c[..half], c[^half..] }).ToArray();
    }

    /// <summary>The normal scores of the ranks 1..<paramref name="total"/> without ties, Φ⁻¹((r − 3/8) / (S + 1/4)):
    /// the same for every parameter of a run, so the last table is kept (immutable; a race only computes it twice).</summary>
    private static double[] RankScores(int total)
    {
        if (lastScores is { } cached && cached.Length == total) return cached;
        var scores = new double[total];
        for (int r = 0; r < total; r++) scores[r] = Distributions.NormalQuantile((r + 1 - 0.375) / (total + 0.25));
        lastScores = scores;
        return scores;
    }

    private static volatile double[]? lastScores;

    /// <summary>|x − median| of the sorted pooled draws, sorted, with their pooled indices: the draws below the median
    /// read downwards merged with those above it read upwards, without a second sort.</summary>
    private static (double[] Sorted, int[] Order) FoldSorted(double[] sorted, int[] order, double median)
    {
        int total = sorted.Length;
        var folded = new double[total];
        var foldedOrder = new int[total];
        int above = 0;
        while (above < total && sorted[above] < median) above++;
        int below = above - 1;
        for (int i = 0; i < total; i++)
        {
            bool takeBelow = above >= total || (below >= 0 && median - sorted[below] <= sorted[above] - median);
            int from = takeBelow ? below-- : above++;
            folded[i] = Math.Abs(sorted[from] - median);
            foldedOrder[i] = order[from];
        }
        return (folded, foldedOrder);
    }

    /// <summary>The pooled draws of <paramref name="chains"/> sorted into <paramref name="sorted"/>, with each sorted
    /// value's pooled index (chain × length + draw) in <paramref name="order"/>.</summary>
    private static void Pool(double[][] chains, double[] sorted, int[] order)
    {
        int length = chains[0].Length;
        for (int c = 0; c < chains.Length; c++) chains[c].CopyTo(sorted, c * length);
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(sorted, order);
    }

    private static double[][] Indicator(double[][] chains, double quantile) =>
        chains.Select(c => c.Select(x => x <= quantile ? 1.0 : 0.0).ToArray()).ToArray();

    /// <summary>Normal scores of the pooled ranks (ties averaged): Φ⁻¹((r − 3/8) / (S + 1/4)), from the pooled draws
    /// <paramref name="sorted"/> with their indices <paramref name="order"/> and the untied scores by rank.</summary>
    private static double[][] RankNormalise(double[][] chains, double[] sorted, int[] order, double[] rankScores)
    {
        int length = chains[0].Length, total = sorted.Length;
        var scores = chains.Select(_ => new double[length]).ToArray();
        for (int start = 0; start < total;)
        {
            int end = start + 1;
            while (end < total && sorted[end] == sorted[start]) end++;
            double score = end == start + 1
                ? rankScores[start]
                : Distributions.NormalQuantile(((start + 1 + end) / 2.0 - 0.375) / (total + 0.25));
            for (int i = start; i < end; i++) scores[order[i] / length][order[i] % length] = score;
            start = end;
        }
        return scores;
    }

    /// <summary>√((n − 1)/n + B/(nW)): between-chain B/n and mean within-chain variance W.</summary>
    private static double BasicRhat(double[][] chains)
    {
        int n = chains[0].Length;
        var means = chains.Select(c => c.Average()).ToArray();
        double within = chains.Select((c, m) => c.Sum(x => (x - means[m]) * (x - means[m])) / (n - 1)).Average();
        double grand = means.Average();
        double between = n * means.Sum(x => (x - grand) * (x - grand)) / (means.Length - 1);
        return Math.Sqrt(((n - 1.0) / n * within + between / n) / within);
    }

    /// <summary>The ESS of the chains (posterior's <c>ess</c>): ρ_t = 1 − (W − mean acov_t) / var⁺, summed in pairs
    /// while positive, made monotone, τ = −1 + 2 Σ ρ_t + ρ_(last even), ESS = mn / max(τ, 1/log10(mn)).</summary>
    private static double Ess(double[][] chains)
    {
        int m = chains.Length, n = chains[0].Length;
        var means = chains.Select(c => c.Average()).ToArray();
        double Autocovariance(int lag)
        {
            double sum = 0;
            for (int c = 0; c < m; c++)
            {
                var x = chains[c];
                double mean = means[c], value = 0;
                for (int i = 0; i + lag < n; i++) value += (x[i] - mean) * (x[i + lag] - mean);
                sum += value / n;
            }
            return sum / m;
        }
        double meanVariance = Autocovariance(0) * n / (n - 1.0);
        double variancePlus = meanVariance * (n - 1.0) / n;
        if (m > 1)
        {
            double grand = means.Average();
            variancePlus += means.Sum(x => (x - grand) * (x - grand)) / (m - 1);
        }
        if (!(variancePlus > 0)) return double.NaN;
        double Rho(int lag) => 1 - (meanVariance - Autocovariance(lag)) / variancePlus;
        var rho = new double[n + 1];
        rho[0] = 1;
        rho[1] = Rho(1);
        int t = 0;
        double even = 1, odd = rho[1];
        while (t < n - 5 && even + odd > 0)
        {
            t += 2;
            even = Rho(t);
            odd = Rho(t + 1);
            if (even + odd >= 0)
            {
                rho[t] = even;
                rho[t + 1] = odd;
            }
        }
        int maxT = t;
        if (even > 0) rho[maxT] = even;
        for (t = 2; t <= maxT - 2; t += 2)
            if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1])
            {
                rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
                rho[t + 1] = rho[t];
            }
        double sum = 0;
        for (int i = 0; i < maxT; i++) sum += rho[i];
        double total = (double)m * n;
        double tau = Math.Max(-1 + 2 * sum + rho[maxT], 1 / Math.Log10(total));
        return total / tau;
    }
}
