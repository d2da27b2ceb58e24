using SparseLmm.Engine;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>The conditional AIC of a fit (see <see cref="Results.ConditionalAic"/>), computed on demand from what the fit
/// carries: not part of the fit itself, so that refits (the bootstrap, profiles) do not pay for it.</summary>
public static class ConditionalAicMethods
{
    /// <summary>The conditional AIC of a linear mixed model, or null when it is not computed; <paramref name="reason"/>
    /// then says why (a GLMM, prior weights, too many random effects, or a zero variance in a term with several
    /// columns, for which cAIC4 refits a smaller model).</summary>
    public static ConditionalAic? ConditionalAic(this MixedModelFit fit, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.Source is not { } source)
        {
            reason = fit.Family.IsLinearMixedModel
                ? "cAIC needs the fit's design: make the fit with MixedModel.Fit(...)"
                : "cAIC is computed for linear mixed models only";
            return null;
        }
        double offsetResiduals = 0;
        if (source.Design.Offset is { } offset)
            for (int i = 0; i < offset.Length; i++) offsetResiduals += offset[i] * fit.Residuals[i];
        var (value, why) = ConditionalAicCalculator.Compute(source.Design, source.Terms, source.Parameterization,
            fit.Theta.ToArray(), fit.Method == EstimationMethod.Reml, fit.Sigma ?? double.NaN, offsetResiduals);
        reason = why;
        return value;
    }
}
