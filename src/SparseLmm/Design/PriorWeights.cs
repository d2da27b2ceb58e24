using SparseLmm.Data;

namespace SparseLmm.Design;

/// <summary>A GLMM's prior weights column, checked, with the rows where it is missing dropped from the data before the
/// design is built (as R's model frame drops them).</summary>
/// <param name="Data">The data without the rows whose weight is missing.</param>
/// <param name="Column">The weights column of <paramref name="Data"/>.</param>
/// <param name="OriginalRow">Each row of <paramref name="Data"/>'s row in the data given, or null when none was dropped.</param>
/// <param name="DroppedRows">How many rows were dropped because the weight is missing.</param>
/// <param name="ZeroWeightRows">How many rows were dropped because their weight is 0 (only when asked to).</param>
internal sealed record PriorWeights(DataTable Data, NumericColumn Column, int[]? OriginalRow, int DroppedRows, int ZeroWeightRows = 0)
{
    /// <summary>Finds and checks the column <paramref name="columnName"/> of <paramref name="data"/>. With
    /// <paramref name="dropZeroWeights"/> (a linear mixed model, where a row of weight 0 carries no information and
    /// its log-weight would be −∞ in the likelihood) rows of weight 0 are dropped too and counted apart.</summary>
    /// <exception cref="InputException">No such column, a text column, or a weight that is negative or not finite.</exception>
    public static PriorWeights Select(DataTable data, string columnName, bool dropZeroWeights = false)
    {
        if (!data.TryGetColumn(columnName, out var column))
        {
            var suggestion = NameSuggestions.ClosestName(columnName, data.Columns.Select(c => c.Name));
            throw new InputException(
                $"unknown weights column '{columnName}' in {data.Source}{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}");
        }
        if (column is not NumericColumn numeric)
            throw new InputException($"weights column '{columnName}' is text; prior weights must be numbers");
        for (int row = 0; row < numeric.Length; row++)
        {
            if (numeric.IsMissing(row)) continue;
            double value = numeric.Values[row];
            if (!double.IsFinite(value) || value < 0)
                throw new InputException(
                    $"{data.Source}: weights column '{columnName}' is {value} at data row {row + 1} (line {row + 2}); prior weights must be finite and non-negative");
        }
        var present = Enumerable.Range(0, numeric.Length).Where(row => !numeric.IsMissing(row)).ToArray();
        var keep = dropZeroWeights ? present.Where(row => numeric.Values[row] > 0).ToArray() : present;
        int dropped = numeric.Length - present.Length, zero = present.Length - keep.Length;
        if (keep.Length == numeric.Length) return new PriorWeights(data, numeric, null, 0);
        var kept = TableRows.Subset(data, keep);
        return new PriorWeights(kept, (NumericColumn)kept[columnName], keep, dropped, zero);
    }

    /// <summary>The 1-based row of the data given for row <paramref name="row"/> of <see cref="Data"/>.</summary>
    public int DataRow(int row) => (OriginalRow is null ? row : OriginalRow[row]) + 1;
}
