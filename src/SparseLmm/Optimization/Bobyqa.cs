namespace SparseLmm.Optimization;

/// <summary>
/// Powell's BOBYQA (2009, "The BOBYQA algorithm for bound constrained optimization without derivatives"):
/// minimises a function of a few dozen variables at most, subject to bounds, without derivatives. Each iteration
/// minimises a quadratic model that interpolates the function at m points within a trust region, then replaces
/// one point; the model's Hessian changes as little as possible at each update, so m can be as small as 2n + 1.
/// Designed for objectives whose evaluations dominate the cost, such as a profiled deviance.
/// </summary>
internal static class Bobyqa
{
    private const double RadiusLimit = 1e60;

    /// <summary>Minimises <paramref name="objective"/> subject to <paramref name="lower"/> ≤ x ≤ <paramref name="upper"/>.</summary>
    /// <param name="objective">The function to minimise. It is never called outside the bounds.</param>
    /// <param name="start">The first point evaluated; it may lie on a bound.</param>
    /// <param name="lower">Lower bounds; <see cref="double.NegativeInfinity"/> for none.</param>
    /// <param name="upper">Upper bounds; <see cref="double.PositiveInfinity"/> for none.</param>
    /// <param name="options">Radii, evaluation budget and number of interpolation points; null for the defaults.</param>
    /// <returns>The best point evaluated. <see cref="OptimizationResult.Converged"/> is false when the budget ran out first.</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero, a start value is not finite or lies outside its
    /// bounds, a lower bound is not below its upper bound, or an option is out of range.</exception>
    public static OptimizationResult Minimize(ObjectiveFunction objective, ReadOnlySpan<double> start,
        ReadOnlySpan<double> lower, ReadOnlySpan<double> upper, BobyqaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        options ??= new BobyqaOptions();
        int n = start.Length;
        if (n == 0) throw new ArgumentException("The start point has no coordinates.", nameof(start));
        if (lower.Length != n) throw new ArgumentException($"{lower.Length} lower bounds for {n} variables.", nameof(lower));
        if (upper.Length != n) throw new ArgumentException($"{upper.Length} upper bounds for {n} variables.", nameof(upper));

        double narrowestGap = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(start[i])) throw new ArgumentException($"Start value {i} is {start[i]}.", nameof(start));
            if (!(lower[i] < upper[i]))
                throw new ArgumentException($"Lower bound {lower[i]} of variable {i} is not below its upper bound {upper[i]}.", nameof(lower));
            if (start[i] < lower[i] || start[i] > upper[i])
                throw new ArgumentException($"Start value {start[i]} of variable {i} is outside [{lower[i]}, {upper[i]}].", nameof(start));
            narrowestGap = Math.Min(narrowestGap, upper[i] - lower[i]);
        }

        // The interpolation system holds fourth powers of distances of order the radius, which must neither
        // overflow nor underflow.
        if (!(options.InitialTrustRadius <= RadiusLimit))
            throw new ArgumentException($"InitialTrustRadius {options.InitialTrustRadius} must be at most {RadiusLimit}.", nameof(options));
        if (!(options.FinalTrustRadius >= 1 / RadiusLimit) || options.FinalTrustRadius > options.InitialTrustRadius)
            throw new ArgumentException(
                $"FinalTrustRadius {options.FinalTrustRadius} must be at least {1 / RadiusLimit} and at most InitialTrustRadius {options.InitialTrustRadius}.",
                nameof(options));
        if (options.MaxEvaluations < 1)
            throw new ArgumentException($"MaxEvaluations {options.MaxEvaluations} must be positive.", nameof(options));
        int pointCount = options.InterpolationPoints ?? 2 * n + 1;
        int mostPoints = (n + 1) * (n + 2) / 2;
        if (pointCount < n + 2 || pointCount > mostPoints)
            throw new ArgumentException($"InterpolationPoints {pointCount} must be between {n + 2} and {mostPoints} for {n} variables.", nameof(options));

        // Every initial interpolation point must fit inside the box, on one side of the start or the other.
        double initialRadius = Math.Min(options.InitialTrustRadius, 0.5 * narrowestGap);
        double finalRadius = Math.Min(options.FinalTrustRadius, initialRadius);
        var solver = new BobyqaSolver(objective, lower, upper, pointCount, finalRadius, options.MaxEvaluations,
            options.FunctionTolerance, options.FunctionToleranceRadius);
        return solver.Run(start, initialRadius);
    }
}
