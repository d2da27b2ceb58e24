using System.Globalization;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Glmm;
using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>The likelihood-ratio test of a smaller model nested in a bigger one, both fitted by ML.</summary>
/// <param name="Small">The smaller model's formula.</param>
/// <param name="Big">The bigger model's formula.</param>
/// <param name="ObservationCount">Rows used by both fits (complete in every column either model uses).</param>
/// <param name="LogLikSmall">ML log-likelihood of the smaller model.</param>
/// <param name="LogLikBig">ML log-likelihood of the bigger model.</param>
/// <param name="DfSmall">Parameters of the smaller model (fixed effects, θ, σ).</param>
/// <param name="DfBig">Parameters of the bigger model.</param>
/// <param name="Statistic">2 (ℓ_big − ℓ_small).</param>
/// <param name="Df">DfBig − DfSmall.</param>
/// <param name="PValue">The p-value: the chi-bar-square mixture's when <see cref="Mixture"/> is set, else the naive one.</param>
/// <param name="PNaive">P(χ²(df) &gt; statistic).</param>
/// <param name="Mixture">The null distribution used for a variance on the boundary, e.g. <c>0.5*chi2(0) + 0.5*chi2(1)</c>;
/// null when the naive χ² applies.</param>
/// <param name="Notes">What the reader should know (ML refits, conservative tests).</param>
public sealed record LikelihoodRatioTest(
    string Small, string Big, int ObservationCount,
    double LogLikSmall, double LogLikBig, int DfSmall, int DfBig,
    double Statistic, int Df, double PValue, double PNaive, string? Mixture, IReadOnlyList<string> Notes)
{
    /// <summary>The family of both models.</summary>
    public Family Family { get; init; } = Family.Gaussian();

    /// <summary>The link of both models.</summary>
    public Link Link => Family.Link;

    /// <summary>What the reader should know (frozen: see <see cref="MixedModelFit"/>).</summary>
    public IReadOnlyList<string> Notes { get; init => field = Frozen.List(value); } = Frozen.List(Notes);

    /// <summary>True when both fits converged.</summary>
    public bool Converged { get; init; } = true;

    /// <summary>GLMMs: the quadrature nodes of both fits (1 = Laplace); null for linear mixed models.</summary>
    public int? QuadratureNodes { get; init; }

    /// <summary>AIC of the smaller model.</summary>
    public double AicSmall => -2 * LogLikSmall + 2 * DfSmall;
    /// <summary>AIC of the bigger model.</summary>
    public double AicBig => -2 * LogLikBig + 2 * DfBig;
    /// <summary>BIC of the smaller model.</summary>
    public double BicSmall => -2 * LogLikSmall + Math.Log(ObservationCount) * DfSmall;
    /// <summary>BIC of the bigger model.</summary>
    public double BicBig => -2 * LogLikBig + Math.Log(ObservationCount) * DfBig;
}

/// <summary>One row of an information-criteria table.</summary>
public sealed record InformationCriteriaRow(string Formula, string Method, int Df, double LogLikelihood, double Aic, double Bic, double DeltaAic);

