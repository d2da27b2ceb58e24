using System.Globalization;
using System.Text;

namespace SparseLmm.Formulas;

/// <summary>Prints formula expressions the way R's <c>deparse()</c> does, so coefficient and term names match lme4's
/// (<c>log(x)</c>, <c>I(Days^2)</c>, <c>I(x + 1)</c>, <c>cbind(incidence, size - incidence)</c>).</summary>
/// <remarks>Spaces surround <c>+</c>, <c>-</c> and <c>*</c> but not <c>/</c> and <c>^</c>. Parentheses are inserted only
/// where precedence requires them (the parsed tree does not remember redundant ones). Numbers use up to 15 significant
/// digits and R's choice between fixed and scientific notation (<c>2</c>, <c>0.5</c>, <c>1e-04</c>, <c>1e+05</c>).
/// Names that are not syntactic in R are backquoted (<c>`my col`</c>).</remarks>
internal static class FormulaText
{
    private const int PrecedenceAdditive = 2;
    private const int PrecedenceMultiplicative = 3;
    private const int PrecedenceUnary = 6;
    private const int PrecedencePower = 7;
    private const int PrecedenceAtom = 9;

    private static readonly HashSet<string> ReservedWords =
    [
        "if", "else", "repeat", "while", "function", "for", "next", "break", "in",
        "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_",
    ];

    /// <summary>Formats an expression as R's deparse prints it.</summary>
    public static string Format(FormulaExpression e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var sb = new StringBuilder();
        Append(sb, e);
        return sb.ToString();
    }

    /// <summary>Formats a random-effects term as lme4 would print it inside a formula, e.g. <c>(1 + Days | Subject)</c>
    /// or <c>(0 + x | g)</c>.</summary>
    public static string Format(RandomEffectsTerm term)
    {
        ArgumentNullException.ThrowIfNull(term);
        var parts = new List<string> { term.HasIntercept ? "1" : "0" };
        parts.AddRange(term.Terms.Select(t => t.Label));
        string lhs = string.Join(" + ", parts);
        return FormulaParser.StructureName(term.Structure) is { } structure
            ? $"{structure}({lhs} | {term.GroupName})"
            : $"({lhs} | {term.GroupName})";
    }

    /// <summary>Formats a number as R prints it: up to 15 significant digits, fixed notation unless scientific
    /// notation is shorter.</summary>
    public static string FormatNumber(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Inf";
        if (double.IsNegativeInfinity(value)) return "-Inf";
        if (value == 0) return "0";

        string sign = value < 0 ? "-" : "";
        // "d.ddddddddddddddE+xxx": 15 significant digits.
        string s = Math.Abs(value).ToString("E14", CultureInfo.InvariantCulture);
        int ePos = s.IndexOf('E');
        string digits = (s[0] + s.Substring(2, ePos - 2)).TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        int exponent = int.Parse(s.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

        string fixedText;
        if (exponent >= 0)
        {
            fixedText = digits.Length <= exponent + 1
                ? digits + new string('0', exponent + 1 - digits.Length)
                : digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
        }
        else
        {
            fixedText = "0." + new string('0', -exponent - 1) + digits;
        }

        string mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        int absExponent = Math.Abs(exponent);
        string sciText = mantissa + "e" + (exponent < 0 ? "-" : "+")
            + absExponent.ToString(absExponent < 10 ? "00" : "0", CultureInfo.InvariantCulture);

        return sign + (fixedText.Length <= sciText.Length ? fixedText : sciText);
    }

    /// <summary>Formats a column name, backquoting it when it is not a syntactic R name (<c>`my col`</c>).</summary>
    public static string FormatName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsSyntacticName(name) ? name : "`" + name + "`";
    }

    /// <summary>True when <paramref name="name"/> can be written in R without backquotes: it starts with a letter, or
    /// a dot not followed by a digit, continues with letters, digits, dots and underscores, and is not a reserved word.</summary>
    public static bool IsSyntacticName(string name)
    {
        if (string.IsNullOrEmpty(name)) return false;
        char first = name[0];
        if (first == '.')
        {
            if (name.Length > 1 && char.IsAsciiDigit(name[1])) return false;
        }
        else if (!char.IsLetter(first))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '.' || c == '_')) return false;
        }

        return !ReservedWords.Contains(name) && name != "...";
    }

    private static int Precedence(FormulaExpression e) => e switch
    {
        BinaryOperation { Operator: '+' or '-' } => PrecedenceAdditive,
        BinaryOperation { Operator: '*' or '/' } => PrecedenceMultiplicative,
        BinaryOperation { Operator: '^' } => PrecedencePower,
        BinaryOperation => PrecedenceAdditive,
        Negation => PrecedenceUnary,
        NumberLiteral n when n.Value < 0 || double.IsNegativeInfinity(n.Value) => PrecedenceUnary,
        _ => PrecedenceAtom,
    };

    private static void Append(StringBuilder sb, FormulaExpression e)
    {
        switch (e)
        {
            case VariableReference v:
                sb.Append(FormatName(v.Name));
                break;
            case NumberLiteral n:
                sb.Append(FormatNumber(n.Value));
                break;
            case LogicalLiteral logical:
                sb.Append(logical.Value ? "TRUE" : "FALSE");
                break;
            case FunctionCall call:
                sb.Append(call.Name).Append('(');
                for (int i = 0; i < call.Arguments.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    if (call.ArgumentName(i) is { } argumentName) sb.Append(FormatName(argumentName)).Append(" = ");
                    Append(sb, call.Arguments[i]);
                }

                sb.Append(')');
                break;
            case Negation neg:
                sb.Append('-');
                AppendOperand(sb, neg.Operand, Precedence(neg.Operand) < PrecedenceUnary);
                break;
            case BinaryOperation bin:
                AppendBinary(sb, bin);
                break;
            default:
                throw new ArgumentException($"Unknown expression type {e.GetType().Name}.", nameof(e));
        }
    }

    private static void AppendBinary(StringBuilder sb, BinaryOperation bin)
    {
        int p = Precedence(bin);
        int left = Precedence(bin.Left);
        int right = Precedence(bin.Right);
        bool leftParens, rightParens;
        if (bin.Operator == '^')
        {
            // Right-associative; binds tighter than unary minus: (-a)^b and (a^b)^c need parentheses, a^-b does not.
            leftParens = left <= PrecedencePower;
            rightParens = right < PrecedenceUnary;
        }
        else
        {
            // Left-associative: a - (b - c) and a/(b*c) need parentheses on the right.
            leftParens = left < p;
            rightParens = right <= p;
        }

        AppendOperand(sb, bin.Left, leftParens);
        sb.Append(bin.Operator switch
        {
            '+' => " + ",
            '-' => " - ",
            '*' => " * ",
            '/' => "/",
            '^' => "^",
            _ => throw new ArgumentException($"Unknown operator '{bin.Operator}'.", nameof(bin)),
        });
        AppendOperand(sb, bin.Right, rightParens);
    }

    private static void AppendOperand(StringBuilder sb, FormulaExpression e, bool parenthesise)
    {
        if (parenthesise) sb.Append('(');
        Append(sb, e);
        if (parenthesise) sb.Append(')');
    }
}
