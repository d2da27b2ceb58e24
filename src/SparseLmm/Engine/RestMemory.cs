namespace SparseLmm.Engine;

/// <summary>The memory the rest block holds at its peak, checked when its structure is chosen and before any of it is
/// allocated, so that a model too large for the machine is refused in one line instead of being killed by the system
/// part-way: a 10M-row cross-classification (200,000 primary × 40,000 secondary schools, the secondaries filling in
/// after the primaries are eliminated) asked for over 40 GB on a 23 GB machine and was killed after 140 s.</summary>
internal static class RestMemory
{
    // The supernodal rest holds its cross-products, its factor, the Schur sums (one buffer above the partitioned limit)
    // and, at the optimum, the selected inverse: four arrays of its values.
    private const int SupernodalCopies = 4;

    // What else the process holds (the data, the first term's blocks, the runtime) is not counted: the rest may take this
    // share of what is available.
    private const double AvailableShare = 0.85;

    /// <summary>Peak bytes of a dense rest of order <paramref name="size"/> with <paramref name="random"/> random
    /// effects: the cross-products and the factor (size² each) and, at the optimum, the inverse of the random-effects
    /// block for the conditional variances (taken from a 2·random-square augmented matrix).</summary>
    public static long DenseBytes(int size, int random) => (2L * size * size + 4L * random * random) * sizeof(double);

    /// <summary>Peak bytes of a supernodal rest of <paramref name="values"/> stored values.</summary>
    public static long SupernodalBytes(long values) => SupernodalCopies * values * sizeof(double);

    /// <summary>Throws an <see cref="InputException"/> naming the model's size when <paramref name="bytes"/> exceed
    /// the memory this process may use. <paramref name="structure"/> says what would be stored.</summary>
    public static void Require(long bytes, CrossProductLayout layout, string structure) =>
        Require(bytes, layout, structure, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>As <see cref="Require(long, CrossProductLayout, string)"/> with <paramref name="available"/> bytes.</summary>
    internal static void Require(long bytes, CrossProductLayout layout, string structure, long available)
    {
        if (bytes <= AvailableShare * available) return;
        var later = string.Join(", ", layout.Terms.Skip(1).Select(t => $"'{t.GroupName}'").Distinct());
        throw new InputException(
            $"the model is too large for this machine's memory: after eliminating '{layout.First.GroupName}', the {layout.RestRandomSize:N0} random effects of {later} couple into {structure}, which needs about {bytes / 1e9:F1} GB, more than the {available / 1e9:F1} GB available");
    }
}
