using System.Globalization;
using System.Text;

namespace SparseLmm.Reporting;

/// <summary>Formats numbers the way R's <c>format()</c>, <c>print()</c> and <c>cat()</c> do, so that the summary reads
/// like lme4's. The core is a port of the logic of R's <c>formatReal</c> (src/main/format.c): every element of a vector
/// is shown with at most <c>digits</c> significant digits, the vector shares one number of decimals (the largest any
/// element needs), and fixed notation is used unless scientific notation is narrower.</summary>
internal static class RNumberFormat
{
    private const int MaxPower = 22;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>How a vector is to be written: total width, decimals (or mantissa decimals), and exponent digits
    /// (0 for fixed notation, 1 for a two-digit exponent, 2 for three digits).</summary>
    internal readonly record struct RealFormat(int Width, int Decimals, int Exponent);

    /// <summary>For a finite non-zero <paramref name="x"/> rounded to <paramref name="digits"/> significant digits: its
    /// sign, its decimal exponent, how many significant digits remain once trailing zeros are dropped, and whether fixed
    /// notation would show one digit fewer to the left of the point than the exponent suggests (9996 at 3 digits).</summary>
    internal static (bool Negative, int Power, int Significant, bool RoundingWidens) Scientific(double x, int digits)
    {
        if (x == 0) return (false, 0, 1, false);
        bool negative = x < 0;
        double r = Math.Abs(x);
        digits = Math.Clamp(digits, 1, 22);
        string text = r.ToString("E" + (digits - 1).ToString(Invariant), Invariant);
        int e = text.IndexOf('E');
        int power = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, Invariant);
        var mantissa = text.AsSpan(0, e);
        int significant = 0;
        for (int i = 0; i < mantissa.Length; i++)
            if (mantissa[i] != '.') significant++;
        for (int i = mantissa.Length - 1; i >= 0 && significant > 1; i--)
        {
            if (mantissa[i] == '.') continue;
            if (mantissa[i] != '0') break;
            significant--;
        }

