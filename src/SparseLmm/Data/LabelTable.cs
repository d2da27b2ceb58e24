namespace SparseLmm.Data;

/// <summary>Interns the labels of one categorical column: a distinct label is allocated as a string once; repeats are
/// looked up from the span without allocating.</summary>
internal sealed class LabelTable
{
    private readonly Dictionary<string, int> codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup;
    private readonly List<string> labels = [];
    private string? last;
    private int lastCode = -1;

    public LabelTable() => lookup = codes.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The distinct labels in first-seen order; a label's index is its provisional code.</summary>
    public IReadOnlyList<string> Labels => labels;

    /// <summary>The code of <paramref name="text"/>, adding it as a new label when unseen.</summary>
    public int Intern(ReadOnlySpan<char> text)
    {
        // Data are often sorted by group, so the previous label is a cheap first guess.
        if (last is not null && text.SequenceEqual(last)) return lastCode;
        if (!lookup.TryGetValue(text, out int code))
        {
            var label = text.ToString();
            code = labels.Count;
            codes.Add(label, code);
            labels.Add(label);
        }
        last = labels[code];
        lastCode = code;
        return code;
    }
}