/// <summary>Likelihood-ratio tests of nested models and information-criteria tables.</summary>
public static class ModelComparison
{
    /// <summary>Fits <paramref name="small"/> and <paramref name="big"/> by ML to the rows complete for both and tests
    /// the smaller against the bigger. <paramref name="small"/> may have no random-effects term (the linear model,
    /// fitted by least squares). When the bigger model adds exactly one variance (with any covariances and fixed effects
    /// besides), the variance is on the boundary under the null and the p-value uses ½χ²(df−1) + ½χ²(df) (Self and
    /// Liang 1987; Stram and Lee 1994).</summary>
    /// <exception cref="InputException">A formula is unusable, or the models are not nested.</exception>
    public static LikelihoodRatioTest Compare(DataTable data, string small, string big, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(big);
        options ??= FitOptions.Default;
        var family = options.EffectiveFamily();
        bool generalized = !family.IsLinearMixedModel;
        if (!generalized && options.WeightsColumn is not null)
            throw new InputException("compare does not take prior weights for a gaussian model (fit does); compare the two weighted fits' log-likelihoods from fit --json");
        if (!generalized && options.QuadratureNodes != 1)
            throw new InputException(
                $"nAGQ = {options.QuadratureNodes} applies to binomial, poisson and Gamma models; a gaussian model is fitted by REML or ML");
        foreach (var column in options.FactorColumns ?? []) data = ColumnConversions.ToCategorical(data, column);
        data = ReferenceLevels.Apply(data, options.ReferenceLevels);
        var smallFormula = FormulaParser.Parse(small);
        var bigFormula = FormulaParser.Parse(big);
        if (bigFormula.RandomTerms.Count == 0)
            throw new InputException($"BIG '{big}' has no random-effects term; compare tests a mixed model against a smaller model");
        if (generalized && smallFormula.RandomTerms.Count == 0)
            throw new InputException(
                $"SMALL '{small}' has no random-effects term: comparing a {family.Name} mixed model with a model without random effects (a GLM) is not supported; give SMALL a random-effects term");
        var weightColumns = options.WeightsColumn is null ? Array.Empty<string>() : [options.WeightsColumn];
        var smallColumns = FormulaParser.Variables(smallFormula).Select(v => v.Name).Concat(weightColumns).Distinct().ToList();
        var bigColumns = FormulaParser.Variables(bigFormula).Select(v => v.Name).Concat(weightColumns).Distinct().ToList();
        var columns = smallColumns.Concat(bigColumns).Distinct().ToList();
        foreach (var c in columns)
            if (!data.TryGetColumn(c, out _)) throw new InputException($"unknown column '{c}' in {data.Source}");
        CheckSameRows(data, smallColumns, bigColumns);
        var rows = Enumerable.Range(0, data.RowCount).Where(r => columns.All(c => !data[c].IsMissing(r))).ToArray();
        var common = rows.Length == data.RowCount ? data : TableRows.Subset(data, rows);
        CheckSameResponse(smallFormula, bigFormula, common, rows);

        var bigDesign = ModelDesignBuilder.Build(bigFormula, common, gaussian: !generalized);
        MixedModelFit bigFit;
        SmallSide smallSide;
        var notes = new List<string>();
        if (generalized)
        {
            bigFit = GeneralizedMixedModelFitter.Fit(bigFormula, common, family, options.QuadratureNodes, options.WeightsColumn,
                new ThreadBudget(options.Threads), new FitMonitor(maxEvaluations: options.MaxEvaluations));
            var smallDesign = ModelDesignBuilder.Build(smallFormula, common);
            var smallFit = GeneralizedMixedModelFitter.Fit(smallFormula, common, family, options.QuadratureNodes, options.WeightsColumn,
                new ThreadBudget(options.Threads), new FitMonitor(maxEvaluations: options.MaxEvaluations));
            smallSide = new SmallSide(smallFit.LogLikelihood, smallFit.DegreesOfFreedom, smallDesign.FixedEffectNames,
                smallDesign.RandomTerms, smallFit.Converged, smallFit.ObservationCount);
            string method = options.QuadratureNodes switch
            {
                0 => "nAGQ = 0 (lme4's fast fit; its likelihood is the Laplace approximation at the stage-one optimum)",
                1 => "the Laplace approximation",
                _ => $"adaptive Gauss-Hermite quadrature with {options.QuadratureNodes} nodes",
            };
            notes.Add($"{family.Name} ({family.Link.Name}) models; log-likelihoods by {method}");
        }
        else
        {
            bigFit = LinearMixedModelFitter.Fit(bigDesign, reml: false, new ThreadBudget(options.Threads), out _,
                new FitMonitor(maxEvaluations: options.MaxEvaluations));
            smallSide = FitSmall(smallFormula, common, options.MaxEvaluations);
            if (options.Reml) notes.Add("models refitted with ML (instead of REML) for the likelihood-ratio test");
        }
        if (bigFit.ObservationCount != smallSide.RowCount)
            throw new InputException(
                $"SMALL was fitted to {smallSide.RowCount} rows and BIG to {bigFit.ObservationCount}: a likelihood-ratio test needs the same rows");
        CheckNested(smallSide.FixedNames, smallSide.RandomTerms, bigDesign, small, big);

        int dfBig = bigFit.DegreesOfFreedom;
        int df = dfBig - smallSide.Df;
        if (df <= 0) throw new InputException($"SMALL has {smallSide.Df} parameters and BIG {dfBig}: BIG must have more");
        double statistic = Math.Max(0, 2 * (bigFit.LogLikelihood - smallSide.LogLik));
        double naive = Distributions.ChiSquareUpperTail(statistic, df);
        int addedVariances = bigDesign.RandomTerms.Sum(t => t.ColumnCount) - smallSide.RandomTerms.Sum(t => t.ColumnCount);
        string? mixture = null;
        double p = naive;
        if (addedVariances == 1)
        {
            mixture = $"0.5*chi2({df - 1}) + 0.5*chi2({df})";
            p = 0.5 * Distributions.ChiSquareUpperTail(statistic, df - 1) + 0.5 * naive;
            if (statistic == 0) p = 1;
        }
        else if (addedVariances > 1 && df == addedVariances && AddsOnlyScalarTerms(smallSide.RandomTerms, bigDesign.RandomTerms))
        {
            // k independent variances, each on its boundary under the null: Σ_j C(k, j)/2^k χ²_j (Self and Liang, 1987).
            var weights = Enumerable.Range(0, df + 1).Select(j => BinomialCoefficient(df, j) / Math.Pow(2, df)).ToArray();
            mixture = string.Join(" + ", weights.Select((w, j) => $"{w.ToString("G", System.Globalization.CultureInfo.InvariantCulture)}*chi2({j})"));
            p = statistic == 0 ? 1 : Enumerable.Range(1, df).Sum(j => weights[j] * Distributions.ChiSquareUpperTail(statistic, j));
        }
        else if (addedVariances > 1)
            notes.Add($"BIG adds {addedVariances} variances with covariances or other parameters: the naive chi-square p-value is used and is conservative (the null puts them on the boundary)");
        if (!bigFit.Converged) notes.Add($"BIG: the optimiser did not converge ({bigFit.OptimizerMessage})");
        if (!smallSide.Converged) notes.Add("SMALL: the optimiser did not converge");
        return new LikelihoodRatioTest(small, big, rows.Length, smallSide.LogLik, bigFit.LogLikelihood, smallSide.Df, dfBig,
            statistic, df, p, naive, mixture, notes)
        {
            Family = family,
            QuadratureNodes = generalized ? options.QuadratureNodes : null,
            Converged = bigFit.Converged && smallSide.Converged,
        };
    }

