namespace SparseLmm.Data;

/// <summary>One column of the table being read, assembled from the chunks in file order into arrays that grow with the
/// data (sized up front when the number of rows is bounded, so that usually nothing is copied). Numeric until a chunk
/// holds a cell that is not a number; then categorical with provisional codes in first-seen order, sorted into levels
/// at the end.</summary>
internal sealed class CsvColumnBuilder(string name)
{
    private double[]? values;
    private bool[]? missing;
    private int[]? codes;
    private Dictionary<string, int>? codeOfLabel;
    private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup;
    private List<string>? labels;
    private int capacity;

    public string Name { get; } = name;

    /// <summary>The column's first cell that is neither missing nor a number, when it is categorical.</summary>
    public TextCell? FirstText { get; private set; }

    /// <summary>True once some chunk has held a cell of this column that is not a number.</summary>
    public bool IsCategorical => codes is not null;

    /// <summary>Rows 0 .. RereadRows−1 were read as numbers before the column turned out categorical, and their text
    /// is gone: their labels come from a second pass over the source.</summary>
    public int RereadRows { get; private set; }

    /// <summary>Makes room for <paramref name="rows"/> rows (keeping the first <paramref name="used"/>).</summary>
    public void EnsureCapacity(int rows, int used, int preferred)
    {
        if (rows <= capacity) return;
        int grown = (int)Math.Min(Array.MaxLength, Math.Max(rows, Math.Max(preferred, capacity + (long)capacity / 2)));
        if (values is not null) values = Resize(values, grown, used);
        if (missing is not null) missing = Resize(missing, grown, used);
        if (codes is not null) codes = Resize(codes, grown, used);
        capacity = grown;
    }

    private static T[] Resize<T>(T[] array, int length, int used)
    {
        var larger = new T[length];
        Array.Copy(array, larger, used);
        return larger;
    }

    /// <summary>Appends a chunk's numbers at <paramref name="offset"/>.</summary>
    public void AppendNumbers(CsvColumnChunk chunk, int offset, int rows)
    {
        values ??= new double[capacity];
        chunk.Values.AsSpan(0, rows).CopyTo(values.AsSpan(offset));
        if (chunk.Missing is not null)
            chunk.Missing.AsSpan(0, rows).CopyTo((missing ??= new bool[capacity]).AsSpan(offset));
    }

    /// <summary>Appends a chunk's labels at <paramref name="offset"/>, turning the column categorical if it was
    /// numeric (the <paramref name="offset"/> rows before then are to be re-read).</summary>
    public void AppendLabels(CsvColumnChunk chunk, int offset, int rows)
    {
        if (codes is null)
        {
            FirstText = chunk.FlipCell;
            RereadRows = offset;
            values = null;
            missing = null;
            codes = new int[capacity];
            codeOfLabel = new Dictionary<string, int>(StringComparer.Ordinal);
            lookup = codeOfLabel.GetAlternateLookup<ReadOnlySpan<char>>();
            labels = [];
        }
        var local = chunk.Labels!.Labels;
        var remap = new int[local.Count];
        for (int c = 0; c < local.Count; c++)
        {
            if (!codeOfLabel!.TryGetValue(local[c], out int code))
            {
                code = labels!.Count;
                codeOfLabel.Add(local[c], code);
                labels.Add(local[c]);
            }
            remap[c] = code;
        }
        var source = chunk.Codes.AsSpan(0, rows);
        var target = codes.AsSpan(offset, rows);
        for (int r = 0; r < source.Length; r++)
        {
            int code = source[r];
            target[r] = code < 0 ? -1 : remap[code];
        }
    }

    /// <summary>Sets the label of a re-read row.</summary>
    public void SetLabel(int row, ReadOnlySpan<char> text, bool isMissing)
    {
        if (isMissing)
        {
            codes![row] = -1;
            return;
        }
        if (!lookup.TryGetValue(text, out int code))
        {
            var label = text.ToString();
            code = labels!.Count;
            codeOfLabel!.Add(label, code);
            labels.Add(label);
        }
        codes![row] = code;
    }

    /// <summary>The finished column of <paramref name="rowCount"/> rows.</summary>
    public DataColumn Build(int rowCount)
    {
        if (codes is null)
        {
            var numbers = values ?? new double[capacity];
            var flags = missing;
            if (numbers.Length != rowCount) Array.Resize(ref numbers, rowCount);
            if (flags is not null && flags.Length != rowCount) Array.Resize(ref flags, rowCount);
            return new NumericColumn(Name, numbers, flags);
        }

        var rank = LevelOrdering.Sort(labels!, out var levels);
        codeOfLabel = null;
        labels = null;
        var result = codes;
        if (result.Length != rowCount) Array.Resize(ref result, rowCount);
        for (int r = 0; r < result.Length; r++)
        {
            int code = result[r];
            if (code >= 0) result[r] = rank[code];
        }
        return new CategoricalColumn(Name, result, levels) { FirstText = FirstText };
    }
}
