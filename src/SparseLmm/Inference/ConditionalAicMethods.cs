using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>The conditional AIC of a fit (see <see cref="Results.ConditionalAic"/>), computed on demand from what the fit
/// carries: not part of the fit itself, so that refits (the bootstrap, profiles) do not pay for it.</summary>
public static class ConditionalAicMethods
{
    /// <summary>The conditional AIC of a linear mixed model, or null when it is not computed; <paramref name="reason"/>
    /// then says why (a GLMM, too many random effects). When a term with several columns has a zero
    /// variance, the criterion is that of the model refitted without those columns, as cAIC4 computes it.</summary>
    public static ConditionalAic? ConditionalAic(this MixedModelFit fit, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.Source is not { } source)
        {
            reason = !fit.Family.IsLinearMixedModel ? "cAIC is computed for linear mixed models only"
                : fit.ResidualVariance is not null || fit.ResidualCorrelation is not null
                    ? "cAIC is not computed for a model with a residual structure (varIdent, corAR1)"
                    : "cAIC needs the fit's design: make the fit with MixedModel.Fit(...)";
            return null;
        }
        if (source.Design.RowsStreamed)
        {
            reason = "cAIC needs the rows, which a streamed fit or a fit from partials does not keep";
            return null;
        }
        // The correction's parameters are the entries of ΛΛ' at Λ's pattern, lme4's: a diag() term's are its variances
        // (the model of lme4's ||), but cs() and ar1() tie the entries together through ρ.
        if (Enumerable.Range(0, source.Terms.Count).Any(t => source.Parameterization.Structure(t) is CovarianceStructure.CompoundSymmetry or CovarianceStructure.AutoRegressive))
        {
            reason = "cAIC is not computed for cs() or ar1() terms (cAIC4's correction is for lme4's covariance parameters)";
            return null;
        }
        var zeroColumns = ConditionalAicCalculator.ZeroColumns(source.Terms, source.Parameterization, fit.Theta.ToArray());
        if (zeroColumns.Count > 0)
            return WithoutZeroColumns(fit, source, zeroColumns, out reason);
        double offsetResiduals = 0;
        if (source.Design.Offset is { } offset)
            for (int i = 0; i < offset.Length; i++) offsetResiduals += offset[i] * fit.Residuals[i];
        var (value, why) = ConditionalAicCalculator.Compute(source.Design, source.Terms, source.Parameterization,
            fit.Theta.ToArray(), fit.Method == EstimationMethod.Reml, fit.Sigma ?? double.NaN, offsetResiduals);
        reason = why;
        return value;
    }

    /// <summary>cAIC4's deleteZeroComponents: the model refitted without the random-effects columns whose variance is 0
    /// (a term left with none is dropped), and its criterion. Only columns that are whole terms of the formula (the
    /// intercept, a numeric covariate) can be removed this way.</summary>
    private static ConditionalAic? WithoutZeroColumns(MixedModelFit fit, FitSource source,
        IReadOnlyList<(int Term, int[] Columns)> zeroColumns, out string? reason)
    {
        var design = source.Design;
        var formula = design.Formula;
        var randomTerms = formula.RandomTerms.ToList();
        foreach (var (term, columns) in zeroColumns)
        {
            var engineTerm = source.Terms[term];
            int index = Enumerable.Range(0, design.RandomTerms.Count).First(i => ReferenceEquals(design.RandomTerms[i], engineTerm));
            var spec = formula.RandomTerms[index];
            var names = engineTerm.TermNames;
            bool intercept = spec.HasIntercept;
            var kept = spec.Terms.ToList();
            foreach (int column in columns)
            {
                string name = names[column];
                if (name == "(Intercept)" && intercept) { intercept = false; continue; }
                int match = kept.FindIndex(t => t.Label == name);
                if (match < 0)
                {
                    reason = $"cAIC is not computed: the zero-variance column '{name}' of the term for '{spec.GroupName}' is not a term of its own, so the smaller model cAIC4 refits cannot be written";
                    return null;
                }
                kept.RemoveAt(match);
            }
            randomTerms[index] = spec with { HasIntercept = intercept, Terms = kept };
        }
        randomTerms = randomTerms.Where(t => t.HasIntercept || t.Terms.Count > 0).ToList();
        if (randomTerms.Count == 0)
        {
            reason = "cAIC is not computed: every random-effects variance is 0";
            return null;
        }
        var reduced = formula with { RandomTerms = randomTerms };
        var reducedDesign = ModelDesignBuilder.Build(reduced, source.Data, gaussian: true);
        var refit = LinearMixedModelFitter.Fit(reducedDesign, fit.Method == EstimationMethod.Reml,
            new ThreadBudget(source.Options.Threads), out var products);
        return (refit with { Source = new FitSource(reducedDesign, source.Data, source.Options, products) }).ConditionalAic(out reason);
    }
}
