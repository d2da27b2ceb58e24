namespace SparseLmm.Streaming;

/// <summary>Reads a source's next chunk on a worker thread while the caller codes and sums the current one, so that
/// decoding (Parquet pages, CSV text, a DuckDB result) and accumulation run on two cores instead of taking turns. The
/// chunks arrive in order and the sums are those of a sequential pass; memory grows by one chunk.</summary>
internal static class ChunkPrefetch
{
    /// <summary>The <paramref name="columns"/> of <paramref name="source"/>'s chunks for a pass: decoded on every thread
    /// the budget allows when the source can do that (<see cref="Data.IParallelChunkSource"/>), else each read ahead
    /// while the previous one is consumed.</summary>
    public static IEnumerable<IReadOnlyList<Data.ColumnChunk>> Read(Data.IDataSource source, IReadOnlyList<string> columns, int? threads)
    {
        int degree = new Numerics.ThreadBudget(threads).Degree;
        if (degree >= 2 && source is Data.IParallelChunkSource parallel) return parallel.Chunks(columns, degree);
        return Ahead(source.Chunks(columns), threads);
    }

    /// <summary>The items of <paramref name="source"/>, each produced while the previous one is consumed (in turn on
    /// the caller's thread when <paramref name="threads"/> allows one thread only). An exception of the source reaches
    /// the caller as itself, where the item would have been.</summary>
    public static IEnumerable<T> Ahead<T>(IEnumerable<T> source, int? threads)
    {
        if (new Numerics.ThreadBudget(threads).Degree < 2) return source;
        return Prefetched(source);
    }

    private static IEnumerable<T> Prefetched<T>(IEnumerable<T> source)
    {
        var enumerator = source.GetEnumerator();
        // MoveNext runs on one worker at a time: the next one starts only after Current has been taken.
        var next = Task.Run(enumerator.MoveNext);
        try
        {
            while (next.GetAwaiter().GetResult())
            {
                var current = enumerator.Current;
                next = Task.Run(enumerator.MoveNext);
                yield return current;
            }
        }
        finally
        {
            // A caller that stops early (or an exception) must not dispose the enumerator under a running MoveNext.
            try
            {
                next.Wait();
            }
            catch (AggregateException)
            {
                // Already surfaced to the caller, or irrelevant once the caller stopped reading.
            }
            enumerator.Dispose();
        }
    }
}