    /// <summary>AIC/BIC table for candidate models fitted to the same data, sorted as given, with ΔAIC from the best.</summary>
    /// <exception cref="InputException">REML fits whose fixed effects differ (their REML likelihoods are not comparable), a mix
    /// of REML and ML fits, or different numbers of observations.</exception>
    public static IReadOnlyList<InformationCriteriaRow> InformationCriteria(IReadOnlyList<MixedModelFit> fits)
    {
        ArgumentNullException.ThrowIfNull(fits);
        if (fits.Count == 0) return [];
        if (fits.Select(f => f.ObservationCount).Distinct().Count() > 1)
            throw new InputException("the models were fitted to different numbers of observations; information criteria are not comparable");
        bool anyReml = fits.Any(f => f.Method == EstimationMethod.Reml);
        if (anyReml)
        {
            if (fits.Any(f => f.Method != EstimationMethod.Reml))
                throw new InputException("some models are REML fits and some are not: refit all by ML to compare them");
            var first = string.Join("\u0001", fits[0].FixedEffects.Select(e => e.Name).Order(StringComparer.Ordinal));
            if (fits.Any(f => string.Join("\u0001", f.FixedEffects.Select(e => e.Name).Order(StringComparer.Ordinal)) != first))
                throw new InputException("REML fits with different fixed effects cannot be compared by AIC/BIC: refit them by ML");
        }
        double best = fits.Min(f => f.Aic);
        return fits.Select(f => new InformationCriteriaRow(f.Formula, f.Method.ToString(), f.DegreesOfFreedom, f.LogLikelihood, f.Aic, f.Bic, f.Aic - best)).ToList();
    }

    /// <summary>True when BIG has all of SMALL's random terms and adds only terms with a single column each.</summary>
    private static bool AddsOnlyScalarTerms(IReadOnlyList<RandomEffectsDesign> small, IReadOnlyList<RandomEffectsDesign> big)
    {
        static string Key(RandomEffectsDesign term) => term.GroupName + "|" + string.Join(",", term.TermNames);
        var smallKeys = small.Select(Key).ToList();
        var remaining = big.Select(Key).ToList();
        foreach (var key in smallKeys)
            if (!remaining.Remove(key)) return false;
        return big.Where(t => remaining.Contains(Key(t))).All(t => t.ColumnCount == 1);
    }

    private static double BinomialCoefficient(int n, int k)
    {
        double value = 1;
        for (int i = 1; i <= k; i++) value = value * (n - k + i) / i;
        return value;
    }

