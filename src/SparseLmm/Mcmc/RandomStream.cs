using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>A chain's random numbers: <see cref="Xoshiro256StarStar"/> seeded by SplitMix64 of (seed, stream), one
/// independent, reproducible stream per chain, so a chain's draws depend only on the seed and its index, never on the
/// thread that runs it or on .NET's <see cref="Random"/> implementation. Uniforms never 0, standard normals by the
/// polar method, gammas by Marsaglia and Tsang. Mutable: one per chain.</summary>
internal sealed class RandomStream
{
    private Xoshiro256StarStar generator;

    public RandomStream(ulong seed, int stream) =>
        generator = new Xoshiro256StarStar(seed ^ unchecked((ulong)(stream + 1) * 0xD1B54A32D192ED03UL), midpoints: true);

    /// <summary>Uniform on (0, 1): 53 random bits, never 0.</summary>
    public double Uniform() => generator.NextDouble();

    /// <summary>A standard normal.</summary>
    public double Normal() => generator.NextNormal();

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
