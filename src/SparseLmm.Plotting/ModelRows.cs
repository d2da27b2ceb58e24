using SparseLmm.Data;
using SparseLmm.Formulas;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>The data rows a fit used, lined up with the fit's per-row vectors (<see cref="MixedModelFit.Response"/>,
/// <see cref="MixedModelFit.Fitted"/>, ...): the rows of the table with no missing value in a column the formula
/// uses, as the engine keeps them.</summary>
internal sealed class ModelRows
{
    private readonly DataTable data;

    private ModelRows(MixedModelFit fit, DataTable data, ModelFormula formula, int[] kept)
    {
        Fit = fit;
        this.data = data;
        Formula = formula;
        Kept = kept;
    }

    public MixedModelFit Fit { get; }

    public ModelFormula Formula { get; }

    /// <summary>Table row of each observation the fit used.</summary>
    public int[] Kept { get; }

    /// <summary>Lines the table up with the fit.</summary>
    /// <exception cref="InputException">The table lacks a column of the formula, or its complete rows are not as many
    /// as the fit's observations (not the table the model was fitted to).</exception>
    public static ModelRows Build(MixedModelFit fit, DataTable data)
    {
        var formula = FormulaParser.Parse(fit.Formula);
        var columns = new List<DataColumn>();
        foreach (var name in FormulaParser.VariableNames(formula))
        {
            if (!data.TryGetColumn(name, out var column))
                throw new InputException($"the data passed for plotting have no column '{name}', which the model uses");
            columns.Add(column);
        }

        var kept = new List<int>(data.RowCount);
        for (int row = 0; row < data.RowCount; row++)
        {
            bool missing = false;
            foreach (var column in columns) missing |= column.IsMissing(row);
            if (!missing) kept.Add(row);
        }
        if (kept.Count != fit.ObservationCount)
            throw new InputException(
                $"the data passed for plotting have {kept.Count} complete rows for the model's columns but the fit used " +
                $"{fit.ObservationCount}: pass the table the model was fitted to");
        return new ModelRows(fit, data, formula, kept.ToArray());
    }

    /// <summary>For grouping factor <paramref name="group"/> (e.g. <c>Subject</c> or <c>cask:batch</c>), the index
    /// into <see cref="GroupRandomEffects.Levels"/> of every observation.</summary>
    public int[] LevelIndices(GroupRandomEffects group)
    {
        var term = Formula.RandomTerms.FirstOrDefault(t => t.GroupName == group.Group)
            ?? throw new InputException($"the formula has no grouping factor '{group.Group}'");
        var columns = term.GroupingVariables.Select(v => ColumnConversions.AsCategorical(data[v])).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < group.Levels.Count; i++) index[group.Levels[i]] = i;

        var result = new int[Kept.Length];
        for (int i = 0; i < Kept.Length; i++)
        {
            int row = Kept[i];
            string label = columns.Length == 1
                ? columns[0].Levels[columns[0].Codes[row]]
                : string.Join(":", columns.Select(c => c.Levels[c.Codes[row]]));
            if (!index.TryGetValue(label, out result[i]))
                throw new InputException($"level '{label}' of '{group.Group}' in the data is not among the fit's levels");
        }
        return result;
    }

    /// <summary>The values of a model-matrix column over the observations: 1 for <c>(Intercept)</c>, the column's
    /// values for the name of a numeric data column; null for anything else (a transform, a factor's dummy).</summary>
    public double[]? ColumnValues(string name)
    {
        if (name == "(Intercept)")
            return Enumerable.Repeat(1.0, Kept.Length).ToArray();
        if (!data.TryGetColumn(name, out var column) || column is not NumericColumn numeric)
            return null;
        return Kept.Select(row => numeric.Values[row]).ToArray();
    }

    /// <summary>True when <paramref name="name"/> is a numeric column of the data.</summary>
    public bool IsNumericColumn(string name) =>
        data.TryGetColumn(name, out var column) && column is NumericColumn;
}
