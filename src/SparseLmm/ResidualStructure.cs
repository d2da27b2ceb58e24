using System.Text.RegularExpressions;

namespace SparseLmm;

/// <summary>A structure for the residuals of a linear mixed model, as nlme's <c>lme</c> takes them: a separate residual
/// variance per level of a factor (<c>weights = varIdent(form = ~ 1 | g)</c>) and/or a first-order autoregressive
/// correlation within groups (<c>correlation = corAR1(form = ~ t | g)</c>). Empty properties mean independent residuals of
/// one variance, as lme4 fits.</summary>
/// <example><code>
/// var options = new FitOptions { Residual = ResidualStructure.Parse("varIdent(~ 1 | Sex)", null) };
/// var fit = MixedModel.Fit("distance ~ age + Sex + (1 | Subject)", "Orthodont.csv", options);
/// </code></example>
public sealed partial record ResidualStructure
{
    /// <summary>varIdent's grouping column: each of its levels gets its own residual SD, reported as a ratio to the SD
    /// of the first level (nlme's choice: the level of the first row once rows are sorted by the random-effects
    /// grouping). Null: one residual variance.</summary>
    public string? VarianceGroup { get; init; }

    /// <summary>True for corAR1: residuals of rows in the same group are correlated ρ^lag, ρ estimated with the other
    /// parameters.</summary>
    public bool AutoregressiveCorrelation { get; init; }

    /// <summary>corAR1's grouping column. It must be the random-effects grouping factor or nested within every one.
    /// Null: the model's grouping factor (when it has only one).</summary>
    public string? CorrelationGroup { get; init; }

    /// <summary>corAR1's order column, whole numbers distinct within a group: rows are ordered by it, and the lag of two
    /// rows is the difference of their values (nlme: corAR1 becomes corARMA(1, 0) when the steps are not all 1). Null:
    /// the rows' order in the data, the lag their difference in position.</summary>
    public string? CorrelationOrder { get; init; }

    /// <summary>Parses nlme's spellings: <c>varIdent(~ 1 | g)</c> and <c>corAR1(~ t | g)</c>, <c>corAR1(~ 1 | g)</c> (data
    /// order) or <c>corAR1()</c> / <c>corAR1(~ t)</c> (on the model's only grouping factor); <c>form =</c> may be
    /// written. Either may be null.</summary>
    /// <exception cref="InputException">A text is not one of these forms; the message shows the accepted ones.</exception>
    public static ResidualStructure Parse(string? variance, string? correlation)
    {
        var structure = new ResidualStructure();
        if (variance is not null)
        {
            var match = VarIdentPattern().Match(variance);
            if (!match.Success)
                throw new InputException($"variance structure '{variance}' is not understood: write varIdent(~ 1 | GROUP)");
            structure = structure with { VarianceGroup = match.Groups["group"].Value };
        }
        if (correlation is not null)
        {
            var match = CorAr1Pattern().Match(correlation);
            if (!match.Success)
                throw new InputException(
                    $"correlation structure '{correlation}' is not understood: write corAR1(~ ORDER | GROUP), corAR1(~ 1 | GROUP) or corAR1()");
            string order = match.Groups["order"].Value, group = match.Groups["group"].Value;
            structure = structure with
            {
                CorrelationOrder = order is "" or "1" ? null : order,
                CorrelationGroup = group == "" ? null : group,
                AutoregressiveCorrelation = true,
            };
        }
        return structure;
    }

    [GeneratedRegex(@"^\s*varIdent\s*\(\s*(form\s*=\s*)?~\s*1\s*\|\s*(?<group>[^\s|~()]+)\s*\)\s*$")]
    private static partial Regex VarIdentPattern();

    [GeneratedRegex(@"^\s*corAR1\s*\(\s*((form\s*=\s*)?~\s*(?<order>[^\s|~()]+)\s*(\|\s*(?<group>[^\s|~()]+)\s*)?)?\)\s*$")]
    private static partial Regex CorAr1Pattern();
}
