using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SparseLmm.Bench;

/// <summary>A summary column that turns the mean time of one operation into a throughput: the amount of work of one
/// operation (rows, bytes, flops) divided by its mean time.</summary>
/// <param name="columnName">Header, e.g. "Rows/s".</param>
/// <param name="amountPerOperation">The work of one operation of a benchmark case.</param>
/// <param name="scale">Divides the throughput for display (1e6 for "M rows/s").</param>
internal sealed class PerSecondColumn(string columnName, Func<BenchmarkCase, double> amountPerOperation, double scale = 1.0) : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(PerSecondColumn) + "." + columnName;

    /// <inheritdoc />
    public string ColumnName => columnName;

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => $"{columnName}: work of one operation divided by its mean time";

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0) return "NA";
        double perSecond = amountPerOperation(benchmarkCase) / (meanNanoseconds.Value * 1e-9) / scale;
        return perSecond.ToString("N1", style.CultureInfo);
    }

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <summary>The value of the benchmark parameter <paramref name="name"/> as a number.</summary>
    public static double Parameter(BenchmarkCase benchmarkCase, string name) =>
        Convert.ToDouble(benchmarkCase.Parameters[name], System.Globalization.CultureInfo.InvariantCulture);
}
