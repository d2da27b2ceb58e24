using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseLmm.Numerics;

/// <summary>Which SIMD code path the blocked dense kernels use.</summary>
internal enum DenseIsa
{
    /// <summary>Plain scalar loops (no SIMD): correct everywhere, slow.</summary>
    Scalar = 0,
    /// <summary>128-bit vectors: Arm64 NEON (Apple silicon, Graviton), or SSE on x64 machines without AVX2.</summary>
    Vector128 = 1,
    /// <summary>256-bit vectors (AVX2; FMA when present).</summary>
    Vector256 = 2,
    /// <summary>512-bit AVX-512F with FMA: the fast path.</summary>
    Avx512 = 3,
}

/// <summary>
/// One step of the blocked right-looking Cholesky: the diagonal block L11 (order <see cref="B"/>) is already factored;
/// the <see cref="M"/> × <see cref="B"/> block A21 below it is to be replaced by L21 = A21 L11⁻ᵀ, and the trailing
/// <see cref="M"/> × <see cref="M"/> block A22 (lower triangle) is to be replaced by A22 − L21 L21ᵀ.
/// All matrices are row-major with leading dimension <see cref="Lda"/>.
/// </summary>
internal unsafe struct DenseStep
{
    /// <summary>L11 (row-major lower, leading dimension <see cref="Lda"/>).</summary>
    public double* L11;
    /// <summary>A21: first row below the diagonal block, at the block's first column.</summary>
    public double* A21;
    /// <summary>A22: the trailing block's top-left element.</summary>
    public double* A22;
    /// <summary>Leading dimension (row stride) of the matrix.</summary>
    public nint Lda;
    /// <summary>Order of the diagonal block = inner dimension of the update.</summary>
    public int B;
    /// <summary>Rows below the diagonal block (order of the trailing block).</summary>
    public int M;
    /// <summary>Packed L21: panels of 8 rows, each stored p-major (8 consecutive doubles per column p), 64-byte aligned,
    /// panel g at <c>Pack + g * 8 * B</c>; rows past <see cref="M"/> hold zeros. Room for a multiple of 3 panels.</summary>
    public double* Pack;
    /// <summary>Reciprocals of the diagonal of L11.</summary>
    public double* InvDiag;
    /// <summary>Code path.</summary>
    public DenseIsa Isa;
}

/// <summary>
/// Building blocks of <see cref="DenseCholesky"/>: the unblocked factorisation, panel packing, the packed triangular
/// solve (TRSM) and the packed symmetric rank-k update (SYRK) with its SIMD micro-kernels.
/// </summary>
/// <remarks>
/// Packed layout: L21 is copied into "panels" of <see cref="PanelRows"/> = 8 consecutive rows. Inside a panel the 8
/// values of one column p are contiguous, so one 512-bit load fetches column p of 8 rows. The same packed copy serves as
/// both operands of the update C −= L21 L21ᵀ: the micro-kernel broadcasts the 8 values of a row panel (8 rows of C) and
/// loads 3 column panels as vectors (24 columns of C), holding the 8 × 24 block of C in 24 zmm accumulators. Because C is
/// row-major, those 24 columns are contiguous in each row of C, so the write-back is 3 vector read-modify-writes per row.
/// </remarks>
[SkipLocalsInit]
internal static unsafe partial class DenseKernels
{
    /// <summary>Rows per packed panel (= doubles per 512-bit vector).</summary>
    public const int PanelRows = 8;
    /// <summary>Panels per group (the micro-kernel covers 3 column panels = 24 columns).</summary>
    public const int PanelsPerGroup = 3;
    /// <summary>Columns of C covered by one micro-kernel call.</summary>
    public const int TileCols = PanelRows * PanelsPerGroup;

    /// <summary>Best code path on this machine.</summary>
    public static readonly DenseIsa BestIsa =
        Avx512F.IsSupported && Fma.IsSupported ? DenseIsa.Avx512 :
        Vector256.IsHardwareAccelerated ? DenseIsa.Vector256 :
        Vector128.IsHardwareAccelerated ? DenseIsa.Vector128 : DenseIsa.Scalar;

