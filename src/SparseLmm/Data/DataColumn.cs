namespace SparseLmm.Data;

/// <summary>One column of a <see cref="DataTable"/>, stored as an array rather than as rows of objects.</summary>
/// <param name="Name">The column's header.</param>
public abstract record DataColumn(string Name)
{
    /// <summary>The column's header.</summary>
    public string Name { get; init; } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>Number of rows.</summary>
    public abstract int Length { get; }

    /// <summary>True when the cell at <paramref name="row"/> was empty or <c>NA</c>.</summary>
    public abstract bool IsMissing(int row);
}

/// <summary>A numeric column. Missing cells are flagged in <see cref="Missing"/> (null when none are missing);
/// their entry in <see cref="Values"/> is NaN. A NaN or infinity that was written in the file is a value, not a missing cell.</summary>
/// <param name="Name">The column's header.</param>
/// <param name="Values">The values, one per row.</param>
/// <param name="Missing">Per-row missing flags, or null when no cell is missing.</param>
public sealed record NumericColumn(string Name, double[] Values, bool[]? Missing = null) : DataColumn(Name)
{
    private readonly bool valid = Validate(Name, Values, Missing);

    private static bool Validate(string name, double[] values, bool[]? missing)
    {
        ArgumentNullException.ThrowIfNull(values, nameof(Values));
        if (missing is not null && missing.Length != values.Length)
            throw new ArgumentException(
                $"column '{name}': {missing.Length} missing flags for {values.Length} values (one flag per row)", nameof(Missing));
        return true;
    }

    /// <inheritdoc />
    public override int Length => Values.Length;

    /// <inheritdoc />
    public override bool IsMissing(int row) => Missing is not null && Missing[row];
}

/// <summary>A categorical column: an integer code per row indexing <see cref="Levels"/>; code −1 marks a missing cell.
/// Levels are sorted numerically when every level is a number, else in ordinal string order (as R sorts factor levels).</summary>
/// <param name="Name">The column's header.</param>
/// <param name="Codes">Level index per row, −1 when missing.</param>
/// <param name="Levels">The distinct level labels, in sorted order.</param>
public sealed record CategoricalColumn(string Name, int[] Codes, string[] Levels) : DataColumn(Name)
{
    private readonly bool valid = Validate(Name, Codes, Levels);

    private static bool Validate(string name, int[] codes, string[] levels)
    {
        ArgumentNullException.ThrowIfNull(codes, nameof(Codes));
        ArgumentNullException.ThrowIfNull(levels, nameof(Levels));
        for (int k = 0; k < levels.Length; k++)
            if (levels[k] is null) throw new ArgumentException($"column '{name}': level {k} is null", nameof(Levels));
        int count = levels.Length;
        for (int row = 0; row < codes.Length; row++)
        {
            int code = codes[row];
            if (code < -1 || code >= count)
                throw new ArgumentException(
                    $"column '{name}': code {code} at row {row} is not a level index (−1 for missing, 0 to {count - 1} for the {count} levels)",
                    nameof(Codes));
        }
        return true;
    }

    /// <inheritdoc />
    public override int Length => Codes.Length;

    /// <summary>A categorical column from one label per row (null: missing), its levels sorted as those of a column
    /// read from a file (numerically when every label is a number, else in ordinal string order).</summary>
    /// <param name="name">The column's header.</param>
    /// <param name="labels">The label of each row.</param>
    public static CategoricalColumn FromStrings(string name, IEnumerable<string?> labels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(labels);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new List<string>();
        var provisional = new List<int>();
        foreach (var label in labels)
        {
            if (label is null)
            {
                provisional.Add(-1);
                continue;
            }
            if (!seen.TryGetValue(label, out int code))
            {
                code = distinct.Count;
                seen.Add(label, code);
                distinct.Add(label);
            }
            provisional.Add(code);
        }
        var position = LevelOrdering.Sort(distinct, out var levels);
        var codes = provisional.Select(code => code < 0 ? -1 : position[code]).ToArray();
        return new CategoricalColumn(name, codes, levels) { Declared = true };
    }

    /// <summary>For a column read from a file: its first cell that is neither missing nor a number, with its line
    /// (for messages about a stray text cell in a column of numbers).</summary>
    internal TextCell? FirstText { get; init; }

    /// <summary>True when the user declared the column categorical (<c>--factor</c>, <see cref="FitOptions.FactorColumns"/>):
    /// then numbers among its labels are levels, not a sign of a stray text cell.</summary>
    internal bool Declared { get; init; }

    /// <inheritdoc />
    public override bool IsMissing(int row) => Codes[row] < 0;
}

/// <summary>A text cell of a file, for messages.</summary>
/// <param name="Line">The 1-based physical line of its record.</param>
/// <param name="Text">The cell's text.</param>
internal sealed record TextCell(int Line, string Text);
