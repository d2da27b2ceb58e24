namespace SparseLmm.Results;

/// <summary>One fixed-effect coefficient.</summary>
/// <param name="Name">Coefficient name as lme4 prints it, e.g. <c>(Intercept)</c>, <c>Days</c>, <c>period2</c>.</param>
/// <param name="Estimate">The estimate β̂.</param>
/// <param name="StandardError">Its standard error from Cov(β̂).</param>
public sealed record FixedEffect(string Name, double Estimate, double StandardError)
{
    /// <summary>Estimate divided by standard error (a t value for a linear model, z for a GLMM).</summary>
    public double Statistic => Estimate / StandardError;
}
