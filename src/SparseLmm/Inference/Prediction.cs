using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>What to do with a grouping level the fit has not seen.</summary>
public enum NewLevelPolicy
{
    /// <summary>Predict at the population level for that term (its random effect taken as 0).</summary>
    Population,
    /// <summary>Refuse (an <see cref="InputException"/>).</summary>
    Error,
}

/// <summary>One prediction.</summary>
/// <param name="Row">Row of the new data (0-based).</param>
/// <param name="Fitted">x'β̂ (+ z'b̂ when random effects are included and the levels are known; + the formula's offset).</param>
/// <param name="StandardError">Approximate standard error of the fitted value: √(x'Cov(β̂)x + z'Cov(b|y)z), the
/// conditional covariances per level (terms taken as independent); unseen levels contribute their full variance
/// z'Σ_b z.</param>
/// <param name="Lower">Lower limit of the prediction interval for a new observation (adds σ̂²).</param>
/// <param name="Upper">Upper limit.</param>
/// <param name="NewLevels">Grouping factors whose level in this row was not in the fit.</param>
public sealed record Prediction(int Row, double Fitted, double StandardError, double Lower, double Upper, IReadOnlyList<string> NewLevels)
{
    /// <summary>Grouping factors whose level in this row was not in the fit (frozen: see <see cref="MixedModelFit"/>).</summary>
    public IReadOnlyList<string> NewLevels { get; init => field = Frozen.List(value); } = Frozen.List(NewLevels);
}

