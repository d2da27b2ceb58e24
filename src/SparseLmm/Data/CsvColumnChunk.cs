namespace SparseLmm.Data;

/// <summary>What has been parsed of one column within one chunk of rows. A column starts numeric; at the first cell
/// that is neither missing nor a number it switches to labels (<see cref="FlipRow"/>), and the rows before that are
/// filled in later by re-reading their text (<see cref="CsvReader"/>'s backfill pass). The arrays come from the read's
/// pool (they may be longer than <see cref="Capacity"/>) and go back to it in <see cref="Release"/>.</summary>
internal sealed class CsvColumnChunk(int capacity, CsvBufferPool pool)
{
    /// <summary>Values while numeric; null once the column has switched to labels.</summary>
    public double[]? Values = pool.Rent<double>(capacity);

    /// <summary>Missing flags while numeric, allocated at the first missing cell.</summary>
    public bool[]? Missing;

    /// <summary>Provisional label codes (−1 missing) once the column has switched to labels.</summary>
    public int[]? Codes;

    /// <summary>The chunk's labels once the column has switched to labels.</summary>
    public LabelTable? Labels;

    /// <summary>The chunk row at which the column switched to labels, −1 while numeric.</summary>
    public int FlipRow = -1;

    /// <summary>The cell that switched the column to labels (its first cell that is neither missing nor a number),
    /// with its physical line; null when the column was switched because other chunks hold text.</summary>
    public TextCell? FlipCell;

    /// <summary>Rows the chunk can hold (the arrays are at least this long).</summary>
    public int Capacity { get; } = capacity;

    public bool IsNumeric => FlipRow < 0;

    public void SetMissingNumber(int row)
    {
        Values![row] = double.NaN;
        if (Missing is null)
        {
            Missing = pool.Rent<bool>(Capacity);
            Array.Clear(Missing);
        }
        Missing[row] = true;
    }

    /// <summary>Switches to labels at <paramref name="row"/>; rows before it still need their labels.</summary>
    public void SwitchToLabels(int row)
    {
        FlipRow = row;
        ReturnNumbers();
        Codes = pool.Rent<int>(Capacity);
        Labels = new LabelTable();
    }

    /// <summary>Prepares a column that was numeric throughout this chunk but is categorical in the table: all of the
    /// chunk's rows need their labels.</summary>
    public void SwitchToLabelsFromStart()
    {
        SwitchToLabels(0);
        FlipCell = null;
    }

    /// <summary>Gives the arrays back to the pool; the chunk is not used afterwards.</summary>
    public void Release()
    {
        ReturnNumbers();
        pool.Return(Codes);
        Codes = null;
        Labels = null;
    }

    private void ReturnNumbers()
    {
        pool.Return(Values);
        pool.Return(Missing);
        Values = null;
        Missing = null;
    }
}

/// <summary>The parse of one chunk of data rows: whole records, starting at physical line <see cref="FirstLine"/>.</summary>
internal sealed class CsvChunk(ReadOnlyMemory<char> text, char[]? rentedText, int firstLine, int columnCount,
    CsvBufferPool pool)
{
    /// <summary>The read's pool, for the chunk's arrays.</summary>
    public CsvBufferPool Pool { get; } = pool;

    /// <summary>The chunk's text.</summary>
    public ReadOnlyMemory<char> Text { get; private set; } = text;

    /// <summary>The pooled buffer holding <see cref="Text"/>, when it is a copy.</summary>
    private char[]? rentedText = rentedText;

    public int FirstLine { get; } = firstLine;
    public CsvColumnChunk[] Columns { get; } = new CsvColumnChunk[columnCount];
    public int RowCount { get; set; }

    /// <summary>Gives the text and the columns' arrays back to their pools.</summary>
    public void Release()
    {
        foreach (var column in Columns) column?.Release();
        Pool.Return(rentedText);
        rentedText = null;
        Text = default;
    }
}

/// <summary>The first pass: numbers are parsed, labels interned from the row where a column turns out categorical.</summary>
internal struct CsvParseSink(CsvColumnChunk[] columns) : IFieldSink
{
    private readonly CsvColumnChunk[] columns = columns;
    public int Row;

    /// <summary>The physical line the current record starts on.</summary>
    public int Line;

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
            column.FlipCell = new TextCell(Line, text.ToString());
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

/// <summary>The second pass over the source: labels for the first rows of columns that were stored as numbers
/// (rows below <see cref="CsvColumnBuilder.RereadRows"/>), straight into the table's columns.</summary>
internal struct CsvRereadSink(CsvColumnBuilder[] columns) : IFieldSink
{
    private readonly CsvColumnBuilder[] columns = columns;
    public int Row;

    public readonly void Field(int index, ReadOnlySpan<char> text, bool quoted)
    {
        var column = columns[index];
        if (Row < column.RereadRows) column.SetLabel(Row, text, CsvReader.IsMissing(text, quoted));
    }
}

/// <summary>Collects the header's fields.</summary>
internal readonly struct CsvHeaderSink(List<string> names) : IFieldSink
{
    public void Field(int index, ReadOnlySpan<char> text, bool quoted) => names.Add(text.Trim().ToString());
}
