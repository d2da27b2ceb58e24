using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SparseLmm.Numerics;

/// <summary>
/// Reusable scratch memory and parallel-execution state for <see cref="DenseCholesky.Factor(Span{double}, int, DenseCholeskyWorkspace)"/>.
/// Create one per model (or per thread) and reuse it for every factorisation: after the first call of a given order,
/// factorising is free of GC allocation. Buffers grow on demand when a larger order is factored.
/// </summary>
/// <remarks>A workspace is not thread-safe: use one per concurrently factoring thread. It holds no unmanaged
/// resources (its buffers live on the pinned object heap), so it needs no disposal.</remarks>
internal sealed unsafe class DenseCholeskyWorkspace : IDenseParallelJob
{
    /// <summary>Most levels of recursive blocking (each level at least halves the order; by default there are two:
    /// blocks of 128, then the unblocked kernel).</summary>
    private const int MaxLevels = 12;

    [ThreadStatic] private static DenseCholeskyWorkspace? t_default;

    private readonly LevelBuffer[] _levels = new LevelBuffer[MaxLevels];
    private readonly DenseParallelRunner _runner;
    private int _capacity = -1;

    // State of the parallel phase in progress (read by helper threads through IDenseParallelJob.RunChunk).
    private DenseStep _step;
    private bool _syrkPhase;
    private int _syrkPanels;

    /// <summary>Creates a workspace, optionally sized for matrices of order up to <paramref name="order"/>.</summary>
    /// <param name="order">Largest order expected (buffers grow later if needed).</param>
    /// <param name="maxDegreeOfParallelism">Most threads (caller included) one factorisation may use; ≤ 0 means
    /// <see cref="Environment.ProcessorCount"/>.</param>
    public DenseCholeskyWorkspace(int order = 0, int maxDegreeOfParallelism = 0)
    {
        int cores = Math.Clamp(Environment.ProcessorCount, 1, 64);
        _runner = new DenseParallelRunner(cores - 1);
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
        for (int i = 0; i < MaxLevels; i++) _levels[i] = new LevelBuffer();
        if (order > 0) EnsureCapacity(order);
    }

