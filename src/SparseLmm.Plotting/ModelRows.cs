using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>The data rows a fit used, lined up with the fit's per-row vectors (<see cref="MixedModelFit.Response"/>,
/// <see cref="MixedModelFit.Fitted"/>, ...) through the rows and levels the fit carries
/// (<see cref="MixedModelFit.ObservationRows"/>, <see cref="GroupRandomEffects.ObservationLevels"/>).</summary>
internal sealed class ModelRows
{
    private readonly DataTable data;

    private ModelRows(MixedModelFit fit, DataTable data, int[] kept)
    {
        Fit = fit;
        this.data = data;
        Kept = kept;
    }

    public MixedModelFit Fit { get; }

    /// <summary>Table row of each observation the fit used.</summary>
    public int[] Kept { get; }

    /// <summary>Lines the table up with the fit.</summary>
    /// <exception cref="InputException">The fit carries no rows (made by hand), or the table is not the one the model
    /// was fitted to (too few rows, or a response column that differs from the fit's response).</exception>
    public static ModelRows Build(MixedModelFit fit, DataTable data)
    {
        var kept = fit.ObservationRows.ToArray();
        if (kept.Length != fit.ObservationCount)
            throw new InputException("the fit carries no observation rows to plot against the data: make it with MixedModel.Fit");
        if (kept.Length > 0 && kept.Max() >= data.RowCount)
            throw new InputException(
                $"the data passed for plotting have {data.RowCount} rows but the fit used row {kept.Max() + 1}: pass the table the model was fitted to");
        // A plain numeric response must be the fit's, row for row (a cheap check that this is the fitted table).
        if (data.TryGetColumn(fit.ResponseName, out var column) && column is NumericColumn response)
        {
            for (int i = 0; i < kept.Length; i++)
            {
                if (response.Values[kept[i]] != fit.Response[i])
                    throw new InputException(
                        $"column '{fit.ResponseName}' of the data passed for plotting differs from the fit's response at row {kept[i] + 1}: pass the table the model was fitted to");
            }
        }
        return new ModelRows(fit, data, kept);
    }

    /// <summary>For grouping factor <paramref name="group"/> (e.g. <c>Subject</c> or <c>cask:batch</c>), the index
    /// into <see cref="GroupRandomEffects.Levels"/> of every observation.</summary>
    public int[] LevelIndices(GroupRandomEffects group)
    {
        if (group.ObservationLevels.Count != Kept.Length)
            throw new InputException($"the fit carries no observation levels for '{group.Group}': make it with MixedModel.Fit");
        return group.ObservationLevels.ToArray();
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
