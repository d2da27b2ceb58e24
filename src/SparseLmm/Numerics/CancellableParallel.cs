namespace SparseLmm.Numerics;

/// <summary><see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> that a caller's token stops: no new
/// iteration starts once it fires, and the caller gets one <see cref="OperationCanceledException"/> instead of the
/// <see cref="AggregateException"/> in which Parallel.For gathers the iterations that saw the token themselves.</summary>
internal static class CancellableParallel
{
    /// <summary>Runs <paramref name="body"/> for 0 ≤ i &lt; <paramref name="count"/> on at most
    /// <paramref name="maxDegree"/> threads (−1: as many as the pool gives).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired.</exception>
    public static void For(int count, CancellationToken cancellation, Action<int> body, int maxDegree = -1)
    {
        var options = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = maxDegree };
        try
        {
            Parallel.For(0, count, options, body);
        }
        catch (AggregateException e) when (cancellation.IsCancellationRequested
            && e.Flatten().InnerExceptions.All(inner => inner is OperationCanceledException))
        {
            throw new OperationCanceledException(cancellation);
        }
    }
}
