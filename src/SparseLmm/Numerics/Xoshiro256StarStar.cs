namespace SparseLmm.Numerics;

/// <summary>A small, fast, deterministic pseudo-random generator (xoshiro256** by Blackman and Vigna), seeded through
/// SplitMix64: the one generator of the library's MCMC chains (<see cref="Mcmc.RandomStream"/>) and of the bench's
/// simulated data. Written here rather than using <see cref="Random"/> so that draws are the same bit for bit on every
/// .NET version, and so that independent streams (one per chain, one per subject) come from one seed whatever thread
/// runs them. Mutable: one per stream, passed by reference.</summary>
internal struct Xoshiro256StarStar
{
    private ulong s0, s1, s2, s3;
    private readonly bool midpoints;
    private double spareNormal;
    private bool hasSpareNormal;

    /// <summary>The generator for stream <paramref name="stream"/> of seed <paramref name="seed"/>, uniforms on [0, 1)
    /// (the bench's data sets).</summary>
    public Xoshiro256StarStar(ulong seed, ulong stream)
        : this(seed ^ unchecked(stream * 0xD1B54A32D192ED03UL) ^ 0x9E3779B97F4A7C15UL, midpoints: false)
    {
    }

    /// <summary>The generator whose four words are SplitMix64's first four outputs from <paramref name="state"/>.</summary>
    /// <param name="state">SplitMix64's starting state.</param>
    /// <param name="midpoints">Uniforms at the midpoints of the 2⁵³ cells of (0, 1), never 0 (for logarithms and
    /// powers, as the chains' gamma draws need), instead of the cells' left ends on [0, 1).</param>
    public Xoshiro256StarStar(ulong state, bool midpoints)
    {
        s0 = SplitMix64(ref state);
        s1 = SplitMix64(ref state);
        s2 = SplitMix64(ref state);
        s3 = SplitMix64(ref state);
        // All four zero is xoshiro's one fixed point; SplitMix64 never gives four zeros in a row, so this never changes a stream.
        if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
        this.midpoints = midpoints;
        spareNormal = 0;
        hasSpareNormal = false;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = unchecked(state += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = unchecked(ulong.RotateLeft(s1 * 5, 7) * 9);
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform from 53 random bits: on [0, 1), or on (0, 1) at the cells' midpoints when the generator was
    /// made with midpoints.</summary>
    public double NextDouble() => ((NextUInt64() >> 11) + (midpoints ? 0.5 : 0)) * (1.0 / (1UL << 53));

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
