using System.Globalization;

namespace SparseLmm.Formulas;

internal enum FormulaTokenKind
{
    Name,
    Number,
    Operator,
    End,
}

/// <summary>One lexical token of a formula. <see cref="Position"/> is the zero-based offset of its first character.</summary>
internal readonly record struct FormulaToken(FormulaTokenKind Kind, string Text, int Position, double Number = 0, bool Quoted = false)
{
    public bool Is(string op) => Kind == FormulaTokenKind.Operator && Text == op;

    /// <summary>How the token is named in error messages.</summary>
    public string Describe() => Kind switch
    {
        FormulaTokenKind.End => "the end of the formula",
        FormulaTokenKind.Number => $"number {Text}",
        _ => $"'{Text}'",
    };
}

/// <summary>Splits formula text into names, numbers and operators.</summary>
internal static class FormulaTokenizer
{
    public static List<FormulaToken> Tokenize(string text)
    {
        var tokens = new List<FormulaToken>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            int start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i = ScanNumber(text, i);
                string numberText = text[start..i];
                // R's integer suffix: 2L is the number 2.
                if (i < text.Length && text[i] == 'L' && (i + 1 >= text.Length || !IsNameChar(text[i + 1]))) i++;
                if (!double.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                    throw FormulaParser.ErrorAt(start, $"'{numberText}' is not a valid number");
                if (i < text.Length && IsNameChar(text[i]))
                {
                    int end = i;
                    while (end < text.Length && IsNameChar(text[end])) end++;
                    string word = text[start..end];
                    throw FormulaParser.ErrorAt(start,
                        $"'{word}' is not a valid name: names cannot start with a digit (write it in backquotes: `{word}`)");
                }
                tokens.Add(new FormulaToken(FormulaTokenKind.Number, numberText, start, value));
                continue;
            }

            if (char.IsLetter(c) || c == '.' || c == '_')
            {
                while (i < text.Length && IsNameChar(text[i])) i++;
                tokens.Add(new FormulaToken(FormulaTokenKind.Name, text[start..i], start));
                continue;
            }

            if (c == '`')
            {
                int close = text.IndexOf('`', i + 1);
                if (close < 0)
                    throw FormulaParser.ErrorAt(start, "backquoted name is not closed: expected a matching '`'");
                if (close == i + 1)
                    throw FormulaParser.ErrorAt(start, "empty backquoted name ``");
                tokens.Add(new FormulaToken(FormulaTokenKind.Name, text[(i + 1)..close], start, Quoted: true));
                i = close + 1;
                continue;
            }

            if (c == '%')
            {
                int close = text.IndexOf('%', i + 1);
                if (close < 0)
                    throw FormulaParser.ErrorAt(start, "unexpected '%': the only %-operator supported is %in%");
                string op = text[start..(close + 1)];
                if (op != "%in%")
                    throw FormulaParser.ErrorAt(start, $"unsupported operator '{op}': the only %-operator supported is %in%");
                tokens.Add(new FormulaToken(FormulaTokenKind.Operator, op, start));
                i = close + 1;
                continue;
            }

            if (c == '|' && i + 1 < text.Length && text[i + 1] == '|')
            {
                tokens.Add(new FormulaToken(FormulaTokenKind.Operator, "||", start));
                i += 2;
                continue;
            }

            if ("~+-*/^:|(),=".Contains(c))
            {
                tokens.Add(new FormulaToken(FormulaTokenKind.Operator, c.ToString(), start));
                i++;
                continue;
            }

            throw FormulaParser.ErrorAt(start, $"unexpected character '{c}'");
        }

        tokens.Add(new FormulaToken(FormulaTokenKind.End, "", text.Length));
        return tokens;
    }

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '.' || c == '_';

    private static int ScanNumber(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            int j = i + 1;
            if (j < text.Length && (text[j] == '+' || text[j] == '-')) j++;
            if (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                while (j < text.Length && char.IsAsciiDigit(text[j])) j++;
                i = j;
            }
        }

        return i;
    }
}
