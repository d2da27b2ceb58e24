namespace SparseLmm.Data;

/// <summary>Receives the fields of a record from <see cref="CsvTokenizer"/>. Implemented by structs so that the
/// tokenizer's generic methods are specialized and the calls inlined.</summary>
internal interface IFieldSink
{
    /// <summary>One field. <paramref name="text"/> is only valid during the call.</summary>
    /// <param name="index">0-based field index within the record (only called for indices below the expected count).</param>
    /// <param name="text">The field's text, without surrounding quotes and with doubled quotes undoubled.</param>
    /// <param name="quoted">Whether the field was quoted.</param>
    void Field(int index, ReadOnlySpan<char> text, bool quoted);
}

/// <summary>Splits RFC 4180 text into records and fields. Records end at LF or CRLF outside quotes; a quoted field may
/// contain delimiters, newlines and doubled quotes. A quote inside an unquoted field is taken literally. Tracks 1-based
/// physical line numbers for messages.</summary>
internal ref struct CsvTokenizer
{
    private readonly ReadOnlySpan<char> data;
    private readonly char delimiter;
    private readonly string source;
    private int position;
    private int line;
    private char[] scratch;

    public CsvTokenizer(ReadOnlySpan<char> data, int firstLine, char delimiter, string source)
    {
        this.data = data;
        this.delimiter = delimiter;
        this.source = source;
        line = firstLine;
        scratch = [];
    }

    /// <summary>Offset of the next unread character.</summary>
    public readonly int Position => position;

    /// <summary>1-based line number of the next unread character.</summary>
    public readonly int Line => line;

    /// <summary>Skips empty lines. Returns false when the end of the data is reached.</summary>
    public bool SkipBlankLines()
    {
        var d = data;
        while (position < d.Length)
        {
            char c = d[position];
            if (c == '\n')
            {
                position++;
                line++;
            }
            else if (c == '\r' && (position + 1 == d.Length || d[position + 1] == '\n'))
            {
                position++;
            }
            else
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads one record (the caller has checked that one starts here) and returns its number of fields.
    /// Fields beyond <paramref name="expected"/> are counted but not passed to the sink.</summary>
    public int ReadRecord<TSink>(ref TSink sink, int expected) where TSink : struct, IFieldSink
    {
        var d = data;
        char delim = delimiter;
        int field = 0;
        while (true)
        {
            if (position < d.Length && d[position] == '"')
            {
                var text = ReadQuoted(field);
                if (field < expected) sink.Field(field, text, true);
                field++;
                // What may follow a closing quote: optional spaces, then a delimiter or the end of the record.
                while (position < d.Length && d[position] == ' ' && delim != ' ') position++;
                if (position >= d.Length) return field;
                char c = d[position];
                if (c == delim)
                {
                    position++;
                    continue;
                }
                if (c == '\n')
                {
                    position++;
                    line++;
                    return field;
                }
                if (c == '\r' && (position + 1 == d.Length || d[position + 1] == '\n'))
                {
                    position += position + 1 == d.Length ? 1 : 2;
                    line++;
                    return field;
                }
                throw new InputException(
                    $"{source} line {line}: unexpected {Describe(c)} after the closing quote of field {field} " +
                    "(a quote inside a quoted field must be doubled: \"\")");
            }
            else
            {
                var rest = d[position..];
                int i = rest.IndexOfAny(delim, '\n');
                if (i >= 0 && rest[i] == delim)
                {
                    if (field < expected) sink.Field(field, rest[..i], false);
                    field++;
                    position += i + 1;
                    continue;
                }

                // Last field of the record: ends at LF or at the end of the data; drop the CR of a CRLF.
                var last = i >= 0 ? rest[..i] : rest;
                if (last.Length != 0 && last[^1] == '\r') last = last[..^1];
                if (field < expected) sink.Field(field, last, false);
                field++;
                if (i >= 0)
                {
                    position += i + 1;
                    line++;
                }
                else
                {
                    position = d.Length;
                }
                return field;
            }
        }
    }

    /// <summary>Reads a quoted field starting at the opening quote; leaves <see cref="position"/> after the closing quote.</summary>
    private ReadOnlySpan<char> ReadQuoted(int field)
    {
        var d = data;
        int openLine = line;
        int start = position + 1;
        int i = d[start..].IndexOf('"');
        if (i < 0) throw Unterminated(openLine, field);
        int q = start + i;
        if (q + 1 >= d.Length || d[q + 1] != '"')
        {
            var simple = d.Slice(start, i);
            line += simple.Count('\n');
            position = q + 1;
            return simple;
        }

        // Doubled quotes: copy the undoubled text into the scratch buffer.
        int length = 0;
        int segment = start;
        while (true)
        {
            if (q + 1 < d.Length && d[q + 1] == '"')
            {
                Append(d[segment..(q + 1)], ref length);
                segment = q + 2;
                int j = d[segment..].IndexOf('"');
                if (j < 0) throw Unterminated(openLine, field);
                q = segment + j;
            }
            else
            {
                Append(d[segment..q], ref length);
                line += d[start..q].Count('\n');
                position = q + 1;
                return scratch.AsSpan(0, length);
            }
        }
    }

    private void Append(ReadOnlySpan<char> text, ref int length)
    {
        if (length + text.Length > scratch.Length)
            Array.Resize(ref scratch, Math.Max(256, Math.Max(2 * scratch.Length, length + text.Length)));
        text.CopyTo(scratch.AsSpan(length));
        length += text.Length;
    }

    private readonly InputException Unterminated(int openLine, int field) =>
        new($"{source} line {openLine}: unterminated quoted field (field {field + 1} opens a quote that is never closed)");

    private static string Describe(char c) => c switch
    {
        '"' => "quote",
        '\t' => "tab",
        '\r' => "carriage return",
        _ when char.IsControl(c) => $"character U+{(int)c:X4}",
        _ => $"'{c}'",
    };
}