    /// <summary>Most threads (caller included) one factorisation may use; values ≤ 0 mean
    /// <see cref="Environment.ProcessorCount"/>. Set 1 for strictly single-threaded factorisations.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegree;
        set => _maxDegree = value <= 0 ? Environment.ProcessorCount : value;
    }
    private int _maxDegree;

    /// <summary>Code path used by the blocked kernels (tests force the slower ones to check them).</summary>
    internal DenseIsa Isa
    {
        get => _isa;
        set { _isa = value; UnblockedMaxOrder = DenseCholesky.UnblockedMaxFor(value); }
    }
    private DenseIsa _isa = DenseKernels.BestIsa;

    /// <summary>Block size of the outermost level for large orders (tuning knob; default
    /// <see cref="DenseCholesky.LargeBlockSize"/>).</summary>
    internal int LargeBlockSize
    {
        get => _largeBlockSize;
        set { _largeBlockSize = Math.Max(8, value); _capacity = -1; }
    }
    private int _largeBlockSize = DenseCholesky.LargeBlockSize;

    /// <summary>Orders up to this are factored without blocking (tuning knob).</summary>
    internal int UnblockedMaxOrder
    {
        get => _unblockedMax;
        set { _unblockedMax = Math.Clamp(value, 1, 256); _capacity = -1; }
    }
    private int _unblockedMax = DenseCholesky.UnblockedMaxFor(DenseKernels.BestIsa);

    /// <summary>Block size for orders ≤ <see cref="DenseCholesky.LargeBlockSize"/> (tuning knob).</summary>
    internal int SmallBlockSize
    {
        get => _smallBlockSize;
        set { _smallBlockSize = Math.Max(8, value); _capacity = -1; }
    }
    private int _smallBlockSize = DenseCholesky.SmallBlockSize;

    /// <summary>Trailing-block order from which an update step is split across threads.</summary>
    internal int ParallelMinTrailing { get; set; } = DenseCholesky.ParallelMinTrailing;

    /// <summary>The calling thread's lazily created default workspace (used by <see cref="DenseCholesky.Factor(Span{double}, int)"/>).</summary>
    internal static DenseCholeskyWorkspace ForCurrentThread => t_default ??= new DenseCholeskyWorkspace();

    /// <summary>Pre-allocates the buffers for matrices of order <paramref name="n"/> (each step also checks, and grows its
    /// buffer if a smaller order with a different blocking needs more).</summary>
    public void EnsureCapacity(int n)
    {
        if (n <= _capacity) return;
        int order = n;
        for (int level = 0; level < MaxLevels && order > UnblockedMaxOrder; level++)
        {
            int nb = BlockSize(order, level);
            int b = Math.Min(nb, order);
            _levels[level].Ensure(DenseKernels.PackDoubles(Math.Max(order - b, 1), b), b);
            order = b;
        }
        _capacity = n;
    }

    /// <summary>Block size used at <paramref name="level"/> of the recursion for a block of order <paramref name="order"/>.</summary>
    internal int BlockSize(int order, int level)
    {
        int nb = order <= DenseCholesky.LargeBlockSize ? _smallBlockSize
            : level == 0 ? _largeBlockSize : DenseCholesky.LargeBlockSize;
        return nb < order ? nb : (order + 1) / 2; // always split, or the recursion would not progress
    }

    /// <summary>Blocked right-looking factorisation of the order-<paramref name="n"/> block at <paramref name="a"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool FactorLevel(double* a, nint lda, int n, int level)
    {
        if (n <= UnblockedMaxOrder)
        {
            double* inv = stackalloc double[n];
            return DenseKernels.FactorSmall(a, lda, n, inv, Isa);
        }
        if (level >= MaxLevels) throw new InvalidOperationException("Dense Cholesky recursion too deep."); // unreachable
        return Eliminate(a, lda, n, n, n, level);
    }

    /// <summary>Eliminates the first <paramref name="columns"/> columns of the order-<paramref name="n"/> block at
    /// <paramref name="a"/> (L in those columns, the Schur complement left unfactored in the trailing block), where
    /// below each diagonal block only its next <paramref name="panelRows"/> rows can be nonzero in its columns: rows
    /// further down are zero there, so they are neither packed nor updated.</summary>
    internal bool FactorLeadingColumns(double* a, nint lda, int n, int columns, int panelRows) =>
        Eliminate(a, lda, n, columns, panelRows, 0);

    private bool Eliminate(double* a, nint lda, int n, int columns, int panelRows, int level)
    {
        int nb = BlockSize(columns, level);
        bool parallel = level == 0 && _maxDegree > 1 && _runner.HelperCount > 0 && Math.Min(n, panelRows) - nb >= ParallelMinTrailing;
        if (!parallel) return FactorSteps(a, lda, n, nb, level, false, columns, panelRows);
        _runner.BeginSession(_maxDegree - 1);
        try
        {
            return FactorSteps(a, lda, n, nb, level, true, columns, panelRows);
        }
        finally
        {
            _runner.EndSession();
        }
    }

    /// <summary>The block steps of <see cref="Eliminate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool FactorSteps(double* a, nint lda, int n, int nb, int level, bool parallel, int columns, int panelRows)
    {
        LevelBuffer buffers = _levels[level];
        int b0 = Math.Min(nb, columns);
        buffers.Ensure(DenseKernels.PackDoubles(Math.Max(Math.Min(n - b0, panelRows), 1), b0), b0); // no-op unless this order needs more
        for (int k = 0; k < columns; k += nb)
        {
            int b = Math.Min(nb, columns - k);
            double* akk = a + k * lda + k;
            if (!FactorLevel(akk, lda, b, level + 1)) return false;
            int m = Math.Min(n - k - b, panelRows);
            if (m == 0) break;
            double* inv = buffers.Inv;
            for (int p = 0; p < b; p++) inv[p] = 1.0 / akk[p * lda + p];

            DenseStep step = new()
            {
                L11 = akk,
                A21 = akk + b * lda,
                A22 = akk + b * lda + b,
                Lda = lda,
                B = b,
                M = m,
                Pack = buffers.Pack,
                InvDiag = inv,
                Isa = Isa,
            };

            int groups = DenseKernels.GroupCount(m);
            int panels = DenseKernels.PanelCount(m);
            if (parallel && m >= ParallelMinTrailing)
            {
                _step = step;
                _syrkPhase = false;
                _runner.Run(this, groups);
                _syrkPhase = true;
                _syrkPanels = panels;
                _runner.Run(this, (panels + SyrkChunkPanels - 1) / SyrkChunkPanels);
            }
            else
            {
                DenseKernels.PackSolveGroups(step, 0, groups);
                DenseKernels.SyrkRowPanels(step, 0, panels);
            }
        }
        return true;
    }

    /// <summary>Row panels per parallel SYRK chunk.</summary>
    private const int SyrkChunkPanels = 3;

    void IDenseParallelJob.RunChunk(int chunk)
    {
        if (!_syrkPhase)
        {
            DenseKernels.PackSolveGroups(_step, chunk, chunk + 1);
            return;
        }
        // Bottom chunks (longest rows, most work) first, for load balance.
        int hi = _syrkPanels - chunk * SyrkChunkPanels;
        int lo = Math.Max(0, hi - SyrkChunkPanels);
        DenseKernels.SyrkRowPanels(_step, lo, hi);
    }

    /// <summary>Packing buffer (64-byte aligned, pinned) and reciprocal-diagonal buffer of one recursion level.</summary>
    private sealed class LevelBuffer
    {
        private double[]? _pack;
        private double[]? _inv;
        public double* Pack;
        public double* Inv;

        public void Ensure(long packDoubles, int b)
        {
            if (_pack is null || _pack.Length < packDoubles + 8)
            {
                _pack = GC.AllocateUninitializedArray<double>(checked((int)(packDoubles + 8)), pinned: true);
                double* p = (double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pack));
                nint misalign = (nint)p & 63;
                Pack = misalign == 0 ? p : (double*)((byte*)p + (64 - misalign));
            }
            if (_inv is null || _inv.Length < b)
            {
                _inv = GC.AllocateUninitializedArray<double>(b, pinned: true);
                Inv = (double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_inv));
            }
        }
    }
}
