namespace SparseLmm.Bench;

/// <summary>A small, fast, deterministic pseudo-random generator (xoshiro256** by Blackman and Vigna), seeded through
/// SplitMix64. Written here rather than using <see cref="Random"/> so the simulated data are the same bit for bit on
/// every .NET version, and so independent streams (one per subject) can be derived from one seed, which lets the data
/// generator work on several cores and still produce the same file.</summary>
internal struct Xoshiro256StarStar
{
    private ulong s0, s1, s2, s3;
    private double spareNormal;
    private bool hasSpareNormal;

    /// <summary>The generator for stream <paramref name="stream"/> of seed <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed, ulong stream)
    {
        ulong state = seed ^ (stream * 0xD1B54A32D192ED03UL) ^ 0x9E3779B97F4A7C15UL;
        s0 = SplitMix64(ref state);
        s1 = SplitMix64(ref state);
        s2 = SplitMix64(ref state);
        s3 = SplitMix64(ref state);
        if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
        spareNormal = 0;
        hasSpareNormal = false;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1), 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on {0, …, <paramref name="count"/> − 1} (Lemire's multiply-shift, bias below 2⁻³²).</summary>
    public int NextInt(int count) => (int)(((NextUInt64() >> 32) * (ulong)count) >> 32);

    /// <summary>Standard normal (Marsaglia's polar method; the second value of each pair is kept for the next call).</summary>
    public double NextNormal()
    {
        if (hasSpareNormal)
        {
            hasSpareNormal = false;
            return spareNormal;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double factor = Math.Sqrt(-2 * Math.Log(s) / s);
        spareNormal = v * factor;
        hasSpareNormal = true;
        return u * factor;
    }
}