        int right = Math.Clamp(digits - power, 0, MaxPower);
        double fuzz = 0.5 / Math.Pow(10, right);
        bool widens = power > 0 && power <= MaxPower && r < Math.Pow(10, power) - fuzz;
        return (negative, power, significant, widens);
    }

    /// <summary>The common format of <paramref name="values"/> (R's formatReal) with <paramref name="digits"/>
    /// significant digits and at least <paramref name="minDecimals"/> decimals in fixed notation (R's <c>nsmall</c>).</summary>
    internal static RealFormat Common(ReadOnlySpan<double> values, int digits, int minDecimals = 0)
    {
        bool anyNegative = false, nan = false, posInf = false, negInf = false;
        int right = int.MinValue, maxLeft = int.MinValue, minLeft = int.MaxValue, maxSignedLeft = int.MinValue,
            maxSignificant = int.MinValue;
        foreach (double x in values)
        {
            if (double.IsNaN(x)) { nan = true; continue; }
            if (double.IsPositiveInfinity(x)) { posInf = true; continue; }
            if (double.IsNegativeInfinity(x)) { negInf = true; continue; }
            var (negative, power, significant, widens) = Scientific(x, digits);
            int left = power + 1;
            if (widens) left--;
            int signedLeft = (negative ? 1 : 0) + (left <= 0 ? 1 : left);
            int r = significant - left;
            if (negative) anyNegative = true;
            right = Math.Max(right, r);
            maxLeft = Math.Max(maxLeft, left);
            minLeft = Math.Min(minLeft, left);
            maxSignedLeft = Math.Max(maxSignedLeft, signedLeft);
            maxSignificant = Math.Max(maxSignificant, significant);
        }

        int width = 0, decimals = 0, exponent = 0;
        int neg = anyNegative ? 1 : 0;
        if (maxLeft != int.MinValue)
        {
            if (maxLeft < 0) maxSignedLeft = 1 + neg;
            if (right < 0) right = 0;
            int fixedWidth = maxSignedLeft + right + (right != 0 ? 1 : 0);
            exponent = maxLeft > 100 || minLeft <= -99 ? 2 : 1;
            decimals = maxSignificant - 1;
            width = neg + (decimals > 0 ? 1 : 0) + decimals + 4 + exponent;
            if (fixedWidth <= width)
            {
                exponent = 0;
                if (minDecimals > right)
                {
                    right = minDecimals;
                    fixedWidth = maxSignedLeft + right + 1;
                }
                decimals = right;
                width = fixedWidth;
            }
        }
        if (nan) width = Math.Max(width, 3);
        if (posInf) width = Math.Max(width, 3);
        if (negInf) width = Math.Max(width, 4);
        return new RealFormat(width, decimals, exponent);
    }

    /// <summary>Writes one value in a given common format, without padding.</summary>
    internal static string Encode(double x, RealFormat format)
    {
        if (double.IsNaN(x)) return "NaN";
        if (double.IsPositiveInfinity(x)) return "Inf";
        if (double.IsNegativeInfinity(x)) return "-Inf";
        if (format.Exponent == 0)
            return x.ToString("F" + format.Decimals.ToString(Invariant), Invariant);

        string text = x.ToString("E" + format.Decimals.ToString(Invariant), Invariant);
        int e = text.IndexOf('E');
        int power = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, Invariant);
        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, e).Append('e').Append(power < 0 ? '-' : '+');
        builder.Append(Math.Abs(power).ToString(format.Exponent >= 2 ? "000" : "00", Invariant));
        return builder.ToString();
    }

    /// <summary>R's <c>format(x, digits, nsmall)</c>: every value in the common format, right-justified to a common width.</summary>
    internal static string[] Format(ReadOnlySpan<double> values, int digits, int minDecimals = 0)
    {
        var format = Common(values, digits, minDecimals);
        var result = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = Encode(values[i], format).PadLeft(format.Width);
        return result;
    }

    /// <summary>One value as R's <c>format(x, digits)</c> or <c>cat(x)</c> (7 digits) writes it.</summary>
    internal static string Format(double value, int digits = 7) => Format([value], digits)[0];

    /// <summary>R's <c>round(x, decimals)</c> (halves away from zero; negative <paramref name="decimals"/> round to tens, hundreds...).</summary>
    internal static double Round(double x, int decimals)
    {
        if (!double.IsFinite(x)) return x;
        if (decimals >= 0)
            return decimals > 15 ? x : Math.Round(x, decimals, MidpointRounding.AwayFromZero);
        double scale = Math.Pow(10, -decimals);
        return Math.Round(x / scale, MidpointRounding.AwayFromZero) * scale;
    }

    /// <summary>R's <c>zapsmall(x, digits)</c>: rounds so that values tiny relative to the largest become zero.</summary>
    internal static double[] ZapSmall(ReadOnlySpan<double> values, int digits)
    {
        double largest = 0;
        foreach (double x in values)
            if (double.IsFinite(x)) largest = Math.Max(largest, Math.Abs(x));
        int decimals = largest > 0 ? Math.Max(0, digits - (int)Math.Ceiling(Math.Log10(largest))) : digits;
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = Round(values[i], decimals);
        return result;
    }

    /// <summary>R's <c>format.pval(pv, digits)</c> with eps = machine epsilon: "&lt; 2e-16" for tiny values.</summary>
    internal static string[] FormatPValues(IReadOnlyList<double> pvalues, int digits)
    {
        const double eps = 2.220446049250313e-16;
        var result = new string[pvalues.Count];
        var regular = Enumerable.Range(0, pvalues.Count).Where(i => !(pvalues[i] < eps)).ToList();
        var tiny = Enumerable.Range(0, pvalues.Count).Where(i => pvalues[i] < eps).ToList();
        int longest = 0;
        if (regular.Count > 0)
        {
            // R formats the "fixed" values (exponent >= -3, or -4 when digits > 1) and the smaller ones as two groups.
            bool IsFixed(double pv)
            {
                if (!double.IsFinite(pv) || pv <= 0) return true;
                double exponent = Math.Floor(Math.Log10(pv));
                return exponent >= -3 || (exponent == -4 && digits > 1);
            }
            var fixedGroup = regular.Where(i => IsFixed(pvalues[i])).ToList();
            var smallGroup = regular.Except(fixedGroup).ToList();
            foreach (var group in new[] { fixedGroup, smallGroup })
            {
                if (group.Count == 0) continue;
                var formatted = Format(group.Select(i => pvalues[i]).ToArray(), digits);
                for (int j = 0; j < group.Count; j++) result[group[j]] = formatted[j];
            }
            longest = regular.Max(i => result[i].Length);
        }
        if (tiny.Count > 0)
        {
            int d = Math.Max(1, digits - 2);
            string separator;
            if (regular.Count > 0)
            {
                if (d > 1 && d + 6 > longest) d = Math.Max(1, longest - 7);
                separator = d == 1 && longest <= 6 ? "" : " ";
            }
            else separator = d == 1 ? "" : " ";
            string text = "<" + separator + Format(eps, d);
            foreach (int i in tiny) result[i] = text;
        }
        return result;
    }
}
