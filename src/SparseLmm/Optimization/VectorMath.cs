namespace SparseLmm.Optimization;

/// <summary>The few dense vector operations the optimiser repeats everywhere.</summary>
internal static class VectorMath
{
    /// <summary>a·b.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>target += scale · source.</summary>
    public static void AddScaled(Span<double> target, double scale, ReadOnlySpan<double> source)
    {
        for (int i = 0; i < target.Length; i++) target[i] += scale * source[i];
    }

    /// <summary>x².</summary>
    public static double Square(double x) => x * x;

    /// <summary>|a − b|².</summary>
    public static double DistanceSquared(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double difference = a[i] - b[i];
            sum += difference * difference;
        }
        return sum;
    }
}
