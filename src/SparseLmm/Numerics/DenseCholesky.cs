using System.Runtime.CompilerServices;

namespace SparseLmm.Numerics;

/// <summary>
/// Dense Cholesky factorisation A = L Lᵀ of a symmetric positive-definite matrix, triangular solves, inverse and
/// log-determinant of the factor. This is the hot kernel of every objective evaluation of the mixed-model fit.
/// </summary>
/// <remarks>
/// <para><b>Storage.</b> A matrix of order n is a square <b>row-major</b> array of n × n doubles (leading dimension n;
/// element (i, j) at index <c>i * n + j</c>). Only the <b>lower triangle</b> (j ≤ i) is used: it holds A on entry and L on
/// exit. The strict upper triangle is <b>never read nor written</b> by any method here, so it may hold garbage, or
/// anything the caller wants to keep (for instance a copy of A: row-major lower is the same memory as column-major
/// upper). Equivalently, in column-major terms the arrays hold the upper triangle U = Lᵀ with A = Uᵀ U.</para>
/// <para><b>Why row-major lower.</b> Row i of L is contiguous, so the row-oriented unblocked factorisation used for small
/// orders and diagonal blocks runs on contiguous inner products, the forward solve is a sequence of contiguous dot
/// products, and in the blocked algorithm the trailing update A22 −= L21 L21ᵀ writes rows of A22, which are contiguous:
/// the SIMD micro-kernel keeps an 8-row × 24-column block of A22 in 24 AVX-512 registers and writes each of its rows with
/// three full-width vector read-modify-writes.</para>
/// <para><b>Algorithm.</b> Small orders (≤ <see cref="UnblockedMaxOrder512"/> = 128 with AVX-512, otherwise
/// ≤ <see cref="UnblockedMaxOrder"/> = 32) are factored without blocking, without allocation and without threads:
/// with AVX-512 by a left-looking kernel that works on 8-row panels transposed into 8-wide vectors (the forward
/// substitution of 8 rows runs as vector FMAs with no horizontal sums), otherwise row by row with contiguous dot
/// products. Larger orders use a blocked right-looking Cholesky with blocks of <see cref="LargeBlockSize"/> = 128
/// (32 on the non-AVX-512 paths for orders ≤ 128): for each diagonal block, factor it with the small-order kernel;
/// pack the panel below it into 8-row panels, solve it against the diagonal block in packed form (TRSM) and write it
/// back; then subtract the packed panel's outer product from the lower triangle of the trailing matrix (SYRK) with a
/// register-blocked 8 × 24 FMA micro-kernel (24 zmm accumulators; 128 × 8 × 8 B = 8 KiB row panel and 24 KiB column
/// panels fit the 48 KiB L1). The two phases of each step are split across threads (the caller plus dedicated helper
/// threads that stay for the whole factorisation and spin between phases, see <see cref="DenseParallelRunner"/>) when
/// the trailing matrix has order ≥ <see cref="ParallelMinTrailing"/> = 64; the degree is set by
/// <see cref="DenseCholeskyWorkspace.MaxDegreeOfParallelism"/>. If no helper is free (or the machine is overloaded)
/// the caller does all the work itself; it never waits for a helper to start.</para>
/// <para><b>Machines without AVX-512.</b> The same algorithm runs with 256-bit vectors (AVX2; FMA if present), 128-bit
/// vectors (Arm64 NEON) or plain scalar code; the choice is made once from <c>Avx512F.IsSupported</c> and
/// <c>Vector256</c> / <c>Vector128.IsHardwareAccelerated</c>.</para>
/// <para><b>Allocation.</b> <see cref="Factor(Span{double}, int, DenseCholeskyWorkspace)"/> allocates nothing once its
/// workspace has grown to the order; <see cref="Factor(Span{double}, int)"/> uses a per-thread workspace and likewise
/// allocates only the first time a thread factors a larger order than before.</para>
/// </remarks>
internal static unsafe class DenseCholesky
{
    /// <summary>Orders up to this are factored without blocking on the AVX-512 path (left-looking kernel on 8-row
    /// panels); also the size of the diagonal blocks there.</summary>
    public const int UnblockedMaxOrder512 = 128;