    private sealed record SmallSide(double LogLik, int Df, IReadOnlyList<string> FixedNames, IReadOnlyList<RandomEffectsDesign> RandomTerms,
        bool Converged, int RowCount);

    private static SmallSide FitSmall(ModelFormula formula, DataTable table, int maxEvaluations)
    {
        if (formula.RandomTerms.Count > 0)
        {
            var design = ModelDesignBuilder.Build(formula, table, gaussian: true);
            var fit = LinearMixedModelFitter.Fit(design, reml: false, threads: null, out _, new FitMonitor(maxEvaluations: maxEvaluations));
            return new SmallSide(fit.LogLikelihood, fit.DegreesOfFreedom, design.FixedEffectNames, design.RandomTerms,
                fit.Converged, fit.ObservationCount);
        }
        var ols = LinearModel.Fit(formula, table);
        return new SmallSide(ols.LogLikelihood, ols.Names.Count + 1, ols.Names, [], true, ols.RowCount);
    }

    /// <summary>Refuses SMALL and BIG when the rows left after dropping missing values differ (a column one model
    /// uses is missing where the other has data): their likelihoods would be of different data.</summary>
    private static void CheckSameRows(DataTable data, IReadOnlyList<string> smallColumns, IReadOnlyList<string> bigColumns)
    {
        bool Complete(int row, IEnumerable<string> names) => names.All(c => !data[c].IsMissing(row));
        int smallRows = 0, bigRows = 0;
        var onlySmall = new List<int>();
        var onlyBig = new List<int>();
        for (int row = 0; row < data.RowCount; row++)
        {
            bool inSmall = Complete(row, smallColumns), inBig = Complete(row, bigColumns);
            if (inSmall) smallRows++;
            if (inBig) bigRows++;
            if (inSmall && !inBig) onlySmall.Add(row);
            if (inBig && !inSmall) onlyBig.Add(row);
        }
        if (onlySmall.Count == 0 && onlyBig.Count == 0) return;
        string Reason(List<int> rows, IReadOnlyList<string> otherColumns, string other)
        {
            var culprits = otherColumns.Where(c => rows.Any(r => data[c].IsMissing(r))).ToList();
            return $"{rows.Count} row{(rows.Count == 1 ? "" : "s")} (first: data row {rows[0] + 1}, line {rows[0] + 2}) where {other}'s column{(culprits.Count == 1 ? "" : "s")} {string.Join(", ", culprits.Select(c => $"'{c}'"))} {(culprits.Count == 1 ? "is" : "are")} missing";
        }
        var reasons = new List<string>();
        if (onlySmall.Count > 0) reasons.Add($"SMALL uses {Reason(onlySmall, bigColumns, "BIG")}");
        if (onlyBig.Count > 0) reasons.Add($"BIG uses {Reason(onlyBig, smallColumns, "SMALL")}");
        throw new InputException(
            $"SMALL and BIG would be fitted to different rows ({smallRows} and {bigRows} after dropping missing values): {string.Join("; ", reasons)}; a likelihood-ratio test needs the same rows (drop those rows from the data first)");
    }

    /// <summary>Refuses SMALL and BIG when their responses differ on the rows both use (e.g. Reaction and
    /// log(Reaction)): a likelihood-ratio test compares two models of the same data.</summary>
    private static void CheckSameResponse(ModelFormula small, ModelFormula big, DataTable table, int[] dataRows)
    {
        var rows = Enumerable.Range(0, table.RowCount).ToArray();
        var evaluator = new ExpressionEvaluator(table, rows);
        static IEnumerable<FormulaExpression> Parts(FormulaExpression response) =>
            response is FunctionCall { Name: "cbind" } cbind ? cbind.Arguments : [response];
        string smallLabel = FormulaText.Format(small.Response), bigLabel = FormulaText.Format(big.Response);
        var smallParts = Parts(small.Response).ToList();
        var bigParts = Parts(big.Response).ToList();
        string Differ(string detail) =>
            $"SMALL and BIG have different responses ('{smallLabel}' and '{bigLabel}'{detail}): a likelihood-ratio test compares two models of the same response";
        if (smallParts.Count != bigParts.Count) throw new InputException(Differ(""));
        for (int k = 0; k < smallParts.Count; k++)
        {
            var a = evaluator.Evaluate(smallParts[k]);
            var b = evaluator.Evaluate(bigParts[k]);
            var aValues = Values(a);
            var bValues = Values(b);
            for (int i = 0; i < aValues.Length; i++)
            {
                if (aValues[i] == bValues[i]) continue;
                throw new InputException(Differ(
                    $"; at data row {dataRows[i] + 1} they are {aValues[i]} and {bValues[i]}"));
            }
        }
    }

