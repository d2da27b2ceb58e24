namespace SparseLmm.Optimization;

/// <summary>The objective behind an evaluation budget: counts calls, tames non-finite values and remembers the best
/// point, so that the result is the best point ever evaluated whatever the interpolation set holds when the run stops.</summary>
internal sealed class CountedObjective
{
    /// <summary>Values beyond this magnitude (and NaN) are clamped so that the model arithmetic cannot overflow.</summary>
    private const double HugeValue = 1e100;

    private readonly ObjectiveFunction objective;
    private readonly int maxEvaluations;

    /// <summary>Wraps <paramref name="objective"/> for a problem of <paramref name="dimension"/> variables.</summary>
    public CountedObjective(ObjectiveFunction objective, int dimension, int maxEvaluations)
    {
        this.objective = objective;
        this.maxEvaluations = maxEvaluations;
        BestPoint = new double[dimension];
    }

    /// <summary>Number of calls so far.</summary>
    public int Evaluations { get; private set; }

    /// <summary>The best point evaluated so far.</summary>
    public double[] BestPoint { get; }

    /// <summary>The (clamped) value at <see cref="BestPoint"/>; +∞ before the first call.</summary>
    public double BestValue { get; private set; } = double.PositiveInfinity;

    /// <summary>Evaluates at <paramref name="point"/>, or returns false when the budget is spent.</summary>
    public bool TryEvaluate(ReadOnlySpan<double> point, out double value)
    {
        value = 0;
        if (Evaluations >= maxEvaluations) return false;
        value = objective(point);
        if (double.IsNaN(value) || value > HugeValue) value = HugeValue;
        else if (value < -HugeValue) value = -HugeValue;
        Evaluations++;
        if (value < BestValue)
        {
            BestValue = value;
            point.CopyTo(BestPoint);
        }
        return true;
    }
}
