using SparseLmm.Data;
using SparseLmm.Formulas;
using SparseLmm.Results;

namespace SparseLmm.Design;

/// <summary>Turns a formula and a table into a <see cref="ModelDesign"/>: checks the columns, drops rows with missing
/// values in used columns, evaluates transforms and codes every term.</summary>
internal static class ModelDesignBuilder
{
    /// <summary>Builds the design, or throws <see cref="InputException"/> naming what is wrong. Everything that can be
    /// refused is checked before the fixed-effects matrix is built (whose aliasing check and fit cost O(n·p²) and
    /// O(p³)).</summary>
    /// <param name="formula">The model.</param>
    /// <param name="table">The data.</param>
    /// <param name="gaussian">True for a linear mixed model: lme4's stricter identifiability rule (fewer levels and
    /// random effects per term than observations); a GLMM may have as many (lme4's <c>allow.n</c>).</param>
    /// <param name="weights">A linear mixed model's prior weights, selected from <paramref name="table"/> (whose rows
    /// without a positive weight are already gone), or null.</param>
    public static ModelDesign Build(ModelFormula formula, DataTable table, bool gaussian = false, PriorWeights? weights = null)
    {
        if (formula.RandomTerms.Count == 0)
            throw new InputException(
                $"formula '{formula.Text}' has no random-effects term such as (1 | group); a mixed model needs at least one");
        var uses = FormulaParser.Variables(formula);
        foreach (var use in uses) RequireColumn(table, use);
        DesignChecks.RequireNoStrayText(formula, table);
        // Grouping variables are categorical in the grouping factors only: a numeric column used as a grouping factor
        // and as a covariate stays numeric as a covariate (lme4: Reaction ~ Days + (1|Days) fits one Days slope).
        var groupingTable = GroupingVariablesAsCategorical(formula, table);

        var keptRows = RowsWithoutMissingValues(table, uses.Select(u => u.Name).Distinct());
        int dropped = table.RowCount - keptRows.Length;
        if (keptRows.Length == 0)
            throw new InputException($"{table.Source}: no rows left after dropping {dropped} rows with missing values in the model's columns");
        int n = keptRows.Length;
        var evaluator = new ExpressionEvaluator(table, keptRows);

        var response = EvaluateResponse(formula.Response, evaluator);
        DesignChecks.RequireVaryingResponse(response, n);
        var offset = Offset(formula, evaluator, n);
        if (gaussian && offset is not null && response is NumericResponse numericResponse)
            response = new NumericResponse(numericResponse.Label, numericResponse.Values.Select((y, i) => y - offset[i]).ToArray());
        var randomTerms = formula.RandomTerms.Select(term => BuildRandomTerm(term, groupingTable, keptRows, evaluator)).ToList();
        DesignChecks.RequireIdentifiable(formula, randomTerms, n, allowEqual: !gaussian);
        // A far slope is centred by the fit itself, which refuses one beyond its reach (Engine/CentredFrame).
        DesignChecks.RequireVaryingSlopes(formula, randomTerms);

        // X is written row-major straight from the factors (no array per column); aliased columns, which are rare,
        // are found from it and then left out of a second packing.
        var fixedPlan = ModelMatrixPlan.Build(formula.HasIntercept, formula.FixedTerms, evaluator, n);
        int p = fixedPlan.Columns.Count;
        var x = fixedPlan.ToRowMajor();
        var aliased = AliasedColumns.FindRowMajor(x, p);
        var byLocation = AliasedColumns.AliasedOnlyByLocation(x, p, fixedPlan.Names.ToList().IndexOf("(Intercept)"), aliased);
        var keptFixed = Enumerable.Range(0, p).Except(aliased).ToList();
        if (aliased.Count > 0)
        {
            x = null!;
            x = fixedPlan.ToRowMajor(keptFixed);
        }

        return new ModelDesign(
            formula, n, dropped + (weights?.DroppedRows ?? 0), keptRows, response, keptFixed.Select(j => fixedPlan.Names[j]).ToList(),
            keptFixed.Count == 0 ? [] : x,
            aliased.Select(j => fixedPlan.Names[j]).ToList(), randomTerms)
        {
            AliasedByLocation = byLocation.Select(j => fixedPlan.Names[j]).ToList(),
            Offset = offset,
            Weights = weights is null ? null : keptRows.Select(row => weights.Column.Values[row]).ToArray(),
            ZeroWeightRowCount = weights?.ZeroWeightRows ?? 0,
            TransformStatistics = evaluator.Statistics.ToDictionary(),
        };
    }

