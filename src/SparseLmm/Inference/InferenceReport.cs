using System.Globalization;
using System.Text;
using SparseLmm.Reporting;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>Text for inference results: the lme4 summary with lmerTest's df and Pr(&gt;|t|) columns, interval tables.</summary>
internal static class InferenceReport
{
    /// <summary>The fit's summary with the fixed-effects table replaced by one with df and p-value columns (as
    /// lmerTest's summary), followed by any intervals and the ICC.</summary>
    public static string Summary(MixedModelFit fit, string? dataName, IReadOnlyList<FixedEffectTest>? tests, DdfMethod method,
        IReadOnlyList<ConfidenceIntervals>? intervals = null, IntraclassCorrelation? icc = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var text = SummaryWriter.Write(fit, dataName);
        if (tests is not null && tests.Count == fit.FixedEffects.Count && tests.Count > 0)
        {
            int start = text.IndexOf("\nFixed effects:\n", StringComparison.Ordinal);
            if (start >= 0)
            {
                int bodyStart = start + "\nFixed effects:\n".Length;
                int end = text.IndexOf("\n\n", bodyStart, StringComparison.Ordinal);
                if (end < 0) end = text.Length - 1;
                text = text[..bodyStart] + FixedEffectsTable(tests, method) + text[(end + 1)..];
            }
        }
        var tail = new StringBuilder();
        foreach (var ci in intervals ?? [])
            tail.Append('\n').Append(IntervalTable(ci));
        if (icc is not null)
            tail.Append(CultureInfo.InvariantCulture, $"\nICC: {Format(icc.Estimate)}  {Percent(icc.Level)} CI ({icc.Method}): [{Format(icc.Lower)}, {Format(icc.Upper)}]\n");
        return text + tail;
    }

    /// <summary>Estimate, Std. Error, df, t value, Pr(&gt;|t|) and significance stars, as lmerTest prints them.</summary>
    public static string FixedEffectsTable(IReadOnlyList<FixedEffectTest> tests, DdfMethod method)
    {
        var effects = tests.Select(t => new FixedEffect(t.Name, t.Estimate, t.StandardError)).ToList();
        bool normal = method == DdfMethod.None;
        var table = SummaryWriter.CoefficientTable(effects, tests.Select(t => t.PValue).ToList(), normal ? "z value" : "t value");
        var headers = table.Headers.ToList();
        var cells = table.Cells.Select(r => r.ToList()).ToList();
        if (!normal)
        {
            headers.Insert(2, "df");
            var df = RNumberFormat.Format(tests.Select(t => RNumberFormat.Round(t.Df, 3)).ToArray(), 4);
            for (int i = 0; i < cells.Count; i++) cells[i].Insert(2, df[i]);
            int p = headers.IndexOf("Pr(>|z|)");
            if (p >= 0) headers[p] = "Pr(>|t|)";
        }
        var output = new StringBuilder();
        TextTable.Append(output, tests.Select(t => t.Name).ToList(), headers, cells.Select(c => (IReadOnlyList<string>)c).ToList(), rightJustify: true);
        if (table.Stars) output.Append("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
        output.Append(method switch
        {
            DdfMethod.Satterthwaite => "(degrees of freedom by Satterthwaite's method)\n",
            DdfMethod.KenwardRoger => "(Kenward-Roger: adjusted standard errors and degrees of freedom)\n",
            _ => "(z tests against the normal distribution)\n",
        });
        return output.ToString();
    }

    /// <summary>A table of intervals with R's column names (2.5 %, 97.5 %).</summary>
    public static string IntervalTable(ConfidenceIntervals intervals)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        var output = new StringBuilder();
        output.Append(CultureInfo.InvariantCulture, $"Confidence intervals ({intervals.Method}, level {Format(intervals.Level)}):\n");
        double tail = (1 - intervals.Level) / 2;
        var headers = new List<string> { Percent(tail), Percent(1 - tail) };
        var cells = intervals.Names.Select((_, i) => (IReadOnlyList<string>)[Format(intervals.Lower[i]), Format(intervals.Upper[i])]).ToList();
        TextTable.Append(output, intervals.Names, headers, cells, rightJustify: true);
        return output.ToString();
    }

    private static string Percent(double p) => (100 * p).ToString("0.###", CultureInfo.InvariantCulture) + " %";

    private static string Format(double value) => double.IsNaN(value) ? "NA" : value.ToString("G7", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
}
