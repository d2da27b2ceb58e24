namespace SparseLmm.Data;

/// <summary>Sorts factor levels the way the data layer promises: numerically when every level is a number, else in
/// ordinal string order.</summary>
internal static class LevelOrdering
{
    /// <summary>Sorts <paramref name="labels"/> (distinct, in first-seen order).</summary>
    /// <param name="labels">The distinct labels; label <c>i</c> has provisional code <c>i</c>.</param>
    /// <param name="sorted">The labels in level order.</param>
    /// <returns>For each provisional code, its position in <paramref name="sorted"/>.</returns>
    public static int[] Sort(IReadOnlyList<string> labels, out string[] sorted)
    {
        int n = labels.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;

        var numbers = new double[n];
        bool allNumeric = true;
        for (int i = 0; i < n && allNumeric; i++)
            allNumeric = NumberParsing.TryParse(labels[i], out numbers[i]);

        if (allNumeric)
        {
            Array.Sort(order, (a, b) =>
            {
                int c = numbers[a].CompareTo(numbers[b]);
                return c != 0 ? c : string.CompareOrdinal(labels[a], labels[b]);
            });
        }
        else
        {
            Array.Sort(order, (a, b) => string.CompareOrdinal(labels[a], labels[b]));
        }

        sorted = new string[n];
        var rank = new int[n];
        for (int k = 0; k < n; k++)
        {
            sorted[k] = labels[order[k]];
            rank[order[k]] = k;
        }
        return rank;
    }
}