    /// <summary>The sum of the formula's offsets per kept row (R adds several), or null when it has none.</summary>
    internal static double[]? Offset(ModelFormula formula, ExpressionEvaluator evaluator, int rowCount)
    {
        if (formula.Offsets.Count == 0) return null;
        var total = new double[rowCount];
        foreach (var expression in formula.Offsets)
        {
            var values = evaluator.EvaluateNumeric(expression);
            for (int i = 0; i < rowCount; i++) total[i] += values[i];
        }
        return total;
    }

    private static void RequireColumn(DataTable table, VariableUse use)
    {
        if (table.TryGetColumn(use.Name, out _)) return;
        var suggestion = NameSuggestions.ClosestName(use.Name, table.Columns.Select(c => c.Name));
        var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
        var where = use.Position >= 0 ? $"formula error at column {use.Column}: " : "";
        throw new InputException($"{where}unknown column '{use.Name}' in {table.Source}{hint}");
    }

    private static DataTable GroupingVariablesAsCategorical(ModelFormula formula, DataTable table)
    {
        foreach (var name in formula.RandomTerms.SelectMany(t => t.GroupingVariables).Distinct())
        {
            if (table[name] is NumericColumn numeric)
            {
                for (int i = 0; i < numeric.Length; i++)
                {
                    if (!numeric.IsMissing(i) && !double.IsFinite(numeric.Values[i]))
                        throw new InputException(
                            $"{table.Source}: grouping column '{name}' has a non-finite value at data row {i + 1} (line {i + 2})");
                }
                table = ColumnConversions.ToCategorical(table, name);
            }
        }
        return table;
    }

    private static int[] RowsWithoutMissingValues(DataTable table, IEnumerable<string> usedColumns)
    {
        // Only columns that can have missing cells matter: numeric ones with flags, categorical ones (code −1).
        var columns = usedColumns.Select(name => table[name])
            .Where(c => c is not NumericColumn { Missing: null }).ToArray();
        int n = table.RowCount;
        bool[]? missing = null;
        int missingCount = 0;
        foreach (var column in columns)
        {
            var codes = (column as CategoricalColumn)?.Codes;
            var flags = (column as NumericColumn)?.Missing;
            for (int row = 0; row < n; row++)
            {
                if (!(codes is not null ? codes[row] < 0 : flags is not null ? flags[row] : column.IsMissing(row))) continue;
                missing ??= new bool[n];
                if (!missing[row]) missingCount++;
                missing[row] = true;
            }
        }
        var kept = new int[n - missingCount];
        for (int row = 0, at = 0; row < n; row++)
            if (missing is null || !missing[row]) kept[at++] = row;
        return kept;
    }

    internal static ModelResponse EvaluateResponse(FormulaExpression response, ExpressionEvaluator evaluator)
    {
        var label = FormulaText.Format(response);
        if (response is FunctionCall { Name: "cbind" } cbind)
        {
            if (cbind.Arguments.Count != 2)
                throw new InputException(
                    $"formula error at column {cbind.Position + 1}: cbind() takes two arguments (successes, failures)");
            return new BinomialCountsResponse(
                label, evaluator.EvaluateNumeric(cbind.Arguments[0]), evaluator.EvaluateNumeric(cbind.Arguments[1]));
        }
        return evaluator.Evaluate(response) switch
        {
            CategoricalFactor categorical => new CategoricalResponse(label, categorical.Codes, categorical.Levels),
            NumericFactor numeric => new NumericResponse(label, numeric.Values),
            _ => throw new InvalidOperationException("unknown factor kind"),
        };
    }

    private static RandomEffectsDesign BuildRandomTerm(
        RandomEffectsTerm term, DataTable table, int[] keptRows, ExpressionEvaluator evaluator)
    {
        var columns = ModelMatrixPlan.Build(term.HasIntercept, term.Terms, evaluator, keptRows.Length);
        if (columns.Columns.Count == 0)
            throw new InputException($"random-effects term for '{term.GroupName}' has no columns");
        var grouping = GroupingFactorBuilder.Build(term.GroupingVariables, table, keptRows);
        if (grouping.Levels.Length < 2)
            throw new InputException(
                $"grouping factor '{term.GroupName}' has only {grouping.Levels.Length} level in the data used; a random effect needs at least 2");
        if (term.Structure is CovarianceStructure.CompoundSymmetry or CovarianceStructure.AutoRegressive && columns.Columns.Count < 2)
            throw new InputException(
                $"{FormulaText.Format(term)} has one column, so its correlation cannot be estimated; {term.Structure.Name()}() needs at least two, as in {term.Structure.Name()}(0 + factor(time) | {term.GroupName})");
        return new RandomEffectsDesign(term.GroupName, columns.Names, grouping.Codes, grouping.Levels, columns.ToRowMajor())
        {
            Structure = term.Structure,
        };
    }
}
