using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>Back-substitution through the factor left by <see cref="ProfiledDeviance.FactorAt"/>: the response row of
/// L is the right-hand side, so L' x = (that row) gives the other terms' û and β̂ from the rest's factor, then the
/// first term's û level by level. Shared by the linear fit (once, at θ̂) and every PIRLS step of a GLMM; its buffers are
/// allocated once.</summary>
internal sealed class PenalizedSolver
{
    private readonly ProfiledDeviance deviance;
    private readonly double[] restSolution;
    private readonly double[] block;
    private readonly double[] rows;

    /// <summary>Creates the solver for <paramref name="deviance"/>'s system.</summary>
    public PenalizedSolver(ProfiledDeviance deviance)
    {
        this.deviance = deviance;
        var layout = deviance.Layout;
        restSolution = new double[layout.RestSize];
        int k1 = layout.First.ColumnCount;
        block = new double[k1 * k1];
        rows = new double[Math.Max(1, layout.MaxPatternLength) * k1];
        TermOffsets = new int[layout.Terms.Count];
        for (int t = 1; t < layout.Terms.Count; t++) TermOffsets[t] = layout.Terms[0].Size + layout.RestTermOffset[t];
    }

    /// <summary>Where each term's spherical random effects start in the concatenated u (terms largest first).</summary>
    public int[] TermOffsets { get; }

    /// <summary>After <see cref="ProfiledDeviance.FactorAt"/>: the solution u (concatenated, terms largest first) and,
    /// when the system carries fixed effects, β. Allocates nothing.</summary>
    public void Solve(Span<double> u, Span<double> beta) => SolveShifted(u, beta, []);

    /// <summary>After <see cref="ProfiledDeviance.FactorAt"/>: <see cref="Solve"/> with the right-hand side (the
    /// response row of L) plus <paramref name="shift"/>, in the factor's scaled coordinates: first the first term's
    /// entries (level by level), then the rest rows (other terms, then β). With shift = σ_s z, z standard normal and
    /// σ_s the residual SD in those coordinates (σ × <see cref="FixedEffectScaling.ResponseScale"/>), (u, β) is a draw
    /// from their joint conditional posterior N((û, β̂), σ² (LL')⁻¹) under a flat prior on β. Allocates nothing.</summary>
    public void SolveShifted(Span<double> u, Span<double> beta, ReadOnlySpan<double> shift)
    {
        var layout = deviance.Layout;
        var x = restSolution.AsSpan(0, layout.RestSize - 1);
        bool shifted = !shift.IsEmpty;
        int firstSize = layout.First.Size;
        if (shifted) deviance.Rest.SolveShifted(x, shift[firstSize..]);
        else deviance.Rest.Solve(x);
        var terms = layout.Terms;
        for (int t = 1; t < terms.Count; t++)
            x.Slice(layout.RestTermOffset[t], terms[t].Size).CopyTo(u.Slice(TermOffsets[t], terms[t].Size));
        if (layout.FixedEffectCount > 0)
        {
            x.Slice(layout.FixedOffset, layout.FixedEffectCount).CopyTo(beta);
            deviance.Scaling.MapFixedEffects(beta[..layout.FixedEffectCount]);
        }

        // First term, level by level: û₁ = L₁₁⁻ᵀ (c − L₂₁' x_rest).
        int k1 = layout.First.ColumnCount;
        for (int level = 0; level < layout.First.LevelCount; level++)
        {
            deviance.FirstLevelRows(level, block, rows);
            int start = layout.PatternStart[level], length = layout.PatternStart[level + 1] - start;
            var mode = u.Slice(level * k1, k1);
            rows.AsSpan((length - 1) * k1, k1).CopyTo(mode);
            if (shifted)
                for (int c = 0; c < k1; c++) mode[c] += shift[level * k1 + c];
            for (int e = 0; e < length - 1; e++)
            {
                double value = x[layout.PatternRow[start + e]];
                if (value == 0) continue;
                for (int c = 0; c < k1; c++) mode[c] -= rows[e * k1 + c] * value;
            }
            SmallMatrix.SolveLowerTransposed(block, k1, mode);
        }
        // û scales with y: back to the original response's units.
        double responseScale = deviance.Scaling.ResponseScale;
        if (responseScale != 1)
            foreach (ref double value in u) value /= responseScale;
    }
}
