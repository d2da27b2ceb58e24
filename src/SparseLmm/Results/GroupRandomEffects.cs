namespace SparseLmm.Results;

/// <summary>The conditional modes (BLUPs) of every random effect on one grouping factor, with conditional SDs.</summary>
/// <param name="Group">The grouping factor.</param>
/// <param name="Levels">Its levels.</param>
/// <param name="Terms">The random-effect columns on this factor (all terms on the factor, in order).</param>
/// <param name="Values">Values[level][term]: the conditional mode.</param>
/// <param name="ConditionalStandardDeviations">Same shape: the conditional standard deviation.</param>
public sealed record GroupRandomEffects(
    string Group,
    IReadOnlyList<string> Levels,
    IReadOnlyList<string> Terms,
    IReadOnlyList<IReadOnlyList<double>> Values,
    IReadOnlyList<IReadOnlyList<double>> ConditionalStandardDeviations)
{
    /// <summary>Its levels (frozen: see <see cref="MixedModelFit"/>).</summary>
    public IReadOnlyList<string> Levels { get; init => field = Frozen.List(value); } = Frozen.List(Levels);

    /// <summary>The random-effect columns on this factor.</summary>
    public IReadOnlyList<string> Terms { get; init => field = Frozen.List(value); } = Frozen.List(Terms);

    /// <summary>Values[level][term]: the conditional mode.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Values { get; init => field = Frozen.Rows(value); } = Frozen.Rows(Values);

    /// <summary>Same shape: the conditional standard deviation.</summary>
    public IReadOnlyList<IReadOnlyList<double>> ConditionalStandardDeviations { get; init => field = Frozen.Rows(value); } =
        Frozen.Rows(ConditionalStandardDeviations);

    /// <summary>For each observation (in the order of <see cref="MixedModelFit.Response"/>), the index into
    /// <see cref="Levels"/> of its level of this factor. Empty for a fit made by hand.</summary>
    public IReadOnlyList<int> ObservationLevels { get; init => field = Frozen.List(value); } = [];

    /// <summary>The conditional mode of <paramref name="term"/> for <paramref name="level"/>.</summary>
    public double this[string level, string term] =>
        Values[IndexOf(Levels, level, "level")][IndexOf(Terms, term, "term")];

    private static int IndexOf(IReadOnlyList<string> names, string name, string what)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        throw new KeyNotFoundException($"no {what} '{name}'");
    }
}