    /// <summary>Whether <paramref name="isa"/> can run on this machine.</summary>
    public static bool IsSupported(DenseIsa isa) => isa switch
    {
        DenseIsa.Avx512 => Avx512F.IsSupported && Fma.IsSupported,
        DenseIsa.Vector256 => Vector256.IsHardwareAccelerated,
        DenseIsa.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>Number of packed panels for <paramref name="m"/> rows.</summary>
    public static int PanelCount(int m) => (m + PanelRows - 1) / PanelRows;

    /// <summary>Number of panel groups (of 3 panels) for <paramref name="m"/> rows.</summary>
    public static int GroupCount(int m) => (PanelCount(m) + PanelsPerGroup - 1) / PanelsPerGroup;

    /// <summary>Doubles needed by the packed copy of an <paramref name="m"/> × <paramref name="b"/> block.</summary>
    public static long PackDoubles(int m, int b) => (long)GroupCount(m) * PanelsPerGroup * PanelRows * b;

    // ------------------------------------------------------------------------------------------------------------
    // Unblocked factorisation
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Unblocked in-place Cholesky of the order-<paramref name="n"/> matrix at <paramref name="a"/> (row-major lower,
    /// leading dimension <paramref name="lda"/>), row by row ("dot-product" / Cholesky–Banachiewicz form: every inner
    /// product runs over two contiguous row prefixes). <paramref name="invDiag"/> (length ≥ n) receives 1 / L_ii.
    /// Returns false at the first pivot that is not a finite positive number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FactorUnblocked(double* a, nint lda, int n, double* invDiag)
    {
        for (int i = 0; i < n; i++)
        {
            double* ai = a + i * lda;
            double* aj = a;
            for (int j = 0; j < i; j++, aj += lda)
                ai[j] = (ai[j] - Dot(ai, aj, j)) * invDiag[j];
            double d = ai[i] - Dot(ai, ai, i);
            if (!(d > 0.0) || d == double.PositiveInfinity) return false;
            double l = Math.Sqrt(d);
            ai[i] = l;
            invDiag[i] = 1.0 / l;
        }
        return true;
    }

    /// <summary>Factors a small matrix or diagonal block (order ≤ a few hundred: uses stack scratch) with the best
    /// kernel for <paramref name="isa"/>. Same contract as <see cref="FactorUnblocked"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FactorSmall(double* a, nint lda, int n, double* invDiag, DenseIsa isa)
    {
        if (isa == DenseIsa.Avx512 && n > PanelRows)
        {
            double* scratch = stackalloc double[SmallScratchDoubles(n)];
            return FactorSmall512(a, lda, n, invDiag, scratch);
        }
        return FactorUnblocked(a, lda, n, invDiag);
    }

    /// <summary>Doubles of scratch that <see cref="FactorSmall512"/> needs for order <paramref name="n"/>
    /// (8 per column, plus room for 64-byte alignment).</summary>
    public static int SmallScratchDoubles(int n) => PanelRows * Math.Max(n, 1) + PanelRows;

    /// <summary>
    /// AVX-512 left-looking factorisation by 8-row panels, for small orders and diagonal blocks. For each panel of 8
    /// rows: gather the part left of the diagonal into <paramref name="scratch"/> transposed (one 8-vector per column),
    /// forward-substitute it against the finished rows above — 8 rows at once, no horizontal sums, four columns per pass
    /// for instruction-level parallelism — scatter it back, subtract its Gram matrix from the 8 × 8 diagonal block and
    /// factor that block with the scalar kernel. Same contract as <see cref="FactorUnblocked"/>;
    /// <paramref name="scratch"/> must hold <see cref="SmallScratchDoubles"/>(n) doubles (any alignment).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FactorSmall512(double* a, nint lda, int n, double* invDiag, double* scratch)
    {
        double* t = (double*)(((nint)scratch + 63) & ~(nint)63);
        double* buf = stackalloc double[PanelRows * PanelRows];
        for (int i0 = 0; i0 < n; i0 += PanelRows)
        {
            int rows = Math.Min(PanelRows, n - i0);
            double* ai0 = a + i0 * lda;
            if (i0 > 0)
            {
                // 1. Gather rows i0 … i0+7, columns 0 … i0−1, transposed (zeros for missing rows).
                if (rows == PanelRows)
                {
                    int p = 0;
                    for (; p <= i0 - 8; p += 8) Transpose8x8(ai0 + p, lda, t + p * PanelRows);
                }
                else
                {
                    for (int p = 0; p < i0; p++)
                    {
                        double* tp = t + p * PanelRows;
                        for (int r = 0; r < PanelRows; r++) tp[r] = r < rows ? ai0[r * lda + p] : 0.0;
                    }
                }

                // 2. Forward substitution against L[0:i0, 0:i0].
                SolvePanel512(t, a, lda, invDiag, i0);

                // 3. Scatter back.
                if (rows == PanelRows)
                {
                    for (int p = 0; p <= i0 - 8; p += 8) Transpose8x8(t + p * PanelRows, PanelRows, ai0 + p, lda);
                }
                else
                {
                    for (int p = 0; p < i0; p++)
                    {
                        double* tp = t + p * PanelRows;
                        for (int r = 0; r < rows; r++) ai0[r * lda + p] = tp[r];
                    }
                }

                // 4. Diagonal block −= T Tᵀ: column c of the Gram matrix is Σ_p T[p] · T[p][c].
                Vector512<double> g0 = Vector512<double>.Zero, g1 = g0, g2 = g0, g3 = g0, g4 = g0, g5 = g0, g6 = g0, g7 = g0;
                double* tq = t;
                for (int p = 0; p < i0; p++, tq += PanelRows)
                {
                    Vector512<double> v = Vector512.Load(tq);
                    g0 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[0]), g0);
                    g1 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[1]), g1);
                    g2 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[2]), g2);
                    g3 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[3]), g3);
                    g4 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[4]), g4);
                    g5 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[5]), g5);
                    g6 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[6]), g6);
                    g7 = Avx512F.FusedMultiplyAdd(v, Vector512.Create(tq[7]), g7);
                }
                Vector512.Store(g0, buf); Vector512.Store(g1, buf + 8); Vector512.Store(g2, buf + 16); Vector512.Store(g3, buf + 24);
                Vector512.Store(g4, buf + 32); Vector512.Store(g5, buf + 40); Vector512.Store(g6, buf + 48); Vector512.Store(g7, buf + 56);
                for (int r = 0; r < rows; r++)
                {
                    double* ar = ai0 + r * lda + i0;
                    for (int c = 0; c <= r; c++) ar[c] -= buf[c * PanelRows + r];
                }
            }

            // 5. Factor the diagonal block (its left part has been subtracted already).
            if (!FactorUnblocked(ai0 + i0, lda, rows, invDiag + i0)) return false;
        }
        return true;
    }

    /// <summary>Solves X L11ᵀ = X in place for one packed panel <paramref name="t"/> (8 rows, p-major) against the
    /// order-<paramref name="b"/> lower factor <paramref name="l"/>; 8 columns per pass (8 independent FMA chains).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolvePanel512(double* t, double* l, nint ldl, double* inv, int b)
    {
        int p0 = 0;
        for (; p0 <= b - 4; p0 += 4)
        {
            double* l0 = l + p0 * ldl, l1 = l0 + ldl, l2 = l1 + ldl, l3 = l2 + ldl;
            double* tp = t + p0 * PanelRows;
            Vector512<double> x0 = Vector512.Load(tp), x1 = Vector512.Load(tp + 8), x2 = Vector512.Load(tp + 16), x3 = Vector512.Load(tp + 24);
            Vector512<double> y0 = Vector512<double>.Zero, y1 = y0, y2 = y0, y3 = y0;
            double* tq = t;
            int q = 0;
            for (; q <= p0 - 2; q += 2, tq += 2 * PanelRows)
            {
                Vector512<double> v = Vector512.Load(tq), w = Vector512.Load(tq + 8);
                x0 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l0[q]), v, x0);
                x1 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l1[q]), v, x1);
                x2 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l2[q]), v, x2);
                x3 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l3[q]), v, x3);
                y0 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l0[q + 1]), w, y0);
                y1 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l1[q + 1]), w, y1);
                y2 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l2[q + 1]), w, y2);
                y3 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l3[q + 1]), w, y3);
            }
            if (q < p0)
            {
                Vector512<double> v = Vector512.Load(tq);
                x0 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l0[q]), v, x0);
                x1 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l1[q]), v, x1);
                x2 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l2[q]), v, x2);
                x3 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l3[q]), v, x3);
            }
            x0 += y0; x1 += y1; x2 += y2; x3 += y3;
            x0 *= Vector512.Create(inv[p0]);
            x1 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l1[p0]), x0, x1);
            x1 *= Vector512.Create(inv[p0 + 1]);
            x2 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l2[p0]), x0, x2);
            x2 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l2[p0 + 1]), x1, x2);
            x2 *= Vector512.Create(inv[p0 + 2]);
            x3 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l3[p0]), x0, x3);
            x3 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l3[p0 + 1]), x1, x3);
            x3 = Avx512F.FusedMultiplyAddNegated(Vector512.Create(l3[p0 + 2]), x2, x3);
            x3 *= Vector512.Create(inv[p0 + 3]);
            Vector512.Store(x0, tp); Vector512.Store(x1, tp + 8); Vector512.Store(x2, tp + 16); Vector512.Store(x3, tp + 24);
        }
        for (; p0 < b; p0++)
        {
            double* lp = l + p0 * ldl;
            double* tp = t + p0 * PanelRows;
            Vector512<double> x = Vector512.Load(tp);
            double* tq = t;
            for (int q = 0; q < p0; q++, tq += PanelRows)
                x = Avx512F.FusedMultiplyAddNegated(Vector512.Create(lp[q]), Vector512.Load(tq), x);
            Vector512.Store(x * Vector512.Create(inv[p0]), tp);
        }
    }

    /// <summary>Copies the first <paramref name="i0"/> (a multiple of 8) entries of the 8 rows at
    /// <paramref name="rows"/> into <paramref name="t"/> k-major: t[k · 8 + r] = rows[r, k] (AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeRows512(double* rows, nint ld, int i0, double* t)
    {
        for (int k = 0; k < i0; k += 8) Transpose8x8(rows + k, ld, t + k * PanelRows);
    }

    /// <summary>
    /// Part of the blocked in-place inversion of a lower-triangular matrix (AVX-512). For 8 rows whose L entries
    /// (columns &lt; <paramref name="i0"/>, a multiple of 8) were copied k-major into <paramref name="t"/>, and with
    /// rows 0 … i0−1 of <paramref name="m"/> already holding M = L⁻¹, writes X[r, j] = Σ_{j ≤ k &lt; i0} L[r, k] M[k, j]
    /// for the 16 columns j0 … j0+15 (8 if only 8 remain before i0) into <paramref name="rowsOut"/>. Entries of M above
    /// its diagonal are never read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InvertProductStrip512(double* m, nint ldm, double* rowsOut, int j0, int i0, double* t)
    {
        double* rows = rowsOut;
        {
            bool two = j0 + 16 <= i0; // a second 8-column chunk exists
            Vector512<double> z = Vector512<double>.Zero;
            Vector512<double> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
            Vector512<double> b0 = z, b1 = z, b2 = z, b3 = z, b4 = z, b5 = z, b6 = z, b7 = z;
            int kStart = j0;
            // Diagonal part: rows k in [j0, j0 + 16) of M have only their first k − j0 + 1 columns (of the chunk pair) set.
            int kDiagEnd = Math.Min(j0 + (two ? 16 : 8), i0);
            for (int k = kStart; k < kDiagEnd; k++)
            {
                double* mk = m + k * ldm + j0;
                int d = k - j0;
                Vector512<double> u = d >= 7 ? Vector512.Load(mk) : Vector512.ConditionalSelect(LowMask(d + 1), Vector512.Load(mk), z);
                Vector512<double> v = !two || d < 8 ? z : d >= 15 ? Vector512.Load(mk + 8) : Vector512.ConditionalSelect(LowMask(d - 7), Vector512.Load(mk + 8), z);
                double* tk = t + k * PanelRows;
                Vector512<double> c = Vector512.Create(tk[0]); a0 = Avx512F.FusedMultiplyAdd(c, u, a0); b0 = Avx512F.FusedMultiplyAdd(c, v, b0);
                c = Vector512.Create(tk[1]); a1 = Avx512F.FusedMultiplyAdd(c, u, a1); b1 = Avx512F.FusedMultiplyAdd(c, v, b1);
                c = Vector512.Create(tk[2]); a2 = Avx512F.FusedMultiplyAdd(c, u, a2); b2 = Avx512F.FusedMultiplyAdd(c, v, b2);
                c = Vector512.Create(tk[3]); a3 = Avx512F.FusedMultiplyAdd(c, u, a3); b3 = Avx512F.FusedMultiplyAdd(c, v, b3);
                c = Vector512.Create(tk[4]); a4 = Avx512F.FusedMultiplyAdd(c, u, a4); b4 = Avx512F.FusedMultiplyAdd(c, v, b4);
                c = Vector512.Create(tk[5]); a5 = Avx512F.FusedMultiplyAdd(c, u, a5); b5 = Avx512F.FusedMultiplyAdd(c, v, b5);
                c = Vector512.Create(tk[6]); a6 = Avx512F.FusedMultiplyAdd(c, u, a6); b6 = Avx512F.FusedMultiplyAdd(c, v, b6);
                c = Vector512.Create(tk[7]); a7 = Avx512F.FusedMultiplyAdd(c, u, a7); b7 = Avx512F.FusedMultiplyAdd(c, v, b7);
            }
            if (two)
            {
                for (int k = kDiagEnd; k < i0; k++)
                {
                    double* mk = m + k * ldm + j0;
                    Vector512<double> u = Vector512.Load(mk), v = Vector512.Load(mk + 8);
                    double* tk = t + k * PanelRows;
                    Vector512<double> c = Vector512.Create(tk[0]); a0 = Avx512F.FusedMultiplyAdd(c, u, a0); b0 = Avx512F.FusedMultiplyAdd(c, v, b0);
                    c = Vector512.Create(tk[1]); a1 = Avx512F.FusedMultiplyAdd(c, u, a1); b1 = Avx512F.FusedMultiplyAdd(c, v, b1);
                    c = Vector512.Create(tk[2]); a2 = Avx512F.FusedMultiplyAdd(c, u, a2); b2 = Avx512F.FusedMultiplyAdd(c, v, b2);
                    c = Vector512.Create(tk[3]); a3 = Avx512F.FusedMultiplyAdd(c, u, a3); b3 = Avx512F.FusedMultiplyAdd(c, v, b3);
                    c = Vector512.Create(tk[4]); a4 = Avx512F.FusedMultiplyAdd(c, u, a4); b4 = Avx512F.FusedMultiplyAdd(c, v, b4);
                    c = Vector512.Create(tk[5]); a5 = Avx512F.FusedMultiplyAdd(c, u, a5); b5 = Avx512F.FusedMultiplyAdd(c, v, b5);
                    c = Vector512.Create(tk[6]); a6 = Avx512F.FusedMultiplyAdd(c, u, a6); b6 = Avx512F.FusedMultiplyAdd(c, v, b6);
                    c = Vector512.Create(tk[7]); a7 = Avx512F.FusedMultiplyAdd(c, u, a7); b7 = Avx512F.FusedMultiplyAdd(c, v, b7);
                }
                double* o = rows + j0;
                Vector512.Store(a0, o); Vector512.Store(b0, o + 8); o += ldm;
                Vector512.Store(a1, o); Vector512.Store(b1, o + 8); o += ldm;
                Vector512.Store(a2, o); Vector512.Store(b2, o + 8); o += ldm;
                Vector512.Store(a3, o); Vector512.Store(b3, o + 8); o += ldm;
                Vector512.Store(a4, o); Vector512.Store(b4, o + 8); o += ldm;
                Vector512.Store(a5, o); Vector512.Store(b5, o + 8); o += ldm;
                Vector512.Store(a6, o); Vector512.Store(b6, o + 8); o += ldm;
                Vector512.Store(a7, o); Vector512.Store(b7, o + 8);
            }
            else
            {
                for (int k = kDiagEnd; k < i0; k++)
                {
                    Vector512<double> u = Vector512.Load(m + k * ldm + j0);
                    double* tk = t + k * PanelRows;
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[0]), u, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[1]), u, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[2]), u, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[3]), u, a3);
                    a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[4]), u, a4);
                    a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[5]), u, a5);
                    a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[6]), u, a6);
                    a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(tk[7]), u, a7);
                }
                double* o = rows + j0;
                Vector512.Store(a0, o); o += ldm;
                Vector512.Store(a1, o); o += ldm;
                Vector512.Store(a2, o); o += ldm;
                Vector512.Store(a3, o); o += ldm;
                Vector512.Store(a4, o); o += ldm;
                Vector512.Store(a5, o); o += ldm;
                Vector512.Store(a6, o); o += ldm;
                Vector512.Store(a7, o);
            }
        }
    }

    /// <summary>A mask whose first <paramref name="count"/> (1 … 7) lanes are all-ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LowMask(int count)
        => Vector512.LessThan(Vector512.Create(0.0, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((double)count));

    /// <summary>Σ x[i] y[i] over i &lt; len.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(double* x, double* y, int len)
    {
        int i = 0;
        double s = 0.0;
        if (Vector512.IsHardwareAccelerated && len >= 16)
        {
            Vector512<double> s0 = Vector512<double>.Zero, s1 = Vector512<double>.Zero;
            for (; i <= len - 16; i += 16)
            {
                s0 = Vector512.MultiplyAddEstimate(Vector512.Load(x + i), Vector512.Load(y + i), s0);
                s1 = Vector512.MultiplyAddEstimate(Vector512.Load(x + i + 8), Vector512.Load(y + i + 8), s1);
            }
            if (i <= len - 8)
            {
                s0 = Vector512.MultiplyAddEstimate(Vector512.Load(x + i), Vector512.Load(y + i), s0);
                i += 8;
            }
            s = Vector512.Sum(s0 + s1);
        }
        if (Vector256.IsHardwareAccelerated && i <= len - 4)
        {
            Vector256<double> s0 = Vector256<double>.Zero;
            for (; i <= len - 4; i += 4)
                s0 = Vector256.MultiplyAddEstimate(Vector256.Load(x + i), Vector256.Load(y + i), s0);
            s += Vector256.Sum(s0);
        }
        // Arm64 has no wider vectors; on x64 this takes the 2 or 3 left after the 256-bit loop.
        if (Vector128.IsHardwareAccelerated && i <= len - 2)
        {
            Vector128<double> s0 = Vector128<double>.Zero, s1 = Vector128<double>.Zero;
            for (; i <= len - 4; i += 4)
            {
                s0 = Vector128.MultiplyAddEstimate(Vector128.Load(x + i), Vector128.Load(y + i), s0);
                s1 = Vector128.MultiplyAddEstimate(Vector128.Load(x + i + 2), Vector128.Load(y + i + 2), s1);
            }
            if (i <= len - 2)
            {
                s0 = Vector128.MultiplyAddEstimate(Vector128.Load(x + i), Vector128.Load(y + i), s0);
                i += 2;
            }
            s += Vector128.Sum(s0 + s1);
        }
        double t0 = 0.0, t1 = 0.0;
        for (; i <= len - 2; i += 2)
        {
            t0 += x[i] * y[i];
            t1 += x[i + 1] * y[i + 1];
        }
        if (i < len) t0 += x[i] * y[i];
        return s + (t0 + t1);
    }

    /// <summary>x[i] += alpha * y[i] for i &lt; len.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(double* x, double* y, double alpha, int len)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && len >= 8)
        {
            Vector512<double> va = Vector512.Create(alpha);
            for (; i <= len - 8; i += 8)
                Vector512.Store(Vector512.MultiplyAddEstimate(va, Vector512.Load(y + i), Vector512.Load(x + i)), x + i);
        }
        if (Vector256.IsHardwareAccelerated && i <= len - 4)
        {
            Vector256<double> va = Vector256.Create(alpha);
            for (; i <= len - 4; i += 4)
                Vector256.Store(Vector256.MultiplyAddEstimate(va, Vector256.Load(y + i), Vector256.Load(x + i)), x + i);
        }
        if (Vector128.IsHardwareAccelerated && i <= len - 2)
        {
            Vector128<double> va = Vector128.Create(alpha);
            for (; i <= len - 2; i += 2)
                Vector128.Store(Vector128.MultiplyAddEstimate(va, Vector128.Load(y + i), Vector128.Load(x + i)), x + i);
        }
        for (; i < len; i++) x[i] += alpha * y[i];
    }

    // ------------------------------------------------------------------------------------------------------------
    // Packing + triangular solve of the panel (L21 = A21 L11⁻ᵀ)
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// For panel groups [<paramref name="group0"/>, <paramref name="group1"/>): packs the rows of A21, solves them
    /// against L11 in packed form and writes the solved rows (L21) back into the matrix. Groups are independent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackSolveGroups(in DenseStep s, int group0, int group1)
    {
        int b = s.B;
        nint stride = (nint)b * PanelRows;
        for (int grp = group0; grp < group1; grp++)
        {
            int g0 = grp * PanelsPerGroup;
            double* x0 = s.Pack + g0 * stride;
            Pack(s.A21, s.Lda, s.M, b, x0, g0, PanelsPerGroup);
            switch (s.Isa)
            {
                case DenseIsa.Avx512: SolveGroup512(x0, stride, s.L11, s.Lda, s.InvDiag, b); break;
                case DenseIsa.Vector256: SolveGroup256(x0, stride, s.L11, s.Lda, s.InvDiag, b); break;
                case DenseIsa.Vector128: SolveGroup128(x0, stride, s.L11, s.Lda, s.InvDiag, b); break;
                default: SolveGroupScalar(x0, stride, s.L11, s.Lda, s.InvDiag, b); break;
            }
            Unpack(x0, s.A21, s.Lda, s.M, b, g0, PanelsPerGroup);
        }
    }

    /// <summary>Copies rows 8·g0 … 8·(g0+count)−1 of the m × b block <paramref name="src"/> into packed panels at
    /// <paramref name="dst"/> (the first of the panels), writing zeros for rows ≥ m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(double* src, nint lda, int m, int b, double* dst, int g0, int count)
    {
        nint stride = (nint)b * PanelRows;
        for (int g = 0; g < count; g++)
        {
            double* panel = dst + g * stride;
            int row0 = (g0 + g) * PanelRows;
            int rows = Math.Clamp(m - row0, 0, PanelRows);
            if (rows == PanelRows && Avx512F.IsSupported)
            {
                double* r0 = src + row0 * lda;
                int p = 0;
                for (; p <= b - 8; p += 8)
                    Transpose8x8(r0 + p, lda, panel + p * PanelRows);
                for (; p < b; p++)
                {
                    double* d = panel + p * PanelRows;
                    for (int r = 0; r < PanelRows; r++) d[r] = r0[r * lda + p];
                }
                continue;
            }
            for (int r = 0; r < PanelRows; r++)
            {
                if (r < rows)
                {
                    double* sr = src + (row0 + r) * lda;
                    for (int p = 0; p < b; p++) panel[p * PanelRows + r] = sr[p];
                }
                else
                {
                    for (int p = 0; p < b; p++) panel[p * PanelRows + r] = 0.0;
                }
            }
        }
    }

    /// <summary>Inverse of <see cref="Pack"/> for the rows &lt; m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unpack(double* src, double* dst, nint lda, int m, int b, int g0, int count)
    {
        nint stride = (nint)b * PanelRows;
        for (int g = 0; g < count; g++)
        {
            double* panel = src + g * stride;
            int row0 = (g0 + g) * PanelRows;
            int rows = Math.Clamp(m - row0, 0, PanelRows);
            if (rows == PanelRows && Avx512F.IsSupported)
            {
                double* r0 = dst + row0 * lda;
                int p = 0;
                for (; p <= b - 8; p += 8)
                    Transpose8x8(panel + p * PanelRows, PanelRows, r0 + p, lda);
                for (; p < b; p++)
                {
                    double* d = panel + p * PanelRows;
                    for (int r = 0; r < PanelRows; r++) r0[r * lda + p] = d[r];
                }
                continue;
            }
            for (int r = 0; r < rows; r++)
            {
                double* dr = dst + (row0 + r) * lda;
                for (int p = 0; p < b; p++) dr[p] = panel[p * PanelRows + r];
            }
        }
    }

    /// <summary>Transposes the 8 × 8 block at <paramref name="src"/> (row stride <paramref name="lds"/>) into the
    /// contiguous 8 × 8 block at <paramref name="dst"/> (row stride 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(double* src, nint lds, double* dst) => Transpose8x8(src, lds, dst, PanelRows);

    /// <summary>dst[j, i] = src[i, j] for an 8 × 8 block (AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(double* src, nint lds, double* dst, nint ldd)
    {
        Vector512<double> r0 = Vector512.Load(src), r1 = Vector512.Load(src + lds),
            r2 = Vector512.Load(src + 2 * lds), r3 = Vector512.Load(src + 3 * lds),
            r4 = Vector512.Load(src + 4 * lds), r5 = Vector512.Load(src + 5 * lds),
            r6 = Vector512.Load(src + 6 * lds), r7 = Vector512.Load(src + 7 * lds);
        // Stage 1: interleave pairs of rows element-wise.
        Vector512<double> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<double> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<double> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<double> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        // Stage 2: combine 128-bit lanes of pairs: (lane0 of a, lane0 of b, lane2 of a, lane2 of b) etc.
        Vector512<double> u0 = Avx512F.Shuffle4x128(t0, t2, 0b10_00_10_00), u1 = Avx512F.Shuffle4x128(t1, t3, 0b10_00_10_00);
        Vector512<double> u2 = Avx512F.Shuffle4x128(t0, t2, 0b11_01_11_01), u3 = Avx512F.Shuffle4x128(t1, t3, 0b11_01_11_01);
        Vector512<double> u4 = Avx512F.Shuffle4x128(t4, t6, 0b10_00_10_00), u5 = Avx512F.Shuffle4x128(t5, t7, 0b10_00_10_00);
        Vector512<double> u6 = Avx512F.Shuffle4x128(t4, t6, 0b11_01_11_01), u7 = Avx512F.Shuffle4x128(t5, t7, 0b11_01_11_01);
        // Stage 3: combine across the two halves.
        Vector512.Store(Avx512F.Shuffle4x128(u0, u4, 0b10_00_10_00), dst);
        Vector512.Store(Avx512F.Shuffle4x128(u1, u5, 0b10_00_10_00), dst + ldd);
        Vector512.Store(Avx512F.Shuffle4x128(u2, u6, 0b10_00_10_00), dst + 2 * ldd);
        Vector512.Store(Avx512F.Shuffle4x128(u3, u7, 0b10_00_10_00), dst + 3 * ldd);
        Vector512.Store(Avx512F.Shuffle4x128(u0, u4, 0b11_01_11_01), dst + 4 * ldd);
        Vector512.Store(Avx512F.Shuffle4x128(u1, u5, 0b11_01_11_01), dst + 5 * ldd);
        Vector512.Store(Avx512F.Shuffle4x128(u2, u6, 0b11_01_11_01), dst + 6 * ldd);
        Vector512.Store(Avx512F.Shuffle4x128(u3, u7, 0b11_01_11_01), dst + 7 * ldd);
    }

    /// <summary>Solves X L11ᵀ = X in place for the 24 packed rows of 3 consecutive panels (AVX-512): left-looking,
    /// 4 columns p at a time, so each loaded X column feeds 12 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveGroup512(double* x0, nint stride, double* l, nint ldl, double* inv, int b)
    {
        double* x1 = x0 + stride, x2 = x1 + stride;
        int p0 = 0;
        for (; p0 <= b - 4; p0 += 4)
        {
            double* l0 = l + p0 * ldl, l1 = l0 + ldl, l2 = l1 + ldl, l3 = l2 + ldl;
            nint o = (nint)p0 * PanelRows;
            Vector512<double> a00 = Vector512.Load(x0 + o), a01 = Vector512.Load(x1 + o), a02 = Vector512.Load(x2 + o);
            Vector512<double> a10 = Vector512.Load(x0 + o + 8), a11 = Vector512.Load(x1 + o + 8), a12 = Vector512.Load(x2 + o + 8);
            Vector512<double> a20 = Vector512.Load(x0 + o + 16), a21 = Vector512.Load(x1 + o + 16), a22 = Vector512.Load(x2 + o + 16);
            Vector512<double> a30 = Vector512.Load(x0 + o + 24), a31 = Vector512.Load(x1 + o + 24), a32 = Vector512.Load(x2 + o + 24);
            double* y0 = x0, y1 = x1, y2 = x2;
            for (int q = 0; q < p0; q++)
            {
                Vector512<double> v0 = Vector512.Load(y0), v1 = Vector512.Load(y1), v2 = Vector512.Load(y2);
                Vector512<double> c = Vector512.Create(l0[q]);
                a00 = Avx512F.FusedMultiplyAddNegated(c, v0, a00);
                a01 = Avx512F.FusedMultiplyAddNegated(c, v1, a01);
                a02 = Avx512F.FusedMultiplyAddNegated(c, v2, a02);
                c = Vector512.Create(l1[q]);
                a10 = Avx512F.FusedMultiplyAddNegated(c, v0, a10);
                a11 = Avx512F.FusedMultiplyAddNegated(c, v1, a11);
                a12 = Avx512F.FusedMultiplyAddNegated(c, v2, a12);
                c = Vector512.Create(l2[q]);
                a20 = Avx512F.FusedMultiplyAddNegated(c, v0, a20);
                a21 = Avx512F.FusedMultiplyAddNegated(c, v1, a21);
                a22 = Avx512F.FusedMultiplyAddNegated(c, v2, a22);
                c = Vector512.Create(l3[q]);
                a30 = Avx512F.FusedMultiplyAddNegated(c, v0, a30);
                a31 = Avx512F.FusedMultiplyAddNegated(c, v1, a31);
                a32 = Avx512F.FusedMultiplyAddNegated(c, v2, a32);
                y0 += PanelRows; y1 += PanelRows; y2 += PanelRows;
            }
            // The 4 × 4 triangle among the new columns.
            Vector512<double> d = Vector512.Create(inv[p0]);
            a00 *= d; a01 *= d; a02 *= d;
            Vector512<double> e = Vector512.Create(l1[p0]);
            a10 = Avx512F.FusedMultiplyAddNegated(e, a00, a10);
            a11 = Avx512F.FusedMultiplyAddNegated(e, a01, a11);
            a12 = Avx512F.FusedMultiplyAddNegated(e, a02, a12);
            d = Vector512.Create(inv[p0 + 1]);
            a10 *= d; a11 *= d; a12 *= d;
            e = Vector512.Create(l2[p0]);
            a20 = Avx512F.FusedMultiplyAddNegated(e, a00, a20);
            a21 = Avx512F.FusedMultiplyAddNegated(e, a01, a21);
            a22 = Avx512F.FusedMultiplyAddNegated(e, a02, a22);
            e = Vector512.Create(l2[p0 + 1]);
            a20 = Avx512F.FusedMultiplyAddNegated(e, a10, a20);
            a21 = Avx512F.FusedMultiplyAddNegated(e, a11, a21);
            a22 = Avx512F.FusedMultiplyAddNegated(e, a12, a22);
            d = Vector512.Create(inv[p0 + 2]);
            a20 *= d; a21 *= d; a22 *= d;
            e = Vector512.Create(l3[p0]);
            a30 = Avx512F.FusedMultiplyAddNegated(e, a00, a30);
            a31 = Avx512F.FusedMultiplyAddNegated(e, a01, a31);
            a32 = Avx512F.FusedMultiplyAddNegated(e, a02, a32);
            e = Vector512.Create(l3[p0 + 1]);
            a30 = Avx512F.FusedMultiplyAddNegated(e, a10, a30);
            a31 = Avx512F.FusedMultiplyAddNegated(e, a11, a31);
            a32 = Avx512F.FusedMultiplyAddNegated(e, a12, a32);
            e = Vector512.Create(l3[p0 + 2]);
            a30 = Avx512F.FusedMultiplyAddNegated(e, a20, a30);
            a31 = Avx512F.FusedMultiplyAddNegated(e, a21, a31);
            a32 = Avx512F.FusedMultiplyAddNegated(e, a22, a32);
            d = Vector512.Create(inv[p0 + 3]);
            a30 *= d; a31 *= d; a32 *= d;
            Vector512.Store(a00, x0 + o); Vector512.Store(a01, x1 + o); Vector512.Store(a02, x2 + o);
            Vector512.Store(a10, x0 + o + 8); Vector512.Store(a11, x1 + o + 8); Vector512.Store(a12, x2 + o + 8);
            Vector512.Store(a20, x0 + o + 16); Vector512.Store(a21, x1 + o + 16); Vector512.Store(a22, x2 + o + 16);
            Vector512.Store(a30, x0 + o + 24); Vector512.Store(a31, x1 + o + 24); Vector512.Store(a32, x2 + o + 24);
        }
        for (; p0 < b; p0++)
        {
            double* lp = l + p0 * ldl;
            nint o = (nint)p0 * PanelRows;
            Vector512<double> a0 = Vector512.Load(x0 + o), a1 = Vector512.Load(x1 + o), a2 = Vector512.Load(x2 + o);
            for (int q = 0; q < p0; q++)
            {
                Vector512<double> c = Vector512.Create(lp[q]);
                nint oq = (nint)q * PanelRows;
                a0 = Avx512F.FusedMultiplyAddNegated(c, Vector512.Load(x0 + oq), a0);
                a1 = Avx512F.FusedMultiplyAddNegated(c, Vector512.Load(x1 + oq), a1);
                a2 = Avx512F.FusedMultiplyAddNegated(c, Vector512.Load(x2 + oq), a2);
            }
            Vector512<double> d = Vector512.Create(inv[p0]);
            Vector512.Store(a0 * d, x0 + o); Vector512.Store(a1 * d, x1 + o); Vector512.Store(a2 * d, x2 + o);
        }
    }

    /// <summary>256-bit version of <see cref="SolveGroup512"/>: one panel at a time, 4 columns p at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveGroup256(double* x0, nint stride, double* l, nint ldl, double* inv, int b)
    {
        for (int g = 0; g < PanelsPerGroup; g++)
        {
            double* x = x0 + g * stride;
            int p0 = 0;
            for (; p0 <= b - 4; p0 += 4)
            {
                double* l0 = l + p0 * ldl, l1 = l0 + ldl, l2 = l1 + ldl, l3 = l2 + ldl;
                double* xp = x + (nint)p0 * PanelRows;
                Vector256<double> a0l = Vector256.Load(xp), a0h = Vector256.Load(xp + 4);
                Vector256<double> a1l = Vector256.Load(xp + 8), a1h = Vector256.Load(xp + 12);
                Vector256<double> a2l = Vector256.Load(xp + 16), a2h = Vector256.Load(xp + 20);
                Vector256<double> a3l = Vector256.Load(xp + 24), a3h = Vector256.Load(xp + 28);
                double* y = x;
                for (int q = 0; q < p0; q++, y += PanelRows)
                {
                    Vector256<double> vl = Vector256.Load(y), vh = Vector256.Load(y + 4);
                    Vector256<double> c = Vector256.Create(-l0[q]);
                    a0l = Vector256.MultiplyAddEstimate(c, vl, a0l); a0h = Vector256.MultiplyAddEstimate(c, vh, a0h);
                    c = Vector256.Create(-l1[q]);
                    a1l = Vector256.MultiplyAddEstimate(c, vl, a1l); a1h = Vector256.MultiplyAddEstimate(c, vh, a1h);
                    c = Vector256.Create(-l2[q]);
                    a2l = Vector256.MultiplyAddEstimate(c, vl, a2l); a2h = Vector256.MultiplyAddEstimate(c, vh, a2h);
                    c = Vector256.Create(-l3[q]);
                    a3l = Vector256.MultiplyAddEstimate(c, vl, a3l); a3h = Vector256.MultiplyAddEstimate(c, vh, a3h);
                }
                Vector256<double> d = Vector256.Create(inv[p0]);
                a0l *= d; a0h *= d;
                Vector256<double> e = Vector256.Create(-l1[p0]);
                a1l = Vector256.MultiplyAddEstimate(e, a0l, a1l); a1h = Vector256.MultiplyAddEstimate(e, a0h, a1h);
                d = Vector256.Create(inv[p0 + 1]);
                a1l *= d; a1h *= d;
                e = Vector256.Create(-l2[p0]);
                a2l = Vector256.MultiplyAddEstimate(e, a0l, a2l); a2h = Vector256.MultiplyAddEstimate(e, a0h, a2h);
                e = Vector256.Create(-l2[p0 + 1]);
                a2l = Vector256.MultiplyAddEstimate(e, a1l, a2l); a2h = Vector256.MultiplyAddEstimate(e, a1h, a2h);
                d = Vector256.Create(inv[p0 + 2]);
                a2l *= d; a2h *= d;
                e = Vector256.Create(-l3[p0]);
                a3l = Vector256.MultiplyAddEstimate(e, a0l, a3l); a3h = Vector256.MultiplyAddEstimate(e, a0h, a3h);
                e = Vector256.Create(-l3[p0 + 1]);
                a3l = Vector256.MultiplyAddEstimate(e, a1l, a3l); a3h = Vector256.MultiplyAddEstimate(e, a1h, a3h);
                e = Vector256.Create(-l3[p0 + 2]);
                a3l = Vector256.MultiplyAddEstimate(e, a2l, a3l); a3h = Vector256.MultiplyAddEstimate(e, a2h, a3h);
                d = Vector256.Create(inv[p0 + 3]);
                a3l *= d; a3h *= d;
                Vector256.Store(a0l, xp); Vector256.Store(a0h, xp + 4);
                Vector256.Store(a1l, xp + 8); Vector256.Store(a1h, xp + 12);
                Vector256.Store(a2l, xp + 16); Vector256.Store(a2h, xp + 20);
                Vector256.Store(a3l, xp + 24); Vector256.Store(a3h, xp + 28);
            }
            for (; p0 < b; p0++)
            {
                double* lp = l + p0 * ldl;
                double* xp = x + (nint)p0 * PanelRows;
                Vector256<double> al = Vector256.Load(xp), ah = Vector256.Load(xp + 4);
                double* y = x;
                for (int q = 0; q < p0; q++, y += PanelRows)
                {
                    Vector256<double> c = Vector256.Create(-lp[q]);
                    al = Vector256.MultiplyAddEstimate(c, Vector256.Load(y), al);
                    ah = Vector256.MultiplyAddEstimate(c, Vector256.Load(y + 4), ah);
                }
                Vector256<double> d = Vector256.Create(inv[p0]);
                Vector256.Store(al * d, xp); Vector256.Store(ah * d, xp + 4);
            }
        }
    }

    /// <summary>Scalar version of <see cref="SolveGroup512"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveGroupScalar(double* x0, nint stride, double* l, nint ldl, double* inv, int b)
    {
        for (int g = 0; g < PanelsPerGroup; g++)
        {
            double* x = x0 + g * stride;
            for (int p = 0; p < b; p++)
            {
                double* lp = l + p * ldl;
                double* xp = x + (nint)p * PanelRows;
                for (int r = 0; r < PanelRows; r++)
                {
                    double acc = xp[r];
                    for (int q = 0; q < p; q++) acc -= lp[q] * x[q * PanelRows + r];
                    xp[r] = acc * inv[p];
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Symmetric rank-b update of the trailing block (A22 -= L21 L21ᵀ, lower triangle only)
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Updates rows 8·<paramref name="panel0"/> … 8·<paramref name="panel1"/>−1 of the lower triangle of A22 with the
    /// packed L21: A22[i, j] −= Σ_p L21[i, p] L21[j, p] for j ≤ i. Entries above the diagonal are neither read nor
    /// written. Row panels are independent. The packed panels of all rows ≤ the last row must be ready.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SyrkRowPanels(in DenseStep s, int panel0, int panel1)
    {
        double* buf = stackalloc double[PanelRows * TileCols];
        int m = s.M;
        int kc = s.B;
        nint stride = (nint)kc * PanelRows;
        nint ldc = s.Lda;
        int lastRow = Math.Min(panel1 * PanelRows, m) - 1;
        DenseIsa isa = s.Isa;
        // Column group outermost: its 3 panels (24 × kc) stay in L1 while the row panels stream past.
        for (int j0 = 0; j0 <= lastRow; j0 += TileCols)
        {
            double* pb = s.Pack + (j0 / PanelRows) * stride;
            int firstPanel = Math.Max(panel0, j0 / PanelRows); // rows below j0 only
            for (int ip = firstPanel; ip < panel1; ip++)
            {
                int i0 = ip * PanelRows;
                if (i0 >= m) break;
                int rowsValid = Math.Min(PanelRows, m - i0);
                int diagBase = i0 - j0; // row r of the tile may update columns j0 … j0 + diagBase + r
                double* pa = s.Pack + ip * stride;
                double* c = s.A22 + i0 * ldc + j0;
                switch (isa)
                {
                    case DenseIsa.Avx512:
                        Tile512(pa, pb, stride, kc, c, ldc, rowsValid, diagBase, buf);
                        break;
                    case DenseIsa.Vector256:
                        Tile256(pa, pb, stride, kc, buf);
                        WriteBack(buf, c, ldc, rowsValid, diagBase);
                        break;
                    case DenseIsa.Vector128:
                        Tile128(pa, pb, stride, kc, buf);
                        WriteBack(buf, c, ldc, rowsValid, diagBase);
                        break;
                    default:
                        TileScalar(pa, pb, stride, kc, buf);
                        WriteBack(buf, c, ldc, rowsValid, diagBase);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// The AVX-512 micro-kernel: the 8 × 24 block of products of row panel <paramref name="pa"/> with the three column
    /// panels starting at <paramref name="pb"/> (panel stride <paramref name="stride"/>), accumulated over
    /// <paramref name="kc"/> columns in 24 zmm registers, then subtracted from C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512(double* pa, double* pb, nint stride, int kc, double* c, nint ldc, int rowsValid, int diagBase, double* buf)
    {
        bool full = rowsValid == PanelRows && diagBase >= TileCols - 1;
        Vector512<double> z = Vector512<double>.Zero;
        Vector512<double> c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z, c40 = z, c41 = z, c42 = z, c50 = z, c51 = z, c52 = z, c60 = z, c61 = z, c62 = z, c70 = z, c71 = z, c72 = z;
        double* pb1 = pb + stride, pb2 = pb1 + stride;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = Vector512.Load(pb), b1 = Vector512.Load(pb1), b2 = Vector512.Load(pb2);
            Vector512<double> av;
            av = Vector512.Create(pa[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(av, b2, c02);
            av = Vector512.Create(pa[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(av, b2, c12);
            av = Vector512.Create(pa[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(av, b2, c22);
            av = Vector512.Create(pa[3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(av, b2, c32);
            av = Vector512.Create(pa[4]);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            c42 = Avx512F.FusedMultiplyAdd(av, b2, c42);
            av = Vector512.Create(pa[5]);
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            c52 = Avx512F.FusedMultiplyAdd(av, b2, c52);
            av = Vector512.Create(pa[6]);
            c60 = Avx512F.FusedMultiplyAdd(av, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            c62 = Avx512F.FusedMultiplyAdd(av, b2, c62);
            av = Vector512.Create(pa[7]);
            c70 = Avx512F.FusedMultiplyAdd(av, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            c72 = Avx512F.FusedMultiplyAdd(av, b2, c72);
            pa += 8; pb += 8; pb1 += 8; pb2 += 8;
        }
        if (full)
        {
            { double* cr = c + 0 * ldc; Vector512.Store(Vector512.Load(cr) - c00, cr); Vector512.Store(Vector512.Load(cr + 8) - c01, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c02, cr + 16); }
            { double* cr = c + 1 * ldc; Vector512.Store(Vector512.Load(cr) - c10, cr); Vector512.Store(Vector512.Load(cr + 8) - c11, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c12, cr + 16); }
            { double* cr = c + 2 * ldc; Vector512.Store(Vector512.Load(cr) - c20, cr); Vector512.Store(Vector512.Load(cr + 8) - c21, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c22, cr + 16); }
            { double* cr = c + 3 * ldc; Vector512.Store(Vector512.Load(cr) - c30, cr); Vector512.Store(Vector512.Load(cr + 8) - c31, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c32, cr + 16); }
            { double* cr = c + 4 * ldc; Vector512.Store(Vector512.Load(cr) - c40, cr); Vector512.Store(Vector512.Load(cr + 8) - c41, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c42, cr + 16); }
            { double* cr = c + 5 * ldc; Vector512.Store(Vector512.Load(cr) - c50, cr); Vector512.Store(Vector512.Load(cr + 8) - c51, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c52, cr + 16); }
            { double* cr = c + 6 * ldc; Vector512.Store(Vector512.Load(cr) - c60, cr); Vector512.Store(Vector512.Load(cr + 8) - c61, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c62, cr + 16); }
            { double* cr = c + 7 * ldc; Vector512.Store(Vector512.Load(cr) - c70, cr); Vector512.Store(Vector512.Load(cr + 8) - c71, cr + 8); Vector512.Store(Vector512.Load(cr + 16) - c72, cr + 16); }
        }
        else
        {
            Vector512.Store(c00, buf + 0); Vector512.Store(c01, buf + 8); Vector512.Store(c02, buf + 16);
            Vector512.Store(c10, buf + 24); Vector512.Store(c11, buf + 32); Vector512.Store(c12, buf + 40);
            Vector512.Store(c20, buf + 48); Vector512.Store(c21, buf + 56); Vector512.Store(c22, buf + 64);
            Vector512.Store(c30, buf + 72); Vector512.Store(c31, buf + 80); Vector512.Store(c32, buf + 88);
            Vector512.Store(c40, buf + 96); Vector512.Store(c41, buf + 104); Vector512.Store(c42, buf + 112);
            Vector512.Store(c50, buf + 120); Vector512.Store(c51, buf + 128); Vector512.Store(c52, buf + 136);
            Vector512.Store(c60, buf + 144); Vector512.Store(c61, buf + 152); Vector512.Store(c62, buf + 160);
            Vector512.Store(c70, buf + 168); Vector512.Store(c71, buf + 176); Vector512.Store(c72, buf + 184);
            WriteBackMasked(buf, c, ldc, rowsValid, diagBase);
        }
    }

    /// <summary>Subtracts the 8 × 24 block <paramref name="buf"/> (row stride 24) from C, only for rows &lt;
    /// <paramref name="rowsValid"/> and, in row r, only for the first <paramref name="diagBase"/> + r + 1 columns
    /// (the part on or below the diagonal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteBack(double* buf, double* c, nint ldc, int rowsValid, int diagBase)
    {
        for (int r = 0; r < rowsValid; r++)
        {
            int count = diagBase + r + 1;
            if (count <= 0) continue;
            double* cr = c + r * ldc;
            double* br = buf + r * TileCols;
            if (count >= TileCols && Vector256.IsHardwareAccelerated)
            {
                for (int j = 0; j < TileCols; j += 4)
                    Vector256.Store(Vector256.Load(cr + j) - Vector256.Load(br + j), cr + j);
                continue;
            }
            if (count >= TileCols && Vector128.IsHardwareAccelerated)
            {
                for (int j = 0; j < TileCols; j += 2)
                    Vector128.Store(Vector128.Load(cr + j) - Vector128.Load(br + j), cr + j);
                continue;
            }
            if (count > TileCols) count = TileCols;
            for (int j = 0; j < count; j++) cr[j] -= br[j];
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteBackMasked(double* buf, double* c, nint ldc, int rowsValid, int diagBase)
        => WriteBack(buf, c, ldc, rowsValid, diagBase);

    /// <summary>256-bit micro-kernel: fills <paramref name="buf"/> (8 × 24, row stride 24) with the products, as six
    /// 4 × 8 sub-tiles of 8 ymm accumulators each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256(double* pa, double* pb, nint stride, int kc, double* buf)
    {
        for (int g = 0; g < PanelsPerGroup; g++)
        {
            for (int rh = 0; rh < PanelRows; rh += 4)
            {
                Vector256<double> z = Vector256<double>.Zero;
                Vector256<double> c0l = z, c0h = z, c1l = z, c1h = z, c2l = z, c2h = z, c3l = z, c3h = z;
                double* a = pa + rh;
                double* bb = pb + g * stride;
                for (int p = 0; p < kc; p++)
                {
                    Vector256<double> bl = Vector256.Load(bb), bh = Vector256.Load(bb + 4);
                    Vector256<double> av = Vector256.Create(a[0]);
                    c0l = Vector256.MultiplyAddEstimate(av, bl, c0l); c0h = Vector256.MultiplyAddEstimate(av, bh, c0h);
                    av = Vector256.Create(a[1]);
                    c1l = Vector256.MultiplyAddEstimate(av, bl, c1l); c1h = Vector256.MultiplyAddEstimate(av, bh, c1h);
                    av = Vector256.Create(a[2]);
                    c2l = Vector256.MultiplyAddEstimate(av, bl, c2l); c2h = Vector256.MultiplyAddEstimate(av, bh, c2h);
                    av = Vector256.Create(a[3]);
                    c3l = Vector256.MultiplyAddEstimate(av, bl, c3l); c3h = Vector256.MultiplyAddEstimate(av, bh, c3h);
                    a += PanelRows; bb += PanelRows;
                }
                double* o = buf + rh * TileCols + g * PanelRows;
                Vector256.Store(c0l, o); Vector256.Store(c0h, o + 4);
                Vector256.Store(c1l, o + TileCols); Vector256.Store(c1h, o + TileCols + 4);
                Vector256.Store(c2l, o + 2 * TileCols); Vector256.Store(c2h, o + 2 * TileCols + 4);
                Vector256.Store(c3l, o + 3 * TileCols); Vector256.Store(c3h, o + 3 * TileCols + 4);
            }
        }
    }

    /// <summary>Scalar micro-kernel: fills <paramref name="buf"/> (8 × 24, row stride 24) with the products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileScalar(double* pa, double* pb, nint stride, int kc, double* buf)
    {
        for (int i = 0; i < PanelRows * TileCols; i++) buf[i] = 0.0;
        for (int p = 0; p < kc; p++)
        {
            double* a = pa + (nint)p * PanelRows;
            for (int r = 0; r < PanelRows; r++)
            {
                double ar = a[r];
                double* br = buf + r * TileCols;
                for (int g = 0; g < PanelsPerGroup; g++)
                {
                    double* bv = pb + g * stride + (nint)p * PanelRows;
                    double* o = br + g * PanelRows;
                    for (int j = 0; j < PanelRows; j++) o[j] += ar * bv[j];
                }
            }
        }
    }
}