    /// <summary>Orders up to this are factored without blocking on the other paths (row-by-row dot-product kernel).</summary>
    public const int UnblockedMaxOrder = 32;

    /// <summary>Largest order factored without blocking for code path <paramref name="isa"/>.</summary>
    internal static int UnblockedMaxFor(DenseIsa isa) => isa == DenseIsa.Avx512 ? UnblockedMaxOrder512 : UnblockedMaxOrder;

    /// <summary>Block size for orders ≤ <see cref="LargeBlockSize"/> (and for the diagonal blocks of larger ones).</summary>
    public const int SmallBlockSize = 32;

    /// <summary>Block size (= inner dimension of the micro-kernel's update) for orders &gt; 128.</summary>
    public const int LargeBlockSize = 128;

    /// <summary>Trailing-matrix order from which an update step is split across threads.</summary>
    public const int ParallelMinTrailing = 64;

    /// <summary>
    /// In-place lower Cholesky factorisation: on success the lower triangle of <paramref name="a"/> holds L with
    /// A = L Lᵀ. Uses the calling thread's default workspace (allocation-free once it has grown to the order).
    /// </summary>
    /// <param name="a">Row-major n × n array; its lower triangle holds A (the upper triangle is ignored).</param>
    /// <param name="n">Order of the matrix.</param>
    /// <returns>False (without throwing) when a pivot is not a finite positive number, i.e. A is not (numerically)
    /// positive definite or contains NaN/∞; the content of <paramref name="a"/> is then unspecified.</returns>
    public static bool Factor(Span<double> a, int n)
    {
        CheckSquare(a.Length, n);
        if (n <= UnblockedMaxFor(DenseKernels.BestIsa))
        {
            fixed (double* p = a)
            {
                double* inv = stackalloc double[Math.Max(n, 1)];
                return DenseKernels.FactorSmall(p, n, n, inv, DenseKernels.BestIsa);
            }
        }
        return Factor(a, n, DenseCholeskyWorkspace.ForCurrentThread);
    }

    /// <summary>As <see cref="Factor(Span{double}, int)"/>, with an explicit reusable workspace (which also sets the
    /// degree of parallelism).</summary>
    /// <param name="a">Row-major n × n array; its lower triangle holds A (the upper triangle is ignored).</param>
    /// <param name="n">Order of the matrix.</param>
    /// <param name="workspace">Scratch memory and thread state; not to be shared by concurrent calls.</param>
    /// <returns>False when a pivot is not a finite positive number.</returns>
    public static bool Factor(Span<double> a, int n, DenseCholeskyWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        CheckSquare(a.Length, n);
        if (n == 0) return true;
        workspace.EnsureCapacity(n);
        fixed (double* p = a) return workspace.FactorLevel(p, n, n, 0);
    }

    /// <summary>2 Σ log L_ii over <paramref name="from"/> ≤ i &lt; <paramref name="to"/>: the log-determinant of the
    /// corresponding diagonal block of L Lᵀ when [from, to) starts at 0 (for example log|L_Z|² and log|L_X|² of a
    /// factor whose leading block belongs to Z and trailing block to X).</summary>
    /// <param name="l">Row-major n × n factor (lower triangle used).</param>
    /// <param name="n">Order.</param>
    /// <param name="from">First diagonal index (inclusive).</param>
    /// <param name="to">Last diagonal index (exclusive).</param>
    public static double LogDeterminantOfFactor(ReadOnlySpan<double> l, int n, int from, int to)
    {
        CheckSquare(l.Length, n);
        if ((uint)from > (uint)n || to < from || to > n) throw new ArgumentOutOfRangeException(nameof(from), $"Need 0 ≤ from ≤ to ≤ n; got from = {from}, to = {to}, n = {n}.");
        double s0 = 0.0, s1 = 0.0;
        int i = from;
        for (; i + 1 < to; i += 2)
        {
            s0 += Math.Log(l[i * n + i]);
            s1 += Math.Log(l[(i + 1) * n + i + 1]);
        }
        if (i < to) s0 += Math.Log(l[i * n + i]);
        return 2.0 * (s0 + s1);
    }

