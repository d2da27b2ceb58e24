namespace SparseLmm.Data;

/// <summary>Suggests the name the user probably meant, for messages such as
/// "unknown column 'Reactoin' (did you mean 'Reaction'?)".</summary>
internal static class NameSuggestions
{
    /// <summary>The candidate closest to <paramref name="wanted"/> by edit distance (Levenshtein with adjacent
    /// transpositions counted as one edit), ignoring case; null when no candidate is close enough to be a plausible
    /// typo (more than half of the longer name would have to change). Ties go to the case-sensitively closer, then
    /// to the earlier candidate.</summary>
    /// <param name="wanted">What the user wrote.</param>
    /// <param name="candidates">The names that exist.</param>
    public static string? ClosestName(string wanted, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(candidates);
        var wantedUpper = wanted.ToUpperInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        int bestExactCaseDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (candidate is null) continue;
            int distance = EditDistance(wantedUpper, candidate.ToUpperInvariant());
            int allowed = Math.Max(1, Math.Max(wanted.Length, candidate.Length) / 2);
            if (distance > allowed || distance > bestDistance) continue;
            int exactCaseDistance = EditDistance(wanted, candidate);
            if (distance < bestDistance || exactCaseDistance < bestExactCaseDistance)
            {
                best = candidate;
                bestDistance = distance;
                bestExactCaseDistance = exactCaseDistance;
            }
        }
        return best;
    }

    /// <summary>" (did you mean 'X'?)" for the closest candidate, or an empty string when none is close; for
    /// appending to a message.</summary>
    /// <param name="wanted">What the user wrote.</param>
    /// <param name="candidates">The names that exist.</param>
    public static string DidYouMean(string wanted, IEnumerable<string> candidates) =>
        ClosestName(wanted, candidates) is { } name ? $" (did you mean '{name}'?)" : "";

    /// <summary>Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    internal static int EditDistance(string a, string b)
    {
        int n = a.Length, m = b.Length;
        if (n == 0) return m;
        if (m == 0) return n;
        // Three rolling rows: i-2, i-1, i.
        var before = new int[m + 1];
        var previous = new int[m + 1];
        var current = new int[m + 1];
        for (int k = 0; k <= m; k++) previous[k] = k;
        for (int i = 1; i <= n; i++)
        {
            current[0] = i;
            for (int k = 1; k <= m; k++)
            {
                int cost = a[i - 1] == b[k - 1] ? 0 : 1;
                int d = Math.Min(Math.Min(previous[k] + 1, current[k - 1] + 1), previous[k - 1] + cost);
                if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1])
                    d = Math.Min(d, before[k - 2] + 1);
                current[k] = d;
            }
            (before, previous, current) = (previous, current, before);
        }
        return previous[m];
    }
}
