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

    private static string AbbreviateOne(string name, int minLength)
    {
        var text = new StringBuilder(name.Trim());
        if (text.Length <= minLength) return text.ToString();

        bool IsFirstOfWord(int i) => i == 0 || char.IsWhiteSpace(text[i - 1]);
        bool IsLastOfWord(int i) => !char.IsWhiteSpace(text[i - 1]) && (i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1]));
        int Spaces() => text.ToString().Count(char.IsWhiteSpace);
        bool Short() => text.Length - Spaces() <= minLength;

        for (int i = text.Length - 1; i > 0; i--)
        {
            if (i < text.Length && "aeiou".Contains(text[i]) && !IsFirstOfWord(i)) text.Remove(i, 1);
            if (Short()) return Finish();
        }
        for (int i = text.Length - 1; i > 0; i--)
        {
            if (i < text.Length && char.IsLower(text[i]) && !IsFirstOfWord(i) && !IsLastOfWord(i)) text.Remove(i, 1);
            if (Short()) return Finish();
        }
        for (int i = text.Length - 1; i > 0; i--)
        {
            if (i < text.Length && !IsFirstOfWord(i) && !char.IsWhiteSpace(text[i])) text.Remove(i, 1);
            if (Short()) return Finish();
        }
        return Finish();

        string Finish()
        {
            if (text.Length > minLength)
                for (int i = text.Length - 1; i > 0; i--)
                    if (char.IsWhiteSpace(text[i])) text.Remove(i, 1);
            return text.ToString();
        }
    }
}
