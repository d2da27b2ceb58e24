namespace SparseLmm.Bench;

/// <summary>Numbers held as integers at a fixed number of decimals, the way the generators write them: the value a
/// row's response is computed from is exactly the decimal text in the file.</summary>
internal static class Scaled
{
    /// <summary><paramref name="value"/> × 10^<paramref name="decimals"/>, rounded to an integer.</summary>
    public static long Round(double value, int decimals) => (long)Math.Round(value * PowerOfTen(decimals));

    // An integer divided by a power of ten, both exact doubles: the correctly rounded quotient is the double nearest
    // the decimal text, i.e. what a correct parser reads back.
    /// <summary>The double a parser reads back for <paramref name="scaled"/> at <paramref name="decimals"/>.</summary>
    public static double Value(long scaled, int decimals) => scaled / PowerOfTen(decimals);

    private static double PowerOfTen(int decimals) => decimals switch
    {
        2 => 1e2,
        4 => 1e4,
        5 => 1e5,
        _ => Math.Pow(10, decimals),
    };
}
