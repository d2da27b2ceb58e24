using BenchmarkDotNet.Attributes;
using SparseLmm.Numerics;

namespace SparseLmm.Bench;

/// <summary>
/// The dense Cholesky on one thread with each SIMD path forced, so that the portable 128-bit path (the one Arm64 runs)
/// can be compared with the 256-bit and AVX-512 ones on an x64 machine. Category <c>Isa</c>, run it alone with
/// <c>--anyCategories Isa</c>. GFLOP/s = (n³ / 3) / time (the copy is a few per cent of it at these orders, see
/// <see cref="DenseCholeskyBenchmarks.CopyOnly"/>).
/// </summary>
[BenchmarkCategory("Isa")]
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DenseIsaBenchmarks
{
    private double[] _a = [];
    private double[] _work = [];
    private DenseCholeskyWorkspace _workspace = null!;

    /// <summary>Order of the matrix.</summary>
    [Params(256, 1159)]
    public int N { get; set; }

    /// <summary>The code path, by its <see cref="DenseIsa"/> name (the enum is internal to the library).</summary>
    [Params("Vector128", "Vector256", "Avx512")]
    public string Isa { get; set; } = "";

    /// <summary>A strictly diagonally dominant (hence SPD) matrix, as in <see cref="DenseCholeskyBenchmarks"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var isa = Enum.Parse<DenseIsa>(Isa);
        if (!DenseKernels.IsSupported(isa)) throw new NotSupportedException($"{Isa} does not run on this machine");
        int n = N;
        var rnd = new Random(20240611);
        _a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++) _a[i * n + j] = rnd.NextDouble() - 0.5;
            _a[i * n + i] = n;
            for (int j = i + 1; j < n; j++) _a[i * n + j] = double.NaN;
        }
        _work = new double[n * n];
        _workspace = new DenseCholeskyWorkspace(n, 1) { Isa = isa };
    }

    /// <summary>Copy + in-place factorisation.</summary>
    [Benchmark]
    public bool Factor()
    {
        _a.CopyTo(_work, 0);
        return DenseCholesky.Factor(_work, N, _workspace);
    }
}
