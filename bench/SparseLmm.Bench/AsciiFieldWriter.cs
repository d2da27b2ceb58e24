namespace SparseLmm.Bench;

/// <summary>Writes CSV fields as ASCII bytes without going through culture-aware formatting: fixed-point numbers
/// from an already rounded integer, and zero-padded labels. This is what makes writing 10 million rows take seconds.</summary>
internal static class AsciiFieldWriter
{
    /// <summary>Longest field this writer produces for values below 10¹⁸ in magnitude.</summary>
    public const int MaxNumberLength = 22;

    /// <summary>Writes <paramref name="scaled"/> / 10^<paramref name="decimals"/> with exactly
    /// <paramref name="decimals"/> decimals (e.g. 123456, 4 → "12.3456"); returns the bytes written.</summary>
    public static int WriteFixed(Span<byte> destination, long scaled, int decimals)
    {
        int position = 0;
        ulong magnitude;
        if (scaled < 0)
        {
            destination[position++] = (byte)'-';
            magnitude = (ulong)(-scaled);
        }
        else
        {
            magnitude = (ulong)scaled;
        }
        Span<byte> digits = stackalloc byte[24];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + (int)(magnitude % 10));
            magnitude /= 10;
        } while (magnitude != 0 || count <= decimals);
        for (int i = count - 1; i >= 0; i--)
        {
            if (i == decimals - 1) destination[position++] = (byte)'.';
            destination[position++] = digits[i];
        }
        return position;
    }

    /// <summary>Writes <paramref name="prefix"/> then <paramref name="number"/> zero-padded to <paramref name="width"/>
    /// digits (e.g. "site", 42, 4 → "site0042"); returns the bytes written.</summary>
    public static int WriteLabel(Span<byte> destination, ReadOnlySpan<byte> prefix, int number, int width)
    {
        prefix.CopyTo(destination);
        int digits = Math.Max(width, DigitCount(number));
        int end = prefix.Length + digits;
        for (int i = end - 1; i >= prefix.Length; i--)
        {
            destination[i] = (byte)('0' + number % 10);
            number /= 10;
        }
        return end;
    }

    /// <summary>Number of decimal digits of a non-negative integer (1 for 0).</summary>
    public static int DigitCount(int number)
    {
        int count = 1;
        while (number >= 10)
        {
            number /= 10;
            count++;
        }
        return count;
    }
}
