using System.Globalization;
using System.Text;
using SparseLmm.Results;

namespace SparseLmm.Reporting;

/// <summary>Writes the text that lme4's <c>print(summary(fit))</c> shows, section by section, with R's number
/// formatting (4 significant digits by default), followed by our notes (ICC, optimiser, warnings).</summary>
internal static class SummaryWriter
{
    /// <summary>R's default <c>digits = max(3, getOption("digits") - 3)</c>.</summary>
    private const int Digits = 4;

    /// <summary>lme4's <c>lme4.summary.cor.max</c>: the correlation of fixed effects is shown up to this many.</summary>
    private const int CorrelationMax = 12;

    public static string Write(MixedModelFit fit, string? dataName)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var output = new StringBuilder();
        AppendHeader(output, fit, dataName);
        AppendCriterion(output, fit);
        AppendScaledResiduals(output, fit);
        AppendRandomEffects(output, fit);
        AppendGroups(output, fit);
        ResidualStructureReport.AppendSummary(output, fit);
        AppendFixedEffects(output, fit);
        AppendTrailer(output, fit);
        return output.ToString();
    }

    internal static bool IsGeneralized(MixedModelFit fit) =>
        fit.Method is EstimationMethod.Laplace or EstimationMethod.AdaptiveGaussHermite || !fit.Family.IsLinearMixedModel;

    private static void AppendHeader(StringBuilder output, MixedModelFit fit, string? dataName)
    {
        if (IsGeneralized(fit))
        {
            string approximation = fit.Method == EstimationMethod.AdaptiveGaussHermite && fit.QuadratureNodes > 1
                ? $"(Adaptive Gauss-Hermite Quadrature, nAGQ = {fit.QuadratureNodes})"
                : "(Laplace Approximation)";
            output.Append($"Generalized linear mixed model fit by maximum likelihood {approximation} ['glmerMod']\n");
        }
        else if (fit.Method == EstimationMethod.Reml)
            output.Append("Linear mixed model fit by REML ['lmerMod']\n");
        else
            output.Append("Linear mixed model fit by maximum likelihood  ['lmerMod']\n");

        if (!fit.Family.IsLinearMixedModel)
            output.Append($" Family: {fit.Family.Name}  ( {fit.Link.Name} )\n");
        output.Append($"Formula: {fit.Formula}\n");
        if (!string.IsNullOrEmpty(dataName)) output.Append($"   Data: {dataName}\n");
        output.Append('\n');
    }

    private static void AppendCriterion(StringBuilder output, MixedModelFit fit)
    {
        if (fit.Method == EstimationMethod.Reml)
        {
            double criterion = fit.RemlCriterion ?? -2 * fit.LogLikelihood;
            output.Append($"REML criterion at convergence: {RNumberFormat.Format(RNumberFormat.Round(criterion, 1))}\n");
        }
        else
        {
            // lme4's .prt.aictab: round to 1 decimal, format the vector together, df.resid on its own.
            double[] values =
            [
                RNumberFormat.Round(fit.Aic, 1),
                RNumberFormat.Round(fit.Bic, 1),
                RNumberFormat.Round(fit.LogLikelihood, 1),
                RNumberFormat.Round(fit.Deviance ?? -2 * fit.LogLikelihood, 1),
                fit.ObservationCount - fit.DegreesOfFreedom,
            ];
            var formatted = RNumberFormat.Format(values, 7);
            formatted[4] = RNumberFormat.Format(values[4]);
            TextTable.AppendNamedVector(output, ["AIC", "BIC", "logLik", "deviance", "df.resid"], formatted);
        }
        if (fit.Family.IsLinearMixedModel && Inference.ConditionalAicMethods.ConditionalAic(fit, out _) is { } caic)
            output.Append(FormattableString.Invariant(
                $"cAIC: {caic.Value:F2} (conditional log-likelihood {caic.ConditionalLogLikelihood:F2}, effective df {caic.DegreesOfFreedom:F2})\n"));
        output.Append('\n');
    }

    private static void AppendScaledResiduals(StringBuilder output, MixedModelFit fit)
    {
        var residuals = ScaledResiduals(fit);
        if (residuals is null || residuals.Length == 0) return;
        Array.Sort(residuals);
        double[] quantiles = [.. new[] { 0, 0.25, 0.5, 0.75, 1 }.Select(p => SortedSample.Quantile(residuals, p))];
        var zapped = RNumberFormat.ZapSmall(quantiles, Digits + 1);
        output.Append("Scaled residuals:\n");
        TextTable.AppendNamedVector(output, ["Min", "1Q", "Median", "3Q", "Max"], RNumberFormat.Format(zapped, Digits));
        output.Append('\n');
    }

    /// <summary>lme4's <c>residuals(fit, "pearson", scaled = TRUE)</c>: residuals divided by σ for a linear model,
    /// Pearson residuals (divided by σ when the family has a dispersion) for a GLMM; null when not available.</summary>
    private static double[]? ScaledResiduals(MixedModelFit fit)
    {
        double scale = fit.Sigma is double s && s > 0 ? s : 1;
        if (fit.PearsonResiduals is { Count: > 0 } pearson)
            return pearson.Select(r => r / scale).ToArray();
        if (IsGeneralized(fit) || fit.Residuals.Count == 0 || fit.Sigma is null) return null;
        return fit.Residuals.Select(r => r / scale).ToArray();
    }

    private static void AppendRandomEffects(StringBuilder output, MixedModelFit fit)
    {
        output.Append("Random effects:\n");
        var components = fit.VarianceComponents;
        var groupNames = MakeUnique(components.Select(c => c.Group).ToList());
        var groups = new List<string>();
        var names = new List<string>();
        var sds = new List<double>();
        for (int t = 0; t < components.Count; t++)
        {
            for (int j = 0; j < components[t].Terms.Count; j++)
            {
                groups.Add(j == 0 ? groupNames[t] : "");
                names.Add(components[t].Terms[j]);
                sds.Add(components[t].StandardDeviations[j]);
            }
        }
        if (fit.Sigma is double sigma)
        {
            groups.Add("Residual");
            names.Add("");
            sds.Add(sigma);
        }

        var variances = RNumberFormat.Format(sds.Select(s => s * s).ToArray(), Digits);
        var deviations = RNumberFormat.Format(sds.ToArray(), Digits);

        // Correlations: lower triangle of each term's matrix, rounded to 2 decimals, in (largest k − 1) columns. A
        // structured term shows what it estimates, as glmmTMB prints it: ρ and the structure on its first row for
        // cs and ar1, nothing for diag.
        int correlationColumns = components.Count == 0 ? 0 : components.Max(c => c.Structure switch
        {
            CovarianceStructure.Unstructured => c.Terms.Count - 1,
            CovarianceStructure.Diagonal => 0,
            _ => 1,
        });
        var correlationCells = new List<string[]>();
        foreach (var component in components)
        {
            int k = component.Terms.Count;
            if (component.Structure != CovarianceStructure.Unstructured)
            {
                for (int a = 0; a < k; a++)
                {
                    var row = new string[correlationColumns];
                    if (a == 0 && component.Rho is { } rho)
                        row[0] = $"{RNumberFormat.Format([RNumberFormat.Round(rho, 2)], 7, 2)[0]} ({component.Structure.Name()})";
                    correlationCells.Add(row);
                }
                continue;
            }
            var all = new double[k * k];
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    all[a * k + b] = RNumberFormat.Round(CorrelationAt(component, a, b), 2);
            var formatted = RNumberFormat.Format(all, 7, 2);
            for (int a = 0; a < k; a++)
            {
                var row = new string[correlationColumns];
                for (int b = 0; b < correlationColumns; b++)
                    row[b] = b < a ? formatted[a * k + b] : "";
                correlationCells.Add(row);
            }
        }
        while (correlationCells.Count < groups.Count) correlationCells.Add(new string[correlationColumns]);

        var headers = new List<string> { "Groups", "Name", "Variance", "Std.Dev." };
        for (int c = 0; c < correlationColumns; c++) headers.Add(c == 0 ? "Corr" : "");
        var cells = new List<IReadOnlyList<string>>();
        for (int r = 0; r < groups.Count; r++)
        {
            var row = new List<string> { groups[r], names[r], variances[r], deviations[r] };
            row.AddRange(correlationCells[r].Select(s => s ?? ""));
            cells.Add(row);
        }
        TextTable.Append(output, Enumerable.Repeat("", groups.Count).ToList(), headers, cells, rightJustify: false);
    }

    private static double CorrelationAt(VarianceComponent component, int a, int b)
    {
        if (a == b) return 1;
        var rows = component.Correlations;
        return a < rows.Count && b < rows[a].Count ? rows[a][b] : double.NaN;
    }

    /// <summary>R's <c>make.unique</c>: repeated names get ".1", ".2", ... (lme4 names the terms of
    /// <c>(x || g)</c> "g" and "g.1").</summary>
    internal static List<string> MakeUnique(IReadOnlyList<string> names)
    {
        var seen = new HashSet<string>(names.Count, StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<string>(names.Count);
        foreach (var name in names)
        {
            if (seen.Add(name)) { result.Add(name); continue; }
            int count = counts.GetValueOrDefault(name);
            string candidate;
            do candidate = $"{name}.{++count}"; while (!seen.Add(candidate));
            counts[name] = count;
            result.Add(candidate);
        }
        return result;
    }

    private static void AppendGroups(StringBuilder output, MixedModelFit fit)
    {
        var groups = string.Join("; ", fit.GroupCounts.Select(g => $"{g.Group}, {g.Levels.ToString(CultureInfo.InvariantCulture)}"));
        output.Append($"Number of obs: {fit.ObservationCount.ToString(CultureInfo.InvariantCulture)}, groups:  {groups}\n");
    }

    private static void AppendFixedEffects(StringBuilder output, MixedModelFit fit)
    {
        var effects = fit.FixedEffects;
        int p = effects.Count;
        if (p == 0) return;
        output.Append("\nFixed effects:\n");
        // lme4: p values for a GLMM; the statistic is called z when the scale is fixed (binomial, Poisson), else t.
        IReadOnlyList<double>? pvalues = null;
        if (fit.FixedEffectDegreesOfFreedom is not null) pvalues = fit.FixedEffectPValues;
        else if (IsGeneralized(fit))
            pvalues = fit.FixedEffectPValues is { } given && given.Count == p
                ? given
                : effects.Select(e => TwoSidedNormalP(e.Statistic)).ToArray();
        var table = fit.FixedEffectDegreesOfFreedom is null
            ? CoefficientTable(effects, pvalues, fit.Sigma is null ? "z value" : "t value")
            : CoefficientTable(effects, pvalues, "t value", "Pr(>|t|)");
        TextTable.Append(output, effects.Select(e => e.Name).ToList(), table.Headers, table.Cells, rightJustify: true);
        if (table.Stars)
            output.Append("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");

        if (p > CorrelationMax)
        {
            output.Append($"\nCorrelation matrix not shown by default, as p = {p} > {CorrelationMax}.\n");
            return;
        }
        if (p > 1) AppendFixedCorrelation(output, fit);
    }

    /// <summary>R's printCoefmat as lme4 calls it (digits 4; p values for a GLMM).</summary>
    internal static (List<string> Headers, List<IReadOnlyList<string>> Cells, bool Stars) CoefficientTable(
        IReadOnlyList<FixedEffect> effects, IReadOnlyList<double>? pvalues, string statisticName, string pValueName = "Pr(>|z|)")
    {
        int p = effects.Count;
        int statisticDigits = Math.Max(1, Math.Min(5, Digits - 1));
        var estimates = effects.Select(e => e.Estimate).ToArray();
        var errors = effects.Select(e => e.StandardError).ToArray();
        // lme4 >= 1.1-2x no longer zaps the statistic column (36.838, not 36.84, for sleepstudy).
        var statistics = effects.Select(e => e.Statistic).ToArray();

        // Estimate and Std. Error are formatted together, rounded to enough decimals for the smallest magnitude.
        var both = estimates.Concat(errors).ToArray();
        var magnitudes = both.Where(x => double.IsFinite(x) && x != 0).Select(Math.Abs).ToList();
        int decimals = 1;
        if (magnitudes.Count > 0)
        {
            int minDigits = 1 + (int)Math.Floor(Math.Log10(magnitudes.Min()));
            int maxDigits = 1 + (int)Math.Floor(Math.Log10(magnitudes.Max()));
            decimals = Math.Max(1, Math.Max(Digits - minDigits, Digits - maxDigits));
        }
        var formattedBoth = RNumberFormat.Format(both.Select(x => RNumberFormat.Round(x, decimals)).ToArray(), Digits);
        // A non-zero value that would print as zero is written on its own with one digit fewer.
        for (int i = 0; i < both.Length; i++)
        {
            bool shownZero = double.TryParse(formattedBoth[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var shown) && shown == 0;
            if (double.IsFinite(both[i]) && (both[i] == 0) != shownZero)
                formattedBoth[i] = RNumberFormat.Format(both[i], Math.Max(1, Digits - 1));
        }
        var formattedStatistics = RNumberFormat.Format(statistics.Select(x => RNumberFormat.Round(x, statisticDigits)).ToArray(), Digits);

        var headers = new List<string> { "Estimate", "Std. Error", statisticName };
        string[]? pColumn = null, stars = null;
        if (pvalues is not null)
        {
            pColumn = RNumberFormat.FormatPValues(pvalues, statisticDigits);
            headers.Add(pValueName);
            if (pvalues.Any(v => v < 0.1))
            {
                stars = pvalues.Select(Stars).ToArray();
                int width = stars.Max(s => s.Length);
                stars = stars.Select(s => s.PadRight(width)).ToArray();
                headers.Add("");
            }
        }

        var cells = new List<IReadOnlyList<string>>();
        for (int i = 0; i < p; i++)
        {
            var row = new List<string> { formattedBoth[i], formattedBoth[p + i], formattedStatistics[i] };
            if (pColumn is not null) row.Add(pColumn[i]);
            if (stars is not null) row.Add(stars[i]);
            cells.Add(row);
        }
        return (headers, cells, stars is not null);
    }

    private static string Stars(double p) => double.IsNaN(p) ? " " : p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";

    /// <summary>2 Φ(−|z|).</summary>
    internal static double TwoSidedNormalP(double z) =>
        double.IsNaN(z) ? double.NaN : MathNet.Numerics.SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2));

    private static void AppendFixedCorrelation(StringBuilder output, MixedModelFit fit)
    {
        var names = fit.FixedEffects.Select(e => e.Name).ToList();
        int p = names.Count;
        var covariance = fit.FixedEffectsCovariance;
        if (covariance.Count < p || covariance.Any(r => r.Count < p)) return;
        var all = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
            {
                double scale = Math.Sqrt(covariance[a][a] * covariance[b][b]);
                double r = a == b ? 1 : covariance[a][b] / scale;
                all[a * p + b] = RNumberFormat.Round(r, 3);
            }
        var formatted = RNumberFormat.Format(all, 7, 3);
        var rowNames = TextTable.Abbreviate(names, 11);
        var columnNames = TextTable.Abbreviate(names, 6);
        var cells = new List<IReadOnlyList<string>>();
        for (int a = 1; a < p; a++)
            cells.Add(Enumerable.Range(0, p - 1).Select(b => b < a ? formatted[a * p + b] : "").ToList());
        output.Append("\nCorrelation of Fixed Effects:\n");
        TextTable.Append(output, rowNames.Skip(1).ToList(), columnNames.Take(p - 1).ToList(), cells, rightJustify: false);
    }

    private static void AppendTrailer(StringBuilder output, MixedModelFit fit)
    {
        var lines = new List<string>();
        if (fit.IntraclassCorrelation is double icc)
            lines.Add($"ICC: {RNumberFormat.Format(icc, Digits).Trim()}");
        string state = fit.Converged ? "converged" : "did not converge";
        lines.Add($"Optimizer: {fit.Timing.Evaluations.ToString(CultureInfo.InvariantCulture)} objective evaluations, {state}");
        if (!fit.Converged && !string.IsNullOrWhiteSpace(fit.OptimizerMessage)
            && !fit.Notes.Any(n => n.Contains(fit.OptimizerMessage, StringComparison.Ordinal)))
            lines.Add($"optimizer message: {fit.OptimizerMessage}");
        foreach (var note in NotesFor(fit)) lines.Add(note);
        output.Append('\n');
        foreach (var line in lines) output.Append(line).Append('\n');
    }

    /// <summary>The fit's notes, plus the standard ones (rows dropped, aliased columns, singular, not converged) when
    /// the engine did not already write them.</summary>
    internal static List<string> NotesFor(MixedModelFit fit)
    {
        var notes = fit.Notes.ToList();
        bool Mentions(string text) => notes.Any(n => n.Contains(text, StringComparison.OrdinalIgnoreCase));
        if (fit.DroppedRowCount > 0 && !Mentions("dropped"))
            notes.Insert(0, DroppedRowsNote(fit));
        if (fit.AliasedFixedEffects.Count > 0 && !Mentions("rank deficient"))
            notes.Add($"fixed-effect model matrix is rank deficient so dropping {fit.AliasedFixedEffects.Count} column(s): {string.Join(", ", fit.AliasedFixedEffects)}");
        if (fit.IsSingular && !Mentions("singular"))
            notes.Add("boundary (singular) fit: see help('isSingular')");
        if (!fit.Converged && !Mentions("converge"))
            notes.Add("the optimizer did not converge" + (string.IsNullOrWhiteSpace(fit.OptimizerMessage) ? "" : $": {fit.OptimizerMessage}"));
        return notes;
    }

    /// <summary>The note about rows dropped for missing values (the engine's wording when it wrote one).</summary>
    internal static string DroppedRowsNote(MixedModelFit fit) =>
        fit.Notes.FirstOrDefault(n => n.Contains("dropped", StringComparison.OrdinalIgnoreCase) && n.Contains("missing", StringComparison.OrdinalIgnoreCase))
        ?? $"{fit.DroppedRowCount} row{(fit.DroppedRowCount == 1 ? "" : "s")} dropped for missing values; {fit.ObservationCount} used";
}
