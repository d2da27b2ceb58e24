using BenchmarkDotNet.Attributes;
using SparseLmm.Numerics;

namespace SparseLmm.Bench;

/// <summary>
/// The dense Cholesky kernel at the orders that matter: 32 (small models), 256, 1159 (InstEval) and 2007 (the 1M-row
/// simulated benchmark), on one and on two threads. Each invocation copies the SPD matrix into the work array and
/// factors it in place; <see cref="CopyOnly"/> measures the copy alone so it can be subtracted.
/// GFLOP/s = (n³ / 3) / (time of <see cref="Factor"/> − time of <see cref="CopyOnly"/>).
/// </summary>
[MemoryDiagnoser]
public class DenseCholeskyBenchmarks
{
    private double[] _a = [];
    private double[] _work = [];
    private DenseCholeskyWorkspace _workspace = null!;

    /// <summary>Order of the matrix.</summary>
    [Params(32, 256, 1159, 2007)]
    public int N { get; set; }

    /// <summary>Most threads one factorisation may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds a random SPD matrix (lower triangle; NaN garbage above the diagonal).</summary>
    [GlobalSetup]
    public void Setup()
    {
        int n = N;
        var rnd = new Random(20240611);
        _a = new double[n * n];
        // Symmetric, entries in (−½, ½) off the diagonal and n on it: strictly diagonally dominant, hence SPD
        // (Gershgorin). The flop count of the factorisation does not depend on the values.
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++) _a[i * n + j] = rnd.NextDouble() - 0.5;
            _a[i * n + i] = n;
            for (int j = i + 1; j < n; j++) _a[i * n + j] = double.NaN;
        }
        _work = new double[n * n];
        _workspace = new DenseCholeskyWorkspace(n, Threads);
        _a.CopyTo(_work, 0);
        if (!DenseCholesky.Factor(_work, n, _workspace)) throw new InvalidOperationException("test matrix not SPD");
    }

    /// <summary>Copy + in-place factorisation.</summary>
    [Benchmark]
    public bool Factor()
    {
        _a.CopyTo(_work, 0);
        return DenseCholesky.Factor(_work, N, _workspace);
    }

    /// <summary>The copy alone (baseline to subtract).</summary>
    [Benchmark]
    public double CopyOnly()
    {
        _a.CopyTo(_work, 0);
        return _work[0];
    }
}
