using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Glmm;

/// <summary>One weighted penalized least-squares system of a PIRLS step, built from the LMM engine's pieces: the
/// cross-products of the √W-scaled rows of [Z X z] (z the working response), factored at θ as Λ'Z'WZΛ + I with X and z
/// carried along. With no fixed effects (p = 0) it solves for u alone, β entering through the working response as an
/// offset; with p fixed effects it solves for u and β together. Every buffer is allocated here, once.</summary>
internal sealed class PenalizedSystem
{
    private readonly PenalizedSolver solver;

    /// <summary>Creates the system for <paramref name="terms"/> (largest first) with <paramref name="fixedEffectCount"/>
    /// fixed effects over <paramref name="rowCount"/> rows, on at most <paramref name="threads"/> threads.</summary>
    public PenalizedSystem(IReadOnlyList<RandomEffectsDesign> terms, int fixedEffectCount, int rowCount, ThreadBudget? threads = null)
        : this(new CrossProductLayout(terms, fixedEffectCount, rowCount, threads: threads))
    {
    }

    /// <summary>Creates the system over a layout built elsewhere (a streamed fit's, from the level pairs).</summary>
    public PenalizedSystem(CrossProductLayout layout)
    {
        Layout = layout;
        Products = new CrossProducts(Layout);
        Deviance = new ProfiledDeviance(Products, reml: false);
        solver = new PenalizedSolver(Deviance);
    }

    /// <summary>The structure.</summary>
    public CrossProductLayout Layout { get; }

    /// <summary>The cross-products (refilled by each PIRLS step).</summary>
    public CrossProducts Products { get; }

    /// <summary>The factorization.</summary>
    public ProfiledDeviance Deviance { get; }

    /// <summary>Where each term's spherical random effects start in the concatenated u (terms largest first).</summary>
    public int[] TermOffsets => solver.TermOffsets;

    /// <summary>Factors the system accumulated in <see cref="Products"/> at θ; false when it is not positive definite.</summary>
    public bool Factor(ReadOnlySpan<double> theta) => Deviance.FactorAt(theta);

    /// <summary>After <see cref="Factor"/>: log|L_Z|², the random-effects part of the log-determinant.</summary>
    public double LogDeterminantRandom => Deviance.LogDeterminantRandom;

    /// <summary>After <see cref="Factor"/>: the solution u (concatenated, terms largest first) and, when the system
    /// carries fixed effects, β. Allocates nothing.</summary>
    public void Solve(Span<double> u, Span<double> beta) => solver.Solve(u, beta);

    /// <summary>After <see cref="Factor"/>: the solution of L'x = (the response row of L) + <paramref name="shift"/>
    /// (first term's entries level by level, then the other terms, then β): with a standard-normal shift, a draw from
    /// N(solution, (LL')⁻¹) (see <see cref="PenalizedSolver.SolveShifted"/>; a GLMM system is not rescaled).
    /// Allocates nothing.</summary>
    public void SolveShifted(Span<double> u, Span<double> beta, ReadOnlySpan<double> shift) => solver.SolveShifted(u, beta, shift);

    /// <summary>After <see cref="Factor"/> of a system with fixed effects: (L_X L_X')⁻¹, row-major p×p, the unscaled
    /// covariance of β̂ given θ (lme4's RX-based <c>vcov</c>, before scaling by σ²).</summary>
    public double[] UnscaledFixedCovariance() => Deviance.UnscaledFixedCovariance();
}
