namespace SparseLmm.Data;

/// <summary>Finds where records end without parsing them, so that text can be cut into chunks that each hold whole
/// records (a quoted field may contain newlines, so not every newline ends a record). Follows
/// <see cref="CsvTokenizer"/>'s rules exactly: a field that starts with a quote is quoted (doubled quotes inside),
/// a quote inside an unquoted field is literal, spaces may follow a closing quote, blank lines are records of their
/// own for this purpose.</summary>
internal static class CsvRecordScanner
{
    /// <summary>The offset just past the last line feed in <paramref name="text"/> that ends a record (or a blank
    /// line), scanning from the start of <paramref name="text"/>, which must be where a record starts; 0 when no
    /// record ends in <paramref name="text"/>. Where the text is malformed (text after a closing quote), any cut after
    /// the fault does: the tokenizer reports the fault when it reaches it.</summary>
    public static int LastRecordEnd(ReadOnlySpan<char> text, char delimiter)
    {
        // Without quotes every line feed ends a record or a blank line.
        if (!text.Contains('"')) return text.LastIndexOf('\n') + 1;

        int n = text.Length, position = 0, last = 0;
        while (position < n)
        {
            // At the start of a field (the first field of a record after a line feed).
            if (text[position] == '"')
            {
                int i = position + 1;
                while (true)
                {
                    int j = text[i..].IndexOf('"');
                    if (j < 0) return last;
                    int quote = i + j;
                    // A quote at the very end may be the first of a doubled quote: cannot tell yet.
                    if (quote + 1 >= n) return last;
                    if (text[quote + 1] == '"')
                    {
                        i = quote + 2;
                        continue;
                    }
                    position = quote + 1;
                    break;
                }
                if (delimiter != ' ')
                    while (position < n && text[position] == ' ') position++;
                if (position >= n) return last;
                char c = text[position];
                if (c == delimiter)
                {
                    position++;
                    continue;
                }
                if (c == '\n')
                {
                    last = ++position;
                    continue;
                }
                if (c == '\r')
                {
                    if (position + 1 >= n) return last;
                    if (text[position + 1] == '\n')
                    {
                        position += 2;
                        last = position;
                        continue;
                    }
                }
                // Malformed: cut after the fault if a line feed follows it, so that the chunk holding it reports it.
                int after = text.LastIndexOf('\n') + 1;
                return after > position ? after : last;
            }
            else
            {
                int i = text[position..].IndexOfAny(delimiter, '\n');
                if (i < 0) return last;
                position += i + 1;
                if (text[position - 1] == '\n') last = position;
            }
        }
        return last;
    }
}
