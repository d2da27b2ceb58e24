namespace SparseLmm.Data;

/// <summary>What has been parsed of one column within one chunk of rows. A column starts numeric; at the first cell
/// that is neither missing nor a number it switches to labels (<see cref="FlipRow"/>), and the rows before that are
/// filled in later by re-reading their text (<see cref="CsvReader"/>'s backfill pass).</summary>
internal sealed class CsvColumnChunk(int capacity)
{
    /// <summary>Values while numeric; null once the column has switched to labels.</summary>
    public double[]? Values = new double[capacity];

    /// <summary>Missing flags while numeric, allocated at the first missing cell.</summary>
    public bool[]? Missing;

    /// <summary>Provisional label codes (−1 missing) once the column has switched to labels.</summary>
    public int[]? Codes;

    /// <summary>The chunk's labels once the column has switched to labels.</summary>
    public LabelTable? Labels;

    /// <summary>The chunk row at which the column switched to labels, −1 while numeric.</summary>
    public int FlipRow = -1;

    /// <summary>Rows in the chunk (capacity of the arrays).</summary>
    public int Capacity { get; } = capacity;

    public bool IsNumeric => FlipRow < 0;

    public void SetMissingNumber(int row)
    {
        Values![row] = double.NaN;
        (Missing ??= new bool[Capacity])[row] = true;
    }

    /// <summary>Switches to labels at <paramref name="row"/>; rows before it still need their labels.</summary>
    public void SwitchToLabels(int row)
    {
        FlipRow = row;
        Values = null;
        Missing = null;
        Codes = new int[Capacity];
        Labels = new LabelTable();
    }

    /// <summary>Prepares a column that was numeric throughout this chunk but is categorical in the table: all of the
    /// chunk's rows need their labels.</summary>
    public void SwitchToLabelsFromStart() => SwitchToLabels(0);
}

/// <summary>The parse of one chunk of data rows.</summary>
internal sealed class CsvChunk(int offset, int length, int firstLine, CsvColumnChunk[] columns)
{
    public int Offset { get; } = offset;
    public int Length { get; } = length;
    public int FirstLine { get; } = firstLine;
    public CsvColumnChunk[] Columns { get; } = columns;
    public int RowCount { get; set; }
}

/// <summary>The first pass: numbers are parsed, labels interned from the row where a column turns out categorical.</summary>
internal struct CsvParseSink(CsvColumnChunk[] columns) : IFieldSink
{
    private readonly CsvColumnChunk[] columns = columns;
    public int Row;

    public readonly void Field(int index, ReadOnlySpan<char> text, bool quoted)
    {
        var column = columns[index];
        int row = Row;
        bool missing = CsvReader.IsMissing(text, quoted);
        if (column.FlipRow < 0)
        {
            if (missing)
            {
                column.SetMissingNumber(row);
                return;
            }
            if (NumberParsing.TryParse(text, out double value))
            {
                column.Values![row] = value;
                return;
            }
            column.SwitchToLabels(row);
        }
        column.Codes![row] = missing ? -1 : column.Labels!.Intern(text);
    }
}

/// <summary>The second pass over a chunk: interns labels for the rows of categorical columns that were read as
/// numbers before the column switched (rows below <c>limits[column]</c>).</summary>
internal struct CsvBackfillSink(CsvColumnChunk[] columns, int[] limits) : IFieldSink
{
    private readonly CsvColumnChunk[] columns = columns;
    private readonly int[] limits = limits;
    public int Row;

    public readonly void Field(int index, ReadOnlySpan<char> text, bool quoted)
    {
        if (Row >= limits[index]) return;
        var column = columns[index];
        column.Codes![Row] = CsvReader.IsMissing(text, quoted) ? -1 : column.Labels!.Intern(text);
    }
}

/// <summary>Collects the header's fields.</summary>
internal readonly struct CsvHeaderSink(List<string> names) : IFieldSink
{
    public void Field(int index, ReadOnlySpan<char> text, bool quoted) => names.Add(text.Trim().ToString());
}