    private static string[] Values(EvaluatedFactor factor) => factor switch
    {
        NumericFactor numeric => numeric.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
        CategoricalFactor categorical => categorical.Codes.Select(c => c < 0 ? "NA" : categorical.Levels[c]).ToArray(),
        _ => throw new InvalidOperationException("unknown factor kind"),
    };

    private static void CheckNested(IReadOnlyList<string> smallFixed, IReadOnlyList<RandomEffectsDesign> smallRandom,
        ModelDesign big, string small, string bigText)
    {
        var missing = smallFixed.Except(big.FixedEffectNames).ToList();
        if (missing.Count > 0)
            throw new InputException($"SMALL is not nested in BIG: fixed effect{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)} of '{small}' not in '{bigText}'");
        foreach (var term in smallRandom)
        {
            bool contained = big.RandomTerms.Any(b => b.GroupName == term.GroupName && term.TermNames.All(b.TermNames.Contains))
                || term.TermNames.All(name => big.RandomTerms.Any(b => b.GroupName == term.GroupName && b.TermNames.Contains(name)));
            if (!contained)
                throw new InputException($"SMALL is not nested in BIG: random effects ({string.Join(" + ", term.TermNames)} | {term.GroupName}) of '{small}' are not in '{bigText}'");
        }
        foreach (var term in smallRandom)
        {
            // A correlated term in SMALL cannot be nested in uncorrelated terms of BIG.
            if (term.ColumnCount > 1 && !big.RandomTerms.Any(b => b.GroupName == term.GroupName && term.TermNames.All(b.TermNames.Contains)))
                throw new InputException($"SMALL is not nested in BIG: the correlated term ({string.Join(" + ", term.TermNames)} | {term.GroupName}) is split in '{bigText}'");
        }
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The ordinary linear model y = Xβ + ε by least squares, for a SMALL model without random effects.</summary>
internal sealed record LinearModel(IReadOnlyList<string> Names, double[] Beta, double ResidualSquares, int RowCount)
{
    /// <summary>ML log-likelihood with σ̂² = RSS/n.</summary>
    public double LogLikelihood => -0.5 * RowCount * (Math.Log(2 * Math.PI * ResidualSquares / RowCount) + 1);

    public static LinearModel Fit(ModelFormula formula, DataTable table)
    {
        var rows = Enumerable.Range(0, table.RowCount)
            .Where(r => FormulaParser.Variables(formula).All(v => !table[v.Name].IsMissing(r))).ToArray();
        var evaluator = new ExpressionEvaluator(table, rows);
        var y = evaluator.Evaluate(formula.Response) is NumericFactor numeric
            ? numeric.Values
            : throw new InputException("the response must be numeric");
        var columns = ModelMatrixColumns.Build(formula.HasIntercept, formula.FixedTerms, evaluator, rows.Length);
        var aliased = AliasedColumns.Find(columns.Columns);
        var kept = Enumerable.Range(0, columns.Columns.Count).Except(aliased).ToList();
        int n = rows.Length, p = kept.Count;
        var xtx = new double[p * p];
        var xty = new double[p];
        for (int a = 0; a < p; a++)
        {
            var ca = columns.Columns[kept[a]];
            for (int i = 0; i < n; i++) xty[a] += ca[i] * y[i];
            for (int b = 0; b < p; b++)
            {
                var cb = columns.Columns[kept[b]];
                double v = 0;
                for (int i = 0; i < n; i++) v += ca[i] * cb[i];
                xtx[a * p + b] = v;
            }
        }
        var beta = new double[p];
        if (p > 0)
        {
            var inverse = SmallMatrix.Inverse(xtx, p) ?? throw new InputException("the fixed-effects model matrix is singular");
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) beta[a] += inverse[a * p + b] * xty[b];
        }
        double rss = 0;
        for (int i = 0; i < n; i++)
        {
            double fitted = 0;
            for (int a = 0; a < p; a++) fitted += columns.Columns[kept[a]][i] * beta[a];
            rss += (y[i] - fitted) * (y[i] - fitted);
        }
        return new LinearModel(kept.Select(j => columns.Names[j]).ToList(), beta, rss, n);
    }
}
