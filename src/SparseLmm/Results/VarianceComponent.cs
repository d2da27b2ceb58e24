namespace SparseLmm.Results;

/// <summary>The estimated covariance of one random-effects term, as lme4's VarCorr shows it.</summary>
/// <param name="Group">The grouping factor, e.g. <c>Subject</c>.</param>
/// <param name="Terms">The term's columns, e.g. <c>(Intercept)</c>, <c>Days</c>.</param>
/// <param name="StandardDeviations">Standard deviation of each column's random effect.</param>
/// <param name="Correlations">Correlation matrix of the term's random effects (k×k, ones on the diagonal).</param>
public sealed record VarianceComponent(
    string Group, IReadOnlyList<string> Terms, IReadOnlyList<double> StandardDeviations, IReadOnlyList<IReadOnlyList<double>> Correlations)
{
    /// <summary>The term's columns (frozen: see <see cref="MixedModelFit"/>).</summary>
    public IReadOnlyList<string> Terms { get; init => field = Frozen.List(value); } = Frozen.List(Terms);

    /// <summary>Standard deviation of each column's random effect.</summary>
    public IReadOnlyList<double> StandardDeviations { get; init => field = Frozen.List(value); } = Frozen.List(StandardDeviations);

    /// <summary>Correlation matrix of the term's random effects.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Correlations { get; init => field = Frozen.Rows(value); } = Frozen.Rows(Correlations);

    /// <summary>The term's covariance structure (<c>us</c>, <c>diag</c>, <c>cs</c>, <c>ar1</c> in the formula).</summary>
    public CovarianceStructure Structure { get; init; } = CovarianceStructure.Unstructured;

    /// <summary>The correlation parameter ρ of a <see cref="CovarianceStructure.CompoundSymmetry"/> or
    /// <see cref="CovarianceStructure.AutoRegressive"/> term (the correlation of every pair, or of neighbouring
    /// columns); null for the other structures.</summary>
    public double? Rho { get; init; }

    /// <summary>Variances (squared standard deviations).</summary>
    public IReadOnlyList<double> Variances => StandardDeviations.Select(s => s * s).ToList();
}
