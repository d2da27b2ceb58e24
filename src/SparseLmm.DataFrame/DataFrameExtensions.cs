using Microsoft.Data.Analysis;
using SparseLmm.Data;

namespace SparseLmm.DataFrameAdapter;

/// <summary>A Microsoft.Data.Analysis <see cref="DataFrame"/> as a SparseLmm <see cref="DataTable"/>.</summary>
/// <example><code>
/// var fit = MixedModel.Fit("Reaction ~ Days + (Days | Subject)", frame.ToDataTable());
/// </code></example>
public static class DataFrameExtensions
{
    private static readonly Type[] NumericTypes =
    [
        typeof(double), typeof(float), typeof(decimal), typeof(long), typeof(ulong), typeof(int), typeof(uint),
        typeof(short), typeof(ushort), typeof(byte), typeof(sbyte),
    ];

    /// <summary>One column per DataFrame column, as <see cref="DataTable.FromRecords{T}"/> makes them: numbers become
    /// numeric columns; strings, chars and bools (levels FALSE, TRUE) categorical ones; a null cell is missing.</summary>
    /// <param name="frame">The data frame.</param>
    /// <param name="source">The data's name, used in messages.</param>
    /// <exception cref="InputException">A column holds another type (a DateTime, for example).</exception>
    public static DataTable ToDataTable(this DataFrame frame, string source = "DataFrame")
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(source);
        if (frame.Rows.Count > int.MaxValue)
            throw new InputException($"{source} has {frame.Rows.Count} rows; a table holds at most {int.MaxValue}");
        return new DataTable(frame.Columns.Select(Column).ToList(), source);
    }

    private static DataColumn Column(DataFrameColumn column)
    {
        int n = (int)column.Length;
        var type = column.DataType;
        if (NumericTypes.Contains(type))
        {
            var values = new double[n];
            bool[]? missing = null;
            for (int i = 0; i < n; i++)
            {
                if (column[i] is { } value)
                {
                    values[i] = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                    continue;
                }
                values[i] = double.NaN;
                (missing ??= new bool[n])[i] = true;
            }
            return new NumericColumn(column.Name, values, missing);
        }
        if (type == typeof(string) || type == typeof(char) || type == typeof(bool))
        {
            return CategoricalColumn.FromStrings(column.Name, Enumerable.Range(0, n).Select(i => column[i] switch
            {
                null => null,
                bool flag => flag ? "TRUE" : "FALSE",
                var value => value.ToString(),
            }));
        }
        throw new InputException(
            $"column '{column.Name}' of the data frame holds {type.Name} values, which are neither numbers nor text, chars or bools: leave it out");
    }
}
