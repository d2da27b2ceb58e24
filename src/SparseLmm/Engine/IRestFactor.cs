namespace SparseLmm.Engine;

/// <summary>The factor of the rest of the penalized system: the random effects of the terms after the first, then the
/// fixed effects, then the response, after the first term's levels are eliminated. Two storages implement it, chosen
/// by <see cref="RestStructure"/>: one dense block (<see cref="DenseRestFactor"/>) and a supernodal sparse factor
/// (<see cref="SupernodalRestFactor"/>). Rows are numbered as in <see cref="CrossProductLayout"/> ("rest rows"),
/// whatever order the factor eliminates them in. Evaluations allocate nothing.</summary>
internal interface IRestFactor
{
    /// <summary>Forms Λ₂' A₂₂ Λ₂ + I (on the random-effects diagonal) − L₂₁ L₂₁' and factors it.
    /// <paramref name="products"/> are the rest's cross-products in this storage's layout, <paramref name="factors"/>
    /// every term's T. The first term's rows L₂₁ reach the factor during the first term's elimination: the dense block
    /// forms them itself, level by level (<see cref="SchurComplementUpdate"/>), the supernodal factor takes each level's product as it comes
    /// (<see cref="SupernodalRestFactor.AddLevel"/>). False when the matrix is not positive definite.</summary>
    bool Factor(double[] products, double[][] factors);

    /// <summary>After <see cref="Factor"/>: 2 Σ log of the diagonal of L over the rest's random effects.</summary>
    double RandomLogDeterminant { get; }

    /// <summary>After <see cref="Factor"/>: the factor's last p + 1 rows and columns, row-major (p + 1)², lower
    /// triangle: L_X, then the response row (its fixed-effect part and r(θ) on the diagonal).</summary>
    ReadOnlySpan<double> Tail { get; }

    /// <summary>After <see cref="Factor"/>: solves L₋' x = ℓ (ℓ the response row, L₋ the factor without it), giving
    /// the rest's random effects and β in rest-row order. <paramref name="solution"/> has RestSize − 1 entries.</summary>
    void Solve(Span<double> solution);

    /// <summary>After <see cref="Factor"/>: solves L₋' x = ℓ + <paramref name="shift"/>, the shift in rest-row order
    /// (RestSize − 1 entries). With a shift of σ z, z standard normal, x is a draw from N(<see cref="Solve"/>'s
    /// solution, σ² (L₋ L₋')⁻¹), the conditional posterior of the rest's random effects and β.</summary>
    void SolveShifted(Span<double> solution, ReadOnlySpan<double> shift);

    /// <summary>After <see cref="Factor"/>: computes what <see cref="InverseEntry"/> reads (once per fit).</summary>
    void PrepareInverse();

    /// <summary>Entry (row, column) of (L_R L_R')⁻¹, L_R the factor's random-effects block, for two random-effects
    /// rest rows that share a level of the first term or of the rest (entries that the factor's pattern holds).</summary>
    double InverseEntry(int row, int column);
}
