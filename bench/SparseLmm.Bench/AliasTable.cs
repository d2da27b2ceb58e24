namespace SparseLmm.Bench;

/// <summary>Walker's alias table (Vose's construction): draws an index with probability proportional to its weight in
/// constant time. The generators use it to share millions of students, classes or pupils out over units of unequal
/// size; a cumulative table with a binary search would cost log n per draw.</summary>
internal sealed class AliasTable
{
    private readonly double[] probability;
    private readonly int[] alias;

    /// <summary>Builds the table for non-negative <paramref name="weights"/> with a positive sum.</summary>
    public AliasTable(ReadOnlySpan<double> weights)
    {
        int count = weights.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        double total = 0;
        foreach (double weight in weights) total += weight;
        if (!(total > 0)) throw new ArgumentException("the weights must have a positive sum", nameof(weights));
        probability = new double[count];
        alias = new int[count];
        var scaled = new double[count];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (int i = 0; i < count; i++)
        {
            scaled[i] = weights[i] * count / total;
            (scaled[i] < 1 ? small : large).Push(i);
        }
        while (small.Count > 0 && large.Count > 0)
        {
            int less = small.Pop(), more = large.Peek();
            probability[less] = scaled[less];
            alias[less] = more;
            scaled[more] -= 1 - scaled[less];
            if (scaled[more] < 1)
            {
                large.Pop();
                small.Push(more);
            }
        }
        // What is left is 1 up to rounding.
        foreach (int i in large) probability[i] = 1;
        foreach (int i in small) probability[i] = 1;
    }

    /// <summary>Draws one index.</summary>
    public int Sample(ref Xoshiro256StarStar random)
    {
        int column = random.NextInt(probability.Length);
        return random.NextDouble() < probability[column] ? column : alias[column];
    }
}
