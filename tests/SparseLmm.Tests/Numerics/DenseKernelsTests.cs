using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

public unsafe class DenseKernelsTests
{
    /// <summary>Every length up to 3 × 16 + 7 passes through each vector width's loop and each remainder (the 128-bit
    /// step after the 256-bit one on x64, the scalar tail after it).</summary>
    public static IEnumerable<object[]> Lengths() => Enumerable.Range(0, 56).Select(n => new object[] { n });

    private static double[] Values(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Dot_matches_the_plain_sum_at_every_length(int n)
    {
        double[] x = Values(n, 1), y = Values(n, 2);
        double expected = 0;
        for (int i = 0; i < n; i++) expected += x[i] * y[i];
        fixed (double* px = x, py = y)
            Assert.Equal(expected, DenseKernels.Dot(px, py, n), 1e-13);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Axpy_matches_the_plain_loop_at_every_length_and_writes_nothing_past_it(int n)
    {
        double[] x = [.. Values(n, 3), double.NaN], y = Values(n + 1, 4);
        double[] expected = (double[])x.Clone();
        for (int i = 0; i < n; i++) expected[i] += 0.75 * y[i];
        fixed (double* px = x, py = y)
            DenseKernels.Axpy(px, py, 0.75, n);
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], x[i], 1e-15);
        Assert.True(double.IsNaN(x[n]));
    }

    [Fact]
    public void The_128_bit_path_is_available_wherever_wider_ones_are()
    {
        // The forced-path tests in DenseCholeskyTests skip an unsupported path silently; on the x64 and Arm64 machines
        // we build on, the 128-bit one must really run.
        Assert.True(DenseKernels.IsSupported(DenseIsa.Vector128));
        Assert.NotEqual(DenseIsa.Scalar, DenseKernels.BestIsa);
    }
}
