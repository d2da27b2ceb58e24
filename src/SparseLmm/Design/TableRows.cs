using SparseLmm.Data;

namespace SparseLmm.Design;

/// <summary>Row subsets of tables: the rows a design is built from when some are dropped before the formula is
/// evaluated (missing prior weights, the rows two compared models have in common).</summary>
internal static class TableRows
{
    /// <summary>The table of <paramref name="rows"/> (in that order), every column kept.</summary>
    public static DataTable Subset(DataTable table, int[] rows) =>
        new(table.Columns.Select(column => column switch
        {
            NumericColumn numeric => (DataColumn)new NumericColumn(numeric.Name, rows.Select(r => numeric.Values[r]).ToArray(),
                numeric.Missing is null ? null : rows.Select(r => numeric.Missing[r]).ToArray()),
            CategoricalColumn categorical => new CategoricalColumn(categorical.Name, rows.Select(r => categorical.Codes[r]).ToArray(), categorical.Levels),
            _ => throw new InvalidOperationException($"unsupported column type {column.GetType().Name}"),
        }).ToList(), table.Source);
}
