namespace SparseLmm.Bench;

/// <summary>The few distributions the nested and crossed generators need beyond uniform and normal, built on
/// <see cref="Xoshiro256StarStar"/> so the files stay the same bytes on every .NET version.</summary>
internal static class RandomDraws
{
    /// <summary>Gamma with integer <paramref name="shape"/> and scale 1 (a sum of exponentials). Shape 1 is the
    /// exponential: a Poisson count with an exponential mean is geometric, which is how unit sizes are made skewed.</summary>
    public static double NextGamma(ref Xoshiro256StarStar random, int shape)
    {
        double sum = 0;
        for (int k = 0; k < shape; k++) sum -= Math.Log(1 - random.NextDouble());
        return sum;
    }

    /// <summary>Poisson with mean <paramref name="mean"/>, capped at <paramref name="cap"/> (Knuth's product of
    /// uniforms, stopped at the cap, so a large mean costs at most cap draws).</summary>
    public static int NextPoisson(ref Xoshiro256StarStar random, double mean, int cap)
    {
        double limit = Math.Exp(-mean), product = random.NextDouble();
        int count = 0;
        while (product > limit && count < cap)
        {
            count++;
            product *= random.NextDouble();
        }
        return count;
    }

    /// <summary>A uniformly random permutation of 0 … <paramref name="count"/> − 1 (Fisher–Yates). Used for labels,
    /// so a level's label says nothing about where it sits in the hierarchy.</summary>
    public static int[] Permutation(ref Xoshiro256StarStar random, int count)
    {
        var permutation = new int[count];
        for (int i = 0; i < count; i++) permutation[i] = i;
        Shuffle(ref random, permutation);
        return permutation;
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates).</summary>
    public static void Shuffle(ref Xoshiro256StarStar random, Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