    /// <summary>Solves L x = b in place (forward substitution): on entry <paramref name="x"/> holds b.</summary>
    /// <param name="l">Row-major n × n lower-triangular factor.</param>
    /// <param name="n">Order.</param>
    /// <param name="x">Right-hand side of length ≥ n (only the first n entries are used), overwritten by the solution.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SolveLower(ReadOnlySpan<double> l, int n, Span<double> x)
    {
        CheckSquare(l.Length, n);
        if (x.Length < n) throw new ArgumentException($"Vector length {x.Length} < order {n}.", nameof(x));
        fixed (double* pl = l)
        fixed (double* px = x)
        {
            double* li = pl;
            for (int i = 0; i < n; i++, li += n)
                px[i] = (px[i] - DenseKernels.Dot(li, px, i)) / li[i];
        }
    }

    /// <summary>Solves Lᵀ x = b in place (back substitution): on entry <paramref name="x"/> holds b.</summary>
    /// <param name="l">Row-major n × n lower-triangular factor.</param>
    /// <param name="n">Order.</param>
    /// <param name="x">Right-hand side of length ≥ n, overwritten by the solution.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SolveLowerTransposed(ReadOnlySpan<double> l, int n, Span<double> x)
    {
        CheckSquare(l.Length, n);
        if (x.Length < n) throw new ArgumentException($"Vector length {x.Length} < order {n}.", nameof(x));
        fixed (double* pl = l)
        fixed (double* px = x)
        {
            // Column i of Lᵀ is row i of L (contiguous): x_i = b_i / L_ii, then b[0..i) -= x_i L[i, 0..i).
            for (int i = n - 1; i >= 0; i--)
            {
                double* li = pl + (nint)i * n;
                double xi = px[i] / li[i];
                px[i] = xi;
                DenseKernels.Axpy(px, li, -xi, i);
            }
        }
    }

    /// <summary>A⁻¹ of a symmetric positive-definite A by the blocked factorisation itself: eliminating A's columns
    /// from [[A, I], [I, 0]] leaves the Schur complement 0 − I A⁻¹ I = −A⁻¹ in the trailing block. The identity block's
    /// row i is zero before column i, so below each diagonal block only n rows can be nonzero and each step's update
    /// has order n: about n³ flops at the SYRK kernel's speed, three times a factorisation, where inverting L and
    /// forming L⁻ᵀL⁻¹ row by row (as before) ran memory-bound at a tenth of that speed (3.3 s against 0.24 s for one
    /// factorisation of order 4,000 on two AVX2 cores).</summary>
    /// <param name="augmented">Row-major (2n) × (2n) array: on entry its top-left n × n lower triangle holds A (the rest
    /// is ignored); on exit its top-left lower triangle holds A's Cholesky factor L and its bottom-right n × n lower
    /// triangle A⁻¹ (the rest is scratch).</param>
    /// <param name="n">Order of A.</param>
    /// <param name="workspace">Scratch memory and thread state.</param>
    /// <returns>False when A is not (numerically) positive definite.</returns>
    public static bool InvertPositiveDefinite(Span<double> augmented, int n, DenseCholeskyWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int order = 2 * n;
        CheckSquare(augmented.Length, order);
        if (n == 0) return true;
        for (int i = 0; i < n; i++)
        {
            var row = augmented.Slice((n + i) * order, order);
            row[..(n + i + 1)].Clear();
            row[i] = 1;
        }
        fixed (double* p = augmented)
            if (!workspace.FactorLeadingColumns(p, order, order, n, n)) return false;
        for (int i = 0; i < n; i++)
        {
            var row = augmented.Slice((n + i) * order + n, i + 1);
            for (int j = 0; j <= i; j++) row[j] = -row[j];
        }
        return true;
    }

