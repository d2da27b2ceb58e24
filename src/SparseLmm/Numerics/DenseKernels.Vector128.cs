using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SparseLmm.Numerics;

/// <summary>The 128-bit kernels: the path on Arm64 (NEON has no wider vectors, but 32 registers, so the sub-tiles
/// below keep 16 accumulators plus their operands in registers). Written with the portable <see cref="Vector128"/>
/// API, so x64 runs the same code when the path is forced (tests, benchmarks) or when AVX2 is missing.</summary>
internal static unsafe partial class DenseKernels
{
    /// <summary>128-bit version of <see cref="SolveGroup256"/>: one panel at a time, 4 columns p at a time, each
    /// 8-row column held as 4 vectors of 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveGroup128(double* x0, nint stride, double* l, nint ldl, double* inv, int b)
    {
        for (int g = 0; g < PanelsPerGroup; g++)
        {
            double* x = x0 + g * stride;
            int p0 = 0;
            for (; p0 <= b - 4; p0 += 4)
            {
                double* l0 = l + p0 * ldl, l1 = l0 + ldl, l2 = l1 + ldl, l3 = l2 + ldl;
                double* xp = x + (nint)p0 * PanelRows;
                Column8 a0 = Column8.Load(xp), a1 = Column8.Load(xp + 8), a2 = Column8.Load(xp + 16), a3 = Column8.Load(xp + 24);
                double* y = x;
                for (int q = 0; q < p0; q++, y += PanelRows)
                {
                    Column8 v = Column8.Load(y);
                    a0 = a0.MinusScaled(l0[q], v);
                    a1 = a1.MinusScaled(l1[q], v);
                    a2 = a2.MinusScaled(l2[q], v);
                    a3 = a3.MinusScaled(l3[q], v);
                }
                // The 4 × 4 triangle among the new columns.
                a0 = a0.Times(inv[p0]);
                a1 = a1.MinusScaled(l1[p0], a0).Times(inv[p0 + 1]);
                a2 = a2.MinusScaled(l2[p0], a0).MinusScaled(l2[p0 + 1], a1).Times(inv[p0 + 2]);
                a3 = a3.MinusScaled(l3[p0], a0).MinusScaled(l3[p0 + 1], a1).MinusScaled(l3[p0 + 2], a2).Times(inv[p0 + 3]);
                a0.Store(xp); a1.Store(xp + 8); a2.Store(xp + 16); a3.Store(xp + 24);
            }
            for (; p0 < b; p0++)
            {
                double* lp = l + p0 * ldl;
                double* xp = x + (nint)p0 * PanelRows;
                Column8 a = Column8.Load(xp);
                double* y = x;
                for (int q = 0; q < p0; q++, y += PanelRows) a = a.MinusScaled(lp[q], Column8.Load(y));
                a.Times(inv[p0]).Store(xp);
            }
        }
    }

    /// <summary>128-bit micro-kernel: fills <paramref name="buf"/> (8 × 24, row stride 24) with the products, as six
    /// 4 × 8 sub-tiles of 16 accumulators each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile128(double* pa, double* pb, nint stride, int kc, double* buf)
    {
        for (int g = 0; g < PanelsPerGroup; g++)
        {
            for (int rh = 0; rh < PanelRows; rh += 4)
            {
                Column8 c0 = default, c1 = default, c2 = default, c3 = default;
                double* a = pa + rh;
                double* bb = pb + g * stride;
                for (int p = 0; p < kc; p++)
                {
                    Column8 bv = Column8.Load(bb);
                    c0 = c0.PlusScaled(a[0], bv);
                    c1 = c1.PlusScaled(a[1], bv);
                    c2 = c2.PlusScaled(a[2], bv);
                    c3 = c3.PlusScaled(a[3], bv);
                    a += PanelRows; bb += PanelRows;
                }
                double* o = buf + rh * TileCols + g * PanelRows;
                c0.Store(o); c1.Store(o + TileCols); c2.Store(o + 2 * TileCols); c3.Store(o + 3 * TileCols);
            }
        }
    }

    /// <summary>Eight doubles (one column of a packed panel, or 8 columns of one row) as four 128-bit vectors. A struct
    /// of four vector fields is promoted to four registers by the JIT, so the kernels above read like the 512-bit ones
    /// without spelling out every lane pair.</summary>
    private struct Column8
    {
        private Vector128<double> _v0, _v1, _v2, _v3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Column8 Load(double* p) => new()
        {
            _v0 = Vector128.Load(p), _v1 = Vector128.Load(p + 2), _v2 = Vector128.Load(p + 4), _v3 = Vector128.Load(p + 6),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(double* p)
        {
            Vector128.Store(_v0, p); Vector128.Store(_v1, p + 2); Vector128.Store(_v2, p + 4); Vector128.Store(_v3, p + 6);
        }

        /// <summary>this + scale · x (fused where the hardware has FMA: always on Arm64).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Column8 PlusScaled(double scale, in Column8 x)
        {
            Vector128<double> c = Vector128.Create(scale);
            return new()
            {
                _v0 = Vector128.MultiplyAddEstimate(c, x._v0, _v0), _v1 = Vector128.MultiplyAddEstimate(c, x._v1, _v1),
                _v2 = Vector128.MultiplyAddEstimate(c, x._v2, _v2), _v3 = Vector128.MultiplyAddEstimate(c, x._v3, _v3),
            };
        }

        /// <summary>this − scale · x.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Column8 MinusScaled(double scale, in Column8 x) => PlusScaled(-scale, x);

        /// <summary>this · scale.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Column8 Times(double scale)
        {
            Vector128<double> c = Vector128.Create(scale);
            return new() { _v0 = _v0 * c, _v1 = _v1 * c, _v2 = _v2 * c, _v3 = _v3 * c };
        }
    }
}
