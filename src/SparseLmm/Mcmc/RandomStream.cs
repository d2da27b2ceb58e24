namespace SparseLmm.Mcmc;

/// <summary>xoshiro256** seeded by SplitMix64 of (seed, stream): one independent, reproducible stream per chain, so a
/// chain's draws depend only on the seed and its index, never on the thread that runs it or on .NET's
/// <see cref="Random"/> implementation. Standard normals by the polar method, gammas by Marsaglia and Tsang.
/// Mutable: one per chain.</summary>
internal sealed class RandomStream
{
    private ulong s0, s1, s2, s3;
    private double spareNormal;
    private bool hasSpare;

    public RandomStream(ulong seed, int stream)
    {
        ulong state = seed ^ unchecked((ulong)(stream + 1) * 0xD1B54A32D192ED03UL);
        s0 = SplitMix(ref state);
        s1 = SplitMix(ref state);
        s2 = SplitMix(ref state);
        s3 = SplitMix(ref state);
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = unchecked(state += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    private ulong Next()
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

    /// <summary>Uniform on (0, 1): 53 random bits, never 0.</summary>
    public double Uniform() => ((Next() >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>A standard normal.</summary>
    public double Normal()
    {
        if (hasSpare)
        {
            hasSpare = false;
            return spareNormal;
        }
        double a, b, radius;
        do
        {
            a = 2 * Uniform() - 1;
            b = 2 * Uniform() - 1;
            radius = a * a + b * b;
        } while (radius >= 1);
        double factor = Math.Sqrt(-2 * Math.Log(radius) / radius);
        spareNormal = b * factor;
        hasSpare = true;
        return a * factor;
    }

    /// <summary>A Gamma(<paramref name="shape"/>, 1) variate (Marsaglia and Tsang 2000; shape below 1 by the boost
    /// Gamma(a) = Gamma(a + 1) U^(1/a)).</summary>
    public double Gamma(double shape)
    {
        if (shape < 1) return Gamma(shape + 1) * Math.Pow(Uniform(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = Uniform();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }
}
