using FsCheck;
using FsCheck.Xunit;
using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

public class DenseCholeskyTests
{
    private static readonly int[] Sizes = [1, 2, 3, 7, 31, 32, 33, 64, 100, 257, 600];

    /// <summary>Random SPD matrix G Gᵀ / n + shift·I in the lower triangle; the strict upper triangle is filled with a
    /// NaN garbage pattern that the kernels must neither read nor overwrite.</summary>
    internal static double[] RandomSpd(int n, int seed, double shift = 0.5)
    {
        var rnd = new Random(seed);
        var g = new double[n * n];
        for (int i = 0; i < g.Length; i++) g[i] = rnd.NextDouble() * 2 - 1;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += g[i * n + k] * g[j * n + k];
                a[i * n + j] = s / n + (i == j ? shift : 0.0);
            }
            for (int j = i + 1; j < n; j++) a[i * n + j] = double.NaN;
        }
        return a;
    }

    /// <summary>Textbook column-by-column Cholesky (no blocking, no SIMD) of the lower triangle.</summary>
    internal static double[] NaiveCholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
            l[j * n + j] = Math.Sqrt(d);
            for (int i = j + 1; i < n; i++)
            {
                double t = a[i * n + j];
                for (int k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = t / l[j * n + j];
            }
        }
        return l;
    }

    private static IEnumerable<DenseIsa> SupportedIsas() => Enum.GetValues<DenseIsa>().Where(DenseKernels.IsSupported);

    public static IEnumerable<object[]> SizeIsaThreads()
    {
        foreach (int n in Sizes)
            foreach (DenseIsa isa in Enum.GetValues<DenseIsa>())
                foreach (int threads in new[] { 1, 2 })
                {
                    if (threads == 2 && n < 100) continue; // the parallel path starts at trailing order 64
                    if (isa == DenseIsa.Scalar && n == 600 && threads == 2) continue;
                    yield return [n, isa, threads];
                }
    }

    private static void AssertMatchesReference(double[] a, double[] l, int n)
    {
        double[] reference = NaiveCholesky(a, n);
        double maxL = 0;
        for (int i = 0; i < n * n; i++) if (!double.IsNaN(reference[i])) maxL = Math.Max(maxL, Math.Abs(reference[i]));
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double diff = Math.Abs(l[i * n + j] - reference[i * n + j]);
                Assert.True(diff <= 1e-12 * maxL * Math.Max(1, Math.Sqrt(n)), $"L[{i},{j}] = {l[i * n + j]} vs reference {reference[i * n + j]} (n = {n})");
            }
            for (int j = i + 1; j < n; j++)
                Assert.True(double.IsNaN(l[i * n + j]), $"upper-triangle entry [{i},{j}] was overwritten (n = {n})");
        }
    }

    [Theory]
    [MemberData(nameof(SizeIsaThreads))]
    internal void Factor_matches_naive_reference(int n, DenseIsa isa, int threads)
    {
        if (!DenseKernels.IsSupported(isa)) return; // path not available on this machine
        double[] a = RandomSpd(n, seed: 1000 + n);
        double[] l = (double[])a.Clone();
        var ws = new DenseCholeskyWorkspace(n, threads) { Isa = isa };
        Assert.True(DenseCholesky.Factor(l, n, ws));
        AssertMatchesReference(a, l, n);

        // A reused workspace gives the same answer again.
        double[] l2 = (double[])a.Clone();
        Assert.True(DenseCholesky.Factor(l2, n, ws));
        Assert.Equal(l, l2);
    }

    [Fact]
    public void Factor_with_default_workspace_matches_reference()
    {
        foreach (int n in Sizes)
        {
            double[] a = RandomSpd(n, seed: n);
            double[] l = (double[])a.Clone();
            Assert.True(DenseCholesky.Factor(l, n));
            AssertMatchesReference(a, l, n);
        }
    }

    [Theory]
    [InlineData(160)]
    [InlineData(300)]
    internal void Factor_with_other_block_sizes_matches_reference(int n)
    {
        double[] a = RandomSpd(n, seed: 7 * n);
        foreach (DenseIsa isa in SupportedIsas())
        {
            foreach (int nb in new[] { 8, 20, 37, 64, 200, 256 })
            {
                foreach (int unblocked in new[] { 8, 21, 128 })
                {
                    double[] l = (double[])a.Clone();
                    var ws = new DenseCholeskyWorkspace(n, 2) { Isa = isa, LargeBlockSize = nb, UnblockedMaxOrder = unblocked, ParallelMinTrailing = 1 };
                    Assert.True(DenseCholesky.Factor(l, n, ws));
                    AssertMatchesReference(a, l, n);
                }
            }
        }
    }

    [Fact]
    public void Factor_works_on_a_larger_array_and_grows_the_workspace()
    {
        var ws = new DenseCholeskyWorkspace(10);
        foreach (int n in new[] { 40, 130, 300 })
        {
            double[] a = RandomSpd(n, seed: n);
            double[] l = new double[n * n + 5];
            a.CopyTo(l, 0);
            l[^1] = 42;
            Assert.True(DenseCholesky.Factor(l, n, ws));
            AssertMatchesReference(a, l[..(n * n)], n);
            Assert.Equal(42, l[^1]);
        }
    }

    [Fact]
    public void A_workspace_sized_for_a_larger_order_handles_smaller_orders_with_other_blockings()
    {
        var ws = new DenseCholeskyWorkspace(300, 1) { LargeBlockSize = 256 };
        ws.EnsureCapacity(300);
        foreach (int n in new[] { 250, 257, 129, 200, 300 })
        {
            double[] a = RandomSpd(n, seed: n);
            double[] l = (double[])a.Clone();
            Assert.True(DenseCholesky.Factor(l, n, ws));
            AssertMatchesReference(a, l, n);
        }
    }

    [Property(MaxTest = 60)]
    public bool Factor_property_random_sizes(PositiveInt size, int seed, bool twoThreads)
    {
        int n = (size.Get - 1) % 80 + 1;
        double[] a = RandomSpd(n, seed, shift: 0.05);
        double[] l = (double[])a.Clone();
        var ws = new DenseCholeskyWorkspace(n, twoThreads ? 2 : 1) { ParallelMinTrailing = 1 };
        if (!DenseCholesky.Factor(l, n, ws)) return false;
        // Residual check: L Lᵀ reproduces A.
        double maxA = 0, maxR = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int k = 0; k <= j; k++) s += l[i * n + k] * l[j * n + k];
                maxA = Math.Max(maxA, Math.Abs(a[i * n + j]));
                maxR = Math.Max(maxR, Math.Abs(s - a[i * n + j]));
            }
        return maxR <= 1e-13 * n * maxA;
    }

    public static IEnumerable<object[]> FailureCases()
    {
        foreach (int n in new[] { 1, 5, 32, 33, 150, 300 })
        {
            foreach (string kind in new[] { "negative-pivot-first", "negative-pivot-last", "indefinite-middle", "nan-diagonal", "nan-offdiagonal", "inf-diagonal", "inf-offdiagonal", "zero" })
            {
                if (n == 1 && kind is "nan-offdiagonal" or "inf-offdiagonal" or "indefinite-middle") continue;
                yield return [n, kind];
            }
        }
    }

    [Theory]
    [MemberData(nameof(FailureCases))]
    public void Factor_returns_false_for_matrices_that_are_not_positive_definite(int n, string kind)
    {
        double[] a = RandomSpd(n, seed: n + 3);
        switch (kind)
        {
            case "negative-pivot-first": a[0] = -1; break;
            case "negative-pivot-last": a[n * n - 1] = -1e-3; break;
            case "indefinite-middle":
                // Make rows k and k+1 (nearly) identical in a way that yields a zero-or-negative pivot at k+1.
                int k = n / 2;
                for (int j = 0; j <= k; j++) a[(k + 1) * n + j] = a[k * n + j];
                a[(k + 1) * n + k + 1] = a[k * n + k] * 0.5;
                break;
            case "nan-diagonal": a[(n / 2) * n + n / 2] = double.NaN; break;
            case "nan-offdiagonal": a[(n - 1) * n + n / 2] = double.NaN; break;
            case "inf-diagonal": a[(n - 1) * n + n - 1] = double.PositiveInfinity; break;
            case "inf-offdiagonal": a[(n - 1) * n] = double.PositiveInfinity; break;
            case "zero": Array.Clear(a); break;
        }
        foreach (DenseIsa isa in SupportedIsas())
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var ws = new DenseCholeskyWorkspace(n, threads) { Isa = isa, ParallelMinTrailing = 1 };
                Assert.False(DenseCholesky.Factor((double[])a.Clone(), n, ws), $"{isa}, {threads} thread(s)");
            }
        }
        Assert.False(DenseCholesky.Factor((double[])a.Clone(), n));
    }

    [Fact]
    public void Factor_of_empty_matrix_succeeds()
    {
        Assert.True(DenseCholesky.Factor([], 0));
        Assert.True(DenseCholesky.Factor([], 0, new DenseCholeskyWorkspace()));
    }

    [Fact]
    public void Arguments_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DenseCholesky.Factor(new double[4], -1));
        Assert.Throws<ArgumentException>(() => DenseCholesky.Factor(new double[8], 3));
        Assert.Throws<ArgumentException>(() => DenseCholesky.SolveLower(new double[9], 3, new double[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DenseCholesky.LogDeterminantOfFactor(new double[9], 3, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DenseCholesky.LogDeterminantOfFactor(new double[9], 3, 0, 4));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(12)]
    [InlineData(100)]
    [InlineData(257)]
    public void LogDeterminantOfFactor_sums_twice_the_log_diagonal(int n)
    {
        double[] l = RandomSpd(n, seed: n);
        Assert.True(DenseCholesky.Factor(l, n));
        double all = 0;
        for (int i = 0; i < n; i++) all += 2 * Math.Log(l[i * n + i]);
        Assert.Equal(all, DenseCholesky.LogDeterminantOfFactor(l, n, 0, n), 1e-9);
        int mid = n / 3;
        double head = DenseCholesky.LogDeterminantOfFactor(l, n, 0, mid);
        double tail = DenseCholesky.LogDeterminantOfFactor(l, n, mid, n);
        Assert.Equal(all, head + tail, 1e-9);
        Assert.Equal(0.0, DenseCholesky.LogDeterminantOfFactor(l, n, mid, mid));
    }

    [Fact]
    public void LogDeterminant_of_a_known_matrix()
    {
        // A = [[4, 2], [2, 3]]: det = 8.
        double[] a = [4, double.NaN, 2, 3];
        Assert.True(DenseCholesky.Factor(a, 2));
        Assert.Equal(2.0, a[0], 14);
        Assert.Equal(1.0, a[2], 14);
        Assert.Equal(Math.Sqrt(2), a[3], 14);
        Assert.Equal(Math.Log(8), DenseCholesky.LogDeterminantOfFactor(a, 2, 0, 2), 13);
        Assert.Equal(Math.Log(4), DenseCholesky.LogDeterminantOfFactor(a, 2, 0, 1), 13);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(64)]
    [InlineData(301)]
    public void Triangular_solves_have_small_residuals(int n)
    {
        double[] a = RandomSpd(n, seed: n);
        double[] l = (double[])a.Clone();
        Assert.True(DenseCholesky.Factor(l, n));
        var rnd = new Random(n);
        double[] b = new double[n + 2];
        for (int i = 0; i < b.Length; i++) b[i] = rnd.NextDouble() - 0.5;

        double[] x = (double[])b.Clone();
        DenseCholesky.SolveLower(l, n, x);
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = 0; k <= i; k++) s += l[i * n + k] * x[k];
            Assert.Equal(b[i], s, 1e-12);
        }
        Assert.Equal(b[n], x[n]); // entries past n untouched

        double[] y = (double[])b.Clone();
        DenseCholesky.SolveLowerTransposed(l, n, y);
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = i; k < n; k++) s += l[k * n + i] * y[k];
            Assert.Equal(b[i], s, 1e-12);
        }

        // Both together solve A z = b.
        double[] z = (double[])b.Clone();
        DenseCholesky.SolveLower(l, n, z);
        DenseCholesky.SolveLowerTransposed(l, n, z);
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = 0; k < n; k++) s += (k <= i ? a[i * n + k] : a[k * n + i]) * z[k];
            Assert.Equal(b[i], s, 1e-11);
        }
    }

    public static IEnumerable<object[]> InverseCases()
    {
        foreach (int n in new[] { 1, 2, 9, 33, 100, 203, 300 })
            foreach (DenseIsa isa in Enum.GetValues<DenseIsa>())
                foreach (int threads in new[] { 1, 2 })
                    if (threads == 1 || n >= 100) yield return [n, isa, threads];
    }

    /// <summary>A A⁻¹ = I, with A⁻¹ from the eliminated augmented matrix, on every code path, with and without helper
    /// threads, at orders on both sides of the blocked path (and of its 128-column blocks).</summary>
    [Theory]
    [MemberData(nameof(InverseCases))]
    internal void InvertPositiveDefinite_gives_the_inverse(int n, DenseIsa isa, int threads)
    {
        if (!DenseKernels.IsSupported(isa)) return;
        double[] a = RandomSpd(n, seed: 31 * n);
        var augmented = new double[4 * n * n];
        Array.Fill(augmented, double.NaN);
        for (int i = 0; i < n; i++) a.AsSpan(i * n, i + 1).CopyTo(augmented.AsSpan(i * 2 * n));
        var ws = new DenseCholeskyWorkspace(2 * n, threads) { Isa = isa, ParallelMinTrailing = 1 };
        Assert.True(DenseCholesky.InvertPositiveDefinite(augmented, n, ws));
        double Inverse(int i, int j) => i >= j ? augmented[(n + i) * 2 * n + n + j] : augmented[(n + j) * 2 * n + n + i];
        double A(int i, int j) => i >= j ? a[i * n + j] : a[j * n + i];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double product = 0;
                for (int k = 0; k < n; k++) product += A(i, k) * Inverse(k, j);
                Assert.Equal(i == j ? 1.0 : 0.0, product, 1e-11);
            }
        // The leading block holds A's factor, which the dense rest puts back after taking its inverse.
        var factor = (double[])a.Clone();
        Assert.True(DenseCholesky.Factor(factor, n));
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) Assert.Equal(factor[i * n + j], augmented[i * 2 * n + j], 1e-12 * Math.Abs(factor[i * n + i]) + 1e-13);
    }

    [Fact]
    public void InvertPositiveDefinite_refuses_an_indefinite_matrix()
    {
        const int n = 150;
        double[] a = RandomSpd(n, seed: 5);
        a[140 * n + 140] = -1;
        var augmented = new double[4 * n * n];
        for (int i = 0; i < n; i++) a.AsSpan(i * n, i + 1).CopyTo(augmented.AsSpan(i * 2 * n));
        Assert.False(DenseCholesky.InvertPositiveDefinite(augmented, n, new DenseCholeskyWorkspace()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(40)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(203)]
    [InlineData(257)]
    public void InvertLower_gives_the_inverse(int n)
    {
        double[] l = RandomSpd(n, seed: n);
        Assert.True(DenseCholesky.Factor(l, n));
        double[] m = (double[])l.Clone();
        DenseCholesky.InvertLower(m, n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (j > i)
                {
                    Assert.True(double.IsNaN(m[i * n + j]));
                    continue;
                }
                double s = 0;
                for (int k = j; k <= i; k++) s += l[i * n + k] * m[k * n + j];
                Assert.Equal(i == j ? 1.0 : 0.0, s, 1e-12);
            }
        }
    }

    [Fact]
    public void Factor_does_not_allocate_after_warm_up()
    {
        foreach (int n in new[] { 12, 32, 100, 600 })
        {
            double[] a = RandomSpd(n, seed: n);
            double[] w = new double[n * n];
            foreach (int threads in new[] { 1, 2 })
            {
                var ws = new DenseCholeskyWorkspace(n, threads);
                for (int i = 0; i < 3; i++)
                {
                    a.CopyTo(w, 0);
                    Assert.True(DenseCholesky.Factor(w, n, ws));
                    a.CopyTo(w, 0);
                    Assert.True(DenseCholesky.Factor(w, n));
                }
                // A factorization that allocated would show in every window; the quietest of several must be zero
                // (a loaded machine once showed bytes in a single window, from the runtime, not from the kernels).
                long allocated = long.MaxValue;
                for (int window = 0; window < 10 && allocated > 0; window++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    a.CopyTo(w, 0);
                    DenseCholesky.Factor(w, n, ws);
                    a.CopyTo(w, 0);
                    DenseCholesky.Factor(w, n);
                    allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                }
                Assert.True(allocated == 0, $"n = {n}, threads = {threads}: {allocated} bytes allocated");
            }
        }
    }
}
