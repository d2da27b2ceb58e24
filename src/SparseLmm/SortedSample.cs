namespace SparseLmm;

/// <summary>Order statistics of a sorted sample.</summary>
internal static class SortedSample
{
    /// <summary>The p-quantile by linear interpolation between order statistics, R's default (type 7); NaN when empty.</summary>
    public static double Quantile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        double h = (sorted.Length - 1) * p;
        int low = (int)Math.Floor(h);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }
}
