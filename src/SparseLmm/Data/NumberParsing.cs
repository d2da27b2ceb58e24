using System.Globalization;

namespace SparseLmm.Data;

/// <summary>Parses numbers from text cells without allocating. Accepts what
/// <c>double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, ...)</c> accepts, plus the spellings
/// R writes for non-finite values: <c>Inf</c>, <c>-Inf</c>, <c>NaN</c> (and <c>Infinity</c>, any case).</summary>
internal static class NumberParsing
{
    // 10^0 .. 10^22 are exactly representable as doubles.
    private static readonly double[] ExactPowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private const ulong MaxExactMantissa = 1UL << 53;

    /// <summary>Parses <paramref name="text"/> as a double. The result is the correctly rounded value, identical to
    /// <see cref="double.Parse(string, NumberStyles, IFormatProvider)"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        // Fast path: [+-]digits[.digits] with at most 19 digits whose mantissa fits in 53 bits and at most 22
        // fraction digits. Then mantissa and 10^k are exact doubles and one IEEE division is correctly rounded
        // (Clinger's fast path), so the result equals the full parser's.
        int i = 0;
        int n = text.Length;
        bool negative = false;
        if (n != 0)
        {
            char first = text[0];
            if (first == '-') { negative = true; i = 1; }
            else if (first == '+') i = 1;
        }

        ulong mantissa = 0;
        int digitsStart = i;
        while (i < n)
        {
            uint d = (uint)(text[i] - '0');
            if (d > 9) break;
            mantissa = unchecked(mantissa * 10 + d);
            i++;
        }
        int integerDigits = i - digitsStart;
        int fractionDigits = 0;
        if (i < n && text[i] == '.')
        {
            i++;
            int fractionStart = i;
            while (i < n)
            {
                uint d = (uint)(text[i] - '0');
                if (d > 9) break;
                mantissa = unchecked(mantissa * 10 + d);
                i++;
            }
            fractionDigits = i - fractionStart;
        }

        int totalDigits = integerDigits + fractionDigits;
        if (i == n && totalDigits != 0 && totalDigits <= 19 && mantissa <= MaxExactMantissa && fractionDigits <= 22)
        {
            double result = mantissa;
            if (fractionDigits != 0) result /= ExactPowersOfTen[fractionDigits];
            value = negative ? -result : result;
            return true;
        }

        return TryParseSlow(text, out value);
    }

    private static bool TryParseSlow(ReadOnlySpan<char> text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            return true;

        // R's spellings of non-finite values (and a few common variants).
        var t = text.Trim();
        bool negative = false;
        if (t.Length != 0 && (t[0] == '-' || t[0] == '+'))
        {
            negative = t[0] == '-';
            t = t[1..];
        }
        if (t.Equals("inf", StringComparison.OrdinalIgnoreCase) || t.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (t.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        value = 0;
        return false;
    }
}