    /// <summary>
    /// Replaces the lower-triangular factor L (lower triangle of <paramref name="l"/>) by its inverse L⁻¹, in place.
    /// Row i of L⁻¹ is computed from row i of L and the already inverted rows above it
    /// (M_ij = −(1/L_ii) Σ_{j ≤ k &lt; i} L_ik M_kj), so each row is overwritten as it is consumed. O(n³/6) FMAs; with
    /// AVX-512 rows are processed 32 at a time so that each inverted row is read from memory once per 32 rows.
    /// Allocates one scratch array of 32n doubles (n ≥ 32 with AVX-512), nothing otherwise. The strict upper triangle is not touched.
    /// </summary>
    /// <param name="l">Row-major n × n lower-triangular matrix with a non-zero diagonal.</param>
    /// <param name="n">Order.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InvertLower(Span<double> l, int n)
    {
        CheckSquare(l.Length, n);
        fixed (double* pl = l)
        {
            int i = 0;
            if (DenseKernels.BestIsa == DenseIsa.Avx512 && n >= 32)
            {
                // Blocks of up to 32 rows (sub-blocks of 8): first the product of their L part with the finished rows
                // of M = L⁻¹ above them, one 16-column strip of M at a time so that the strip, read from memory once,
                // serves all sub-blocks from L2 (register-blocked 8 × 16 kernel); then the in-block triangle row by row.
                const int rowBlock = 4 * DenseKernels.PanelRows;
                double[] scratch = new double[rowBlock * n];
                fixed (double* t = scratch)
                {
                    while (i + DenseKernels.PanelRows <= n)
                    {
                        int subBlocks = Math.Min(rowBlock, n - i) / DenseKernels.PanelRows;
                        if (i > 0)
                        {
                            for (int sb = 0; sb < subBlocks; sb++)
                                DenseKernels.TransposeRows512(pl + (nint)(i + sb * DenseKernels.PanelRows) * n, n, i, t + (nint)sb * DenseKernels.PanelRows * n);
                            for (int j0 = 0; j0 < i; j0 += 2 * DenseKernels.PanelRows)
                                for (int sb = 0; sb < subBlocks; sb++)
                                    DenseKernels.InvertProductStrip512(pl, n, pl + (nint)(i + sb * DenseKernels.PanelRows) * n, j0, i, t + (nint)sb * DenseKernels.PanelRows * n);
                        }
                        int rows = subBlocks * DenseKernels.PanelRows;
                        for (int r = 0; r < rows; r++) InvertRow(pl, n, i + r, i);
                        i += rows;
                    }
                }
            }
            for (; i < n; i++) InvertRow(pl, n, i, 0);
        }
    }

    /// <summary>Finishes row <paramref name="i"/> of the in-place inverse: on entry its first <paramref name="k0"/>
    /// entries hold Σ_{k &lt; k0} L_ik M_kj and entries k0 … i hold L; rows above hold M = L⁻¹.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InvertRow(double* pl, int n, int i, int k0)
    {
        double* li = pl + (nint)i * n;
        double invDiag = 1.0 / li[i];
        // Positions [0, k) of row i hold partial sums Σ L_ik' M_k'j, positions [k, i) still hold L_ik'.
        double* mk = pl + (nint)k0 * n;
        for (int k = k0; k < i; k++, mk += n)
        {
            double t = li[k];
            DenseKernels.Axpy(li, mk, t, k);
            li[k] = t * mk[k];
        }
        for (int j = 0; j < i; j++) li[j] *= -invDiag;
        li[i] = invDiag;
    }

    private static void CheckSquare(int length, int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Order must be non-negative.");
        if (length < (long)n * n) throw new ArgumentException($"Array of length {length} is too short for an n × n matrix with n = {n}.");
    }
}
