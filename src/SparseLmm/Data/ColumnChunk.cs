namespace SparseLmm.Data;

/// <summary>One column of one chunk of a columnar source (a Parquet row group, an Arrow record batch), as read: numbers
/// with missing flags, or labels as codes into the chunk's own dictionary. Chunks are concatenated into a
/// <see cref="DataTable"/> by <see cref="ColumnChunkConcatenation"/>, or consumed one at a time by the streaming pass.</summary>
internal abstract record ColumnChunk(string Name)
{
    /// <summary>Rows in the chunk.</summary>
    public abstract int Length { get; }
}

/// <summary>A numeric chunk: NaN with a missing flag for a null, as <see cref="NumericColumn"/>.</summary>
internal sealed record NumberChunk(string Name, double[] Values, bool[]? Missing) : ColumnChunk(Name)
{
    public override int Length => Values.Length;
}

/// <summary>A text chunk: per row an index into <see cref="Dictionary"/> (any order, possibly with unused entries), −1
/// for a null.</summary>
internal sealed record LabelChunk(string Name, int[] Codes, string[] Dictionary) : ColumnChunk(Name)
{
    public override int Length => Codes.Length;

    /// <summary>Interns <paramref name="labels"/> (null for missing) into chunk codes.</summary>
    public static LabelChunk FromLabels(string name, ReadOnlySpan<string?> labels)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var dictionary = new List<string>();
        var codes = new int[labels.Length];
        string? last = null;
        int lastCode = -1;
        for (int i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label is null)
            {
                codes[i] = -1;
                continue;
            }
            // Data are often sorted by group, and dictionary-decoded strings are shared references.
            if (!ReferenceEquals(label, last) && label != last)
            {
                if (!index.TryGetValue(label, out lastCode))
                {
                    lastCode = dictionary.Count;
                    index.Add(label, lastCode);
                    dictionary.Add(label);
                }
                last = label;
            }
            codes[i] = lastCode;
        }
        return new LabelChunk(name, codes, dictionary.ToArray());
    }
}

/// <summary>Appends the chunks of a columnar source into the columns of one <see cref="DataTable"/>: numbers copied, a
/// text column's labels interned across chunks and sorted at the end as the CSV reader sorts them.</summary>
internal sealed class ColumnChunkConcatenation
{
    private readonly string[] names;
    private readonly bool?[] numeric;
    private readonly List<double[]>[] numbers;
    private readonly List<bool[]?>[] missing;
    private readonly List<int[]>[] codes;
    private readonly Dictionary<string, int>[] labelCodes;
    private readonly List<string>[] labels;
    private long rows;

    public ColumnChunkConcatenation(IReadOnlyList<string> columnNames)
    {
        names = columnNames.ToArray();
        int count = names.Length;
        numeric = new bool?[count];
        numbers = Enumerable.Range(0, count).Select(_ => new List<double[]>()).ToArray();
        missing = Enumerable.Range(0, count).Select(_ => new List<bool[]?>()).ToArray();
        codes = Enumerable.Range(0, count).Select(_ => new List<int[]>()).ToArray();
        labelCodes = Enumerable.Range(0, count).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        labels = Enumerable.Range(0, count).Select(_ => new List<string>()).ToArray();
    }

    /// <summary>Appends one chunk: one column chunk per name, in order, of equal length.</summary>
    public void Append(IReadOnlyList<ColumnChunk> chunk, string source)
    {
        int length = chunk.Count == 0 ? 0 : chunk[0].Length;
        if (rows + length > Array.MaxLength)
            throw new InputException($"{source}: the data are too large to hold in memory (more than {Array.MaxLength:N0} rows)");
        rows += length;
        for (int j = 0; j < names.Length; j++)
        {
            switch (chunk[j])
            {
                case NumberChunk number:
                    numeric[j] ??= true;
                    numbers[j].Add(number.Values);
                    missing[j].Add(number.Missing);
                    break;
                case LabelChunk text:
                    numeric[j] ??= false;
                    var map = new int[text.Dictionary.Length];
                    for (int k = 0; k < map.Length; k++)
                    {
                        if (!labelCodes[j].TryGetValue(text.Dictionary[k], out map[k]))
                        {
                            map[k] = labels[j].Count;
                            labelCodes[j].Add(text.Dictionary[k], map[k]);
                            labels[j].Add(text.Dictionary[k]);
                        }
                    }
                    var global = new int[text.Codes.Length];
                    for (int i = 0; i < global.Length; i++) global[i] = text.Codes[i] < 0 ? -1 : map[text.Codes[i]];
                    codes[j].Add(global);
                    break;
            }
        }
    }

    /// <summary>The table of everything appended.</summary>
    public DataTable ToTable(string source)
    {
        int n = (int)rows;
        var columns = new List<DataColumn>(names.Length);
        for (int j = 0; j < names.Length; j++)
        {
            if (numeric[j] != false)
            {
                var values = new double[n];
                bool[]? flags = null;
                int at = 0;
                for (int c = 0; c < numbers[j].Count; c++)
                {
                    numbers[j][c].CopyTo(values, at);
                    if (missing[j][c] is { } chunkFlags)
                    {
                        flags ??= new bool[n];
                        chunkFlags.CopyTo(flags, at);
                    }
                    at += numbers[j][c].Length;
                }
                columns.Add(new NumericColumn(names[j], values, flags));
                continue;
            }
            var rank = LevelOrdering.Sort(labels[j], out var levels);
            var all = new int[n];
            int offset = 0;
            foreach (var part in codes[j])
            {
                for (int i = 0; i < part.Length; i++) all[offset + i] = part[i] < 0 ? -1 : rank[part[i]];
                offset += part.Length;
            }
            columns.Add(new CategoricalColumn(names[j], all, levels));
        }
        return new DataTable(columns, source);
    }
}