/// <summary>Predictions from a fitted linear mixed model for new data, coded as the training data were.</summary>
public static class Predictor
{
    /// <summary>Predicts for every row of <paramref name="newData"/> (rows with a missing predictor give NaN).</summary>
    /// <param name="fit">A linear mixed model fitted by <see cref="MixedModel.Fit(string, DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/> (it
    /// carries its design and training data).</param>
    /// <param name="newData">The new rows; needs the predictor and grouping columns, not the response.</param>
    /// <param name="includeRandomEffects">Add the conditional modes of known levels (true) or predict the population
    /// mean x'β̂ (false).</param>
    /// <param name="newLevels">What to do with levels not seen in the fit.</param>
    /// <param name="level">Level of the prediction intervals.</param>
    /// <exception cref="InputException">The fit is not a linear mixed model, or the new data lack a column or a level.</exception>
    public static IReadOnlyList<Prediction> Predict(this MixedModelFit fit, DataTable newData, bool includeRandomEffects = true,
        NewLevelPolicy newLevels = NewLevelPolicy.Population, double level = 0.95)
    {
        var model = FittedMixedModel.Of(fit);
        ArgumentNullException.ThrowIfNull(newData);
        ConfidenceIntervalMethods.CheckLevel(level);
        var formula = model.Design.Formula;
        var training = model.Data;
        foreach (var column in model.Options.FactorColumns ?? [])
            if (newData.TryGetColumn(column, out _)) newData = ColumnConversions.ToCategorical(newData, column);

        // Columns the right-hand side uses.
        var responseNames = new HashSet<string>(FormulaParser.Variables(new ModelFormula(formula.Text, formula.Response, false, [], [])).Select(v => v.Name));
        var used = FormulaParser.Variables(formula).Select(v => v.Name).Distinct().Where(n => !responseNames.Contains(n)).ToList();
        var groupingNames = formula.RandomTerms.SelectMany(t => t.GroupingVariables).ToHashSet();
        foreach (var name in used)
            if (!newData.TryGetColumn(name, out _))
                throw new InputException($"the new data {newData.Source} have no column '{name}', which the model uses");

        // Stack the kept training rows and the new rows, coded on the training levels, so factors code the same way.
        int trainingRows = model.Design.RowCount;
        var kept = model.Design.KeptRows;
        var newComplete = Enumerable.Range(0, newData.RowCount).Where(r => used.All(c => !newData[c].IsMissing(r))).ToArray();
        // A numeric grouping column is categorical in its grouping factor only; as a covariate it stays numeric.
        var columns = new List<DataColumn>();
        var groupingColumns = new List<DataColumn>();
        foreach (var name in used)
        {
            var trainingColumn = training[name];
            var stackedColumn = Stack(name, trainingColumn, newData[name], kept, newComplete, newData.Source);
            columns.Add(stackedColumn);
            groupingColumns.Add(groupingNames.Contains(name) && trainingColumn is NumericColumn numericGrouping
                ? Stack(name, ColumnConversions.ToCategorical(numericGrouping), newData[name], kept, newComplete, newData.Source)
                : stackedColumn);
        }
        var stacked = new DataTable(columns, newData.Source);
        var stackedGrouping = new DataTable(groupingColumns, newData.Source);
        var allRows = Enumerable.Range(0, trainingRows + newComplete.Length).ToArray();
        // scale() and poly() transform the new rows with the statistics fitted to the training data.
        var evaluator = new ExpressionEvaluator(stacked, allRows, model.Design.TransformStatistics);
        int total = allRows.Length;

        var fixedColumns = ModelMatrixColumns.Build(formula.HasIntercept, formula.FixedTerms, evaluator, total);
        var names = fit.FixedEffects.Select(e => e.Name).ToList();
        int p = names.Count;
        var x = new double[newComplete.Length * p];
        for (int c = 0; c < fixedColumns.Names.Count; c++)
        {
            int j = names.IndexOf(fixedColumns.Names[c]);
            var values = fixedColumns.Columns[c];
            for (int r = 0; r < newComplete.Length; r++)
            {
                double v = values[trainingRows + r];
                if (j >= 0) x[r * p + j] = v;
                else if (v != 0 && !fit.AliasedFixedEffects.Contains(fixedColumns.Names[c]))
                    throw new InputException($"{newData.Source} line {newComplete[r] + 2}: the row needs fixed-effect column '{fixedColumns.Names[c]}', which the fit does not have (a level not seen in the training data)");
            }
        }

        // Offsets are part of the prediction, as in lme4's predict(): evaluated on the new rows.
        var offset = ModelDesignBuilder.Offset(formula, evaluator, total);

        // Conditional covariances of b per term and level, at the fit's θ.
        var terms = model.Source.Terms;
        var theta = fit.Theta.ToArray();
        var conditional = ConditionalCovariances(model, terms, theta, out var factors);
        double sigma = fit.Sigma ?? 0, s2 = sigma * sigma;

        var fitted = new double[newComplete.Length];
        var variance = new double[newComplete.Length];
        var unseen = Enumerable.Range(0, newComplete.Length).Select(_ => new List<string>()).ToArray();
        for (int r = 0; r < newComplete.Length; r++)
        {
            if (offset is not null) fitted[r] = offset[trainingRows + r];
            for (int j = 0; j < p; j++) fitted[r] += x[r * p + j] * fit.FixedEffects[j].Estimate;
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) variance[r] += x[r * p + a] * fit.FixedEffectsCovariance[a][b] * x[r * p + b];
        }
        foreach (var (term, t) in terms.Select((term, t) => (term, t)))
        {
            var spec = formula.RandomTerms[IndexOfReference(model.Design.RandomTerms, term)];
            var z = ModelMatrixColumns.Build(spec.HasIntercept, spec.Terms, evaluator, total);
            var grouping = GroupingFactorBuilder.Build(spec.GroupingVariables, stackedGrouping, allRows);
            var levelIndex = term.Levels.Select((label, index) => (label, index)).ToDictionary(e => e.label, e => e.index, StringComparer.Ordinal);
            int k = term.ColumnCount;
            var effects = fit.RandomEffects[term.GroupName];
            var effectColumns = term.TermNames.Select(name => effects.Terms.ToList().IndexOf(name)).ToArray();
            var effectLevel = term.Levels.Select(label => effects.Levels.ToList().IndexOf(label)).ToArray();
            // Σ_b = σ² T T'.
            var sigmaB = new double[k * k];
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    for (int c = 0; c < k; c++) sigmaB[a * k + b] += s2 * factors[t][a * k + c] * factors[t][b * k + c];
            for (int r = 0; r < newComplete.Length; r++)
            {
                string label = grouping.Levels[grouping.Codes[trainingRows + r]];
                var zr = Enumerable.Range(0, k).Select(c => z.Columns[c][trainingRows + r]).ToArray();
                if (levelIndex.TryGetValue(label, out int known) && includeRandomEffects)
                {
                    for (int c = 0; c < k; c++) fitted[r] += zr[c] * effects.Values[effectLevel[known]][effectColumns[c]];
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++) variance[r] += zr[a] * conditional[t][known * k * k + a * k + b] * zr[b];
                }
                else
                {
                    if (!levelIndex.ContainsKey(label))
                    {
                        if (newLevels == NewLevelPolicy.Error)
                            throw new InputException($"{newData.Source} line {newComplete[r] + 2}: level '{label}' of '{term.GroupName}' was not seen in the fit");
                        if (!unseen[r].Contains(term.GroupName)) unseen[r].Add(term.GroupName);
                    }
                    if (includeRandomEffects)
                        for (int a = 0; a < k; a++)
                            for (int b = 0; b < k; b++) variance[r] += zr[a] * sigmaB[a * k + b] * zr[b];
                }
            }
        }

        double zq = Distributions.NormalQuantile(0.5 + level / 2);
        var result = new Prediction[newData.RowCount];
        for (int row = 0; row < newData.RowCount; row++)
            result[row] = new Prediction(row, double.NaN, double.NaN, double.NaN, double.NaN, []);
        for (int r = 0; r < newComplete.Length; r++)
        {
            double half = zq * Math.Sqrt(variance[r] + s2);
            result[newComplete[r]] = new Prediction(newComplete[r], fitted[r], Math.Sqrt(variance[r]), fitted[r] - half, fitted[r] + half, unseen[r]);
        }
        return result;
    }

    private static int IndexOfReference(IReadOnlyList<RandomEffectsDesign> terms, RandomEffectsDesign term)
    {
        for (int i = 0; i < terms.Count; i++) if (ReferenceEquals(terms[i], term)) return i;
        throw new InvalidOperationException("random-effects term not found in the design");
    }

    /// <summary>σ² T C T' per level of each term (C the unscaled conditional covariance of û).</summary>
    private static double[][] ConditionalCovariances(FittedMixedModel model, IReadOnlyList<RandomEffectsDesign> terms, double[] theta, out double[][] factors)
    {
        var deviance = new ProfiledDeviance(model.Source.Products, model.Reml);
        var solution = ModeSolution.Compute(deviance, theta);
        double s2 = (model.Fit.Sigma ?? 0) * (model.Fit.Sigma ?? 0);
        factors = new double[terms.Count][];
        var result = new double[terms.Count][];
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            factors[t] = new double[k * k];
            deviance.Parameterization.FillFactor(theta, t, factors[t]);
            var cond = solution.UnscaledConditionalCovariance[t];
            result[t] = new double[terms[t].LevelCount * k * k];
            for (int level = 0; level < terms[t].LevelCount; level++)
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++)
                    {
                        double v = 0;
                        for (int c = 0; c < k; c++)
                            for (int d = 0; d < k; d++)
                                v += factors[t][a * k + c] * cond[level * k * k + c * k + d] * factors[t][b * k + d];
                        result[t][level * k * k + a * k + b] = s2 * v;
                    }
        }
        return result;
    }

    /// <summary>The training column's kept rows followed by the new column's complete rows, as one column: categorical
    /// values are matched by label onto the training levels (new labels appended).</summary>
    private static DataColumn Stack(string name, DataColumn training, DataColumn fresh, int[] kept, int[] freshRows, string source)
    {
        if (training is NumericColumn numeric)
        {
            if (fresh is not NumericColumn freshNumeric)
                throw new InputException(fresh is CategoricalColumn { FirstText: { } cell }
                    ? $"{source} line {cell.Line}: column '{name}' is numeric in the training data, but this cell of the new data is text: '{cell.Text}'"
                    : $"column '{name}' is numeric in the training data but not in the new data");
            return new NumericColumn(name, kept.Select(r => numeric.Values[r]).Concat(freshRows.Select(r => freshNumeric.Values[r])).ToArray());
        }
        var categorical = (CategoricalColumn)training;
        var freshCategorical = ColumnConversions.AsCategorical(fresh);
        var levels = categorical.Levels.ToList();
        var index = levels.Select((l, i) => (l, i)).ToDictionary(e => e.l, e => e.i, StringComparer.Ordinal);
        var codes = kept.Select(r => categorical.Codes[r]).ToList();
        foreach (var r in freshRows)
        {
            string label = freshCategorical.Levels[freshCategorical.Codes[r]];
            if (!index.TryGetValue(label, out int code))
            {
                code = levels.Count;
                levels.Add(label);
                index[label] = code;
            }
            codes.Add(code);
        }
        return new CategoricalColumn(name, codes.ToArray(), levels.ToArray());
    }
}
