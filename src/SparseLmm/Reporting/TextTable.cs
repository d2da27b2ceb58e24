using System.Text;

namespace SparseLmm.Reporting;

/// <summary>Prints a character matrix as R's <c>print(m, quote = FALSE)</c> does: a row-name column (left-justified),
/// then one column per header separated by a single space, each as wide as its widest cell or header. Cells and
/// headers are left-justified (R's default for strings) or right-justified. Trailing blanks are removed.</summary>
internal static class TextTable
{
    /// <summary>Appends the table's lines to <paramref name="output"/>.</summary>
    /// <param name="output">Where to write; each line ends with '\n'.</param>
    /// <param name="rowNames">One name per row (may be empty strings).</param>
    /// <param name="headers">One header per column.</param>
    /// <param name="cells">cells[row][column].</param>
    /// <param name="rightJustify">Right-justify cells and headers (R's <c>right = TRUE</c>).</param>
    public static void Append(StringBuilder output, IReadOnlyList<string> rowNames, IReadOnlyList<string> headers,
        IReadOnlyList<IReadOnlyList<string>> cells, bool rightJustify)
    {
        int nameWidth = rowNames.Count == 0 ? 0 : rowNames.Max(n => n.Length);
        var widths = new int[headers.Count];
        for (int c = 0; c < headers.Count; c++)
        {
            widths[c] = headers[c].Length;
            foreach (var row in cells) widths[c] = Math.Max(widths[c], row[c].Length);
        }

        var line = new StringBuilder();
        line.Append(' ', nameWidth);
        for (int c = 0; c < headers.Count; c++)
            line.Append(' ').Append(Justify(headers[c], widths[c], rightJustify));
        output.Append(line.ToString().TrimEnd()).Append('\n');

        for (int r = 0; r < cells.Count; r++)
        {
            line.Clear();
            line.Append(rowNames[r].PadRight(nameWidth));
            for (int c = 0; c < headers.Count; c++)
                line.Append(' ').Append(Justify(cells[r][c], widths[c], rightJustify));
            output.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }

    /// <summary>Prints a named vector as R's <c>print()</c> does: a line of names over a line of values, every column
    /// right-justified to one common width (the widest name or value), separated by single spaces.</summary>
    public static void AppendNamedVector(StringBuilder output, IReadOnlyList<string> names, IReadOnlyList<string> values)
    {
        var top = new StringBuilder();
        var bottom = new StringBuilder();
        int width = Math.Max(names.Max(n => n.Length), values.Max(v => v.Length));
        for (int i = 0; i < names.Count; i++)
        {
            if (i > 0) { top.Append(' '); bottom.Append(' '); }
            top.Append(names[i].PadLeft(width));
            bottom.Append(values[i].PadLeft(width));
        }
        output.Append(top.ToString().TrimEnd()).Append('\n');
        output.Append(bottom.ToString().TrimEnd()).Append('\n');
    }

    private static string Justify(string text, int width, bool right) => right ? text.PadLeft(width) : text.PadRight(width);

    /// <summary>R's <c>abbreviate(names, minlength)</c> (method "left.kept", use.classes = TRUE, strict = FALSE):
    /// lower-case vowels are dropped from the right, then lower-case letters, then any characters, never the first;
    /// names that would collide are abbreviated less.</summary>
    public static string[] Abbreviate(IReadOnlyList<string> names, int minLength)
    {
        var result = names.Select(n => AbbreviateOne(n, minLength)).ToArray();
        var lengths = Enumerable.Repeat(minLength, names.Count).ToArray();
        for (int guard = 0; guard < 1000; guard++)
        {
            var duplicated = result.Select((a, i) => (a, i)).GroupBy(x => x.a).Where(g => g.Count() > 1)
                .SelectMany(g => g.Select(x => x.i)).Where(i => result[i] != names[i]).ToList();
            if (duplicated.Count == 0) break;
            foreach (int i in duplicated)
            {
                lengths[i]++;
                result[i] = AbbreviateOne(names[i], lengths[i]);
            }
        }
        return result;
    }

    /// <summary>One name, abbreviated in O(length): each pass visits the characters from the right once, as R's
    /// <c>stripchars</c> does, and removing a character never changes those to its left, so the text left of the
    /// current position is the original and the text right of it is a stack of the characters kept so far.</summary>
    private static string AbbreviateOne(string name, int minLength)
    {
        string text = name.Trim();
        if (text.Length <= minLength) return text;
        // Spaces are never removed by the passes; they count as word boundaries, not towards the length.
        int spaces = 0;
        foreach (char c in text)
            if (char.IsWhiteSpace(c)) spaces++;

        // Pass 1: lower-case vowels that do not start a word.
        var (result, done) = Pass(text, (c, left, _) => "aeiou".Contains(c) && !char.IsWhiteSpace(left));
        // Pass 2: lower-case letters that neither start nor end a word.
        if (!done)
            (result, done) = Pass(result, (c, left, right) =>
                char.IsLower(c) && !char.IsWhiteSpace(left) && !(right is null || char.IsWhiteSpace(right.Value)));
        // Pass 3: any character that does not start a word.
        if (!done) (result, _) = Pass(result, (c, left, _) => !char.IsWhiteSpace(left) && !char.IsWhiteSpace(c));
        return Finish(result);

        (string Text, bool Done) Pass(string current, Func<char, char, char?, bool> remove)
        {
            var kept = new StringBuilder(current.Length);   // the characters kept right of i, in reverse order
            for (int i = current.Length - 1; i > 0; i--)
            {
                char c = current[i];
                char? right = kept.Length == 0 ? null : kept[^1];
                if (!remove(c, current[i - 1], right)) kept.Append(c);
                if (i + kept.Length - spaces <= minLength) return (Assemble(current, i, kept), true);
            }
            return (Assemble(current, 1, kept), false);
        }

        static string Assemble(string current, int prefix, StringBuilder keptReversed)
        {
            var sb = new StringBuilder(prefix + keptReversed.Length);
            sb.Append(current, 0, prefix);
            for (int k = keptReversed.Length - 1; k >= 0; k--) sb.Append(keptReversed[k]);
            return sb.ToString();
        }

        string Finish(string current)
        {
            if (current.Length <= minLength) return current;
            var sb = new StringBuilder(current.Length);
            sb.Append(current[0]);
            for (int i = 1; i < current.Length; i++)
                if (!char.IsWhiteSpace(current[i])) sb.Append(current[i]);
            return sb.ToString();
        }
    }
}
