namespace SparseLmm.Bench;

/// <summary>Graphs for the fill-reducing ordering benchmarks, in the adjacency form
/// <see cref="SparseLmm.Numerics.Sparse.ApproximateMinimumDegree.Order"/> takes.</summary>
internal sealed record OrderingGraph(int NodeCount, int[] Start, int[] Adjacency)
{
    /// <summary>The k × k five-point grid, numbered row by row (the classic ordering test problem).</summary>
    public static OrderingGraph Grid(int k)
    {
        var edges = new List<(int, int)>(2 * k * k);
        for (int row = 0; row < k; row++)
            for (int column = 0; column < k; column++)
            {
                int node = row * k + column;
                if (column + 1 < k) edges.Add((node, node + 1));
                if (row + 1 < k) edges.Add((node, node + k));
            }
        return FromEdges(k * k, edges);
    }

    /// <summary>
    /// The level graph of a school study: pupils nested in classes nested in schools, and neighbourhoods partially
    /// crossed with schools (a pupil usually lives in one of four neighbourhoods near the school, sometimes anywhere).
    /// Every observation row joins its pupil, class, school and neighbourhood; each pupil has
    /// <paramref name="rowsPerPupil"/> rows, each with its own neighbourhood. Levels are numbered factor by factor,
    /// pupils first, as a model's random effects are. Deterministic by seed.
    /// </summary>
    public static OrderingGraph NestedPartiallyCrossed(int schools, int classesPerSchool, int pupilsPerClass,
        int neighbourhoods, int rowsPerPupil, double crossing, ulong seed)
    {
        int classes = schools * classesPerSchool, pupils = classes * pupilsPerClass;
        int firstClass = pupils, firstSchool = firstClass + classes, firstNeighbourhood = firstSchool + schools;
        var random = new Xoshiro256StarStar(seed, 0);
        var edges = new List<(int, int)>(pupils * rowsPerPupil * 6);
        for (int pupil = 0; pupil < pupils; pupil++)
        {
            int schoolClass = pupil / pupilsPerClass, school = schoolClass / classesPerSchool;
            edges.Add((pupil, firstClass + schoolClass));
            edges.Add((pupil, firstSchool + school));
            edges.Add((firstClass + schoolClass, firstSchool + school));
            for (int row = 0; row < rowsPerPupil; row++)
            {
                int neighbourhood = random.NextDouble() < crossing
                    ? random.NextInt(neighbourhoods)
                    : (int)((4L * school + random.NextInt(4)) % neighbourhoods);
                int node = firstNeighbourhood + neighbourhood;
                edges.Add((pupil, node));
                edges.Add((firstClass + schoolClass, node));
                edges.Add((firstSchool + school, node));
            }
        }
        return FromEdges(firstNeighbourhood + neighbourhoods, edges);
    }

    /// <summary>Uniformly random pairs: no structure to exploit, the hard case for any ordering.</summary>
    public static OrderingGraph Random(int n, int pairs, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed, 0);
        var edges = new List<(int, int)>(pairs);
        for (int e = 0; e < pairs; e++) edges.Add((random.NextInt(n), random.NextInt(n)));
        return FromEdges(n, edges);
    }

    /// <summary>Both directions of every pair (repeated pairs stay repeated; the ordering ignores duplicates).</summary>
    private static OrderingGraph FromEdges(int n, List<(int A, int B)> edges)
    {
        var start = new int[n + 1];
        foreach (var (a, b) in edges)
        {
            if (a == b) continue;
            start[a + 1]++;
            start[b + 1]++;
        }
        for (int i = 0; i < n; i++) start[i + 1] += start[i];
        var fill = start.AsSpan(0, n).ToArray();
        var adjacency = new int[start[n]];
        foreach (var (a, b) in edges)
        {
            if (a == b) continue;
            adjacency[fill[a]++] = b;
            adjacency[fill[b]++] = a;
        }
        return new OrderingGraph(n, start, adjacency);
    }
}
