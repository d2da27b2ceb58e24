using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Glmm;
using SparseLmm.Inference;
using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm;

/// <summary>The front door: fit a mixed model from an lme4 formula and a table.</summary>
/// <example><code>
/// var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy"));
/// Console.WriteLine(fit.Summary());
/// </code></example>
public static class MixedModel
{
    /// <summary>Fits <paramref name="formula"/> to <paramref name="data"/>.</summary>
    /// <param name="formula">An lme4 formula, e.g. <c>Reaction ~ 1 + Days + (1 + Days | Subject)</c>.</param>
    /// <param name="data">The table the formula's columns come from.</param>
    /// <param name="options">Method, family, weights, threads and the evaluation limit; null for the defaults.</param>
    /// <param name="progress">Hears what the fit is doing (see <see cref="FitProgress"/>); called on the fitting thread.</param>
    /// <param name="cancellationToken">Stops the fit: it is looked at before every objective evaluation, every PIRLS
    /// step and every 65,536 rows of a pass over the rows.</param>
    /// <exception cref="InputException">The formula, the data or the options are not usable; the message says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static MixedModelFit Fit(string formula, DataTable data, FitOptions? options = null,
        IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(data);
        options ??= FitOptions.Default;
        if (options.MaxEvaluations < 1)
            throw new InputException($"the evaluation limit must be at least 1 (got {options.MaxEvaluations})");
        var monitor = new FitMonitor(cancellationToken, progress, options.MaxEvaluations);
        monitor.ThrowIfCancelled();
        var family = options.EffectiveFamily();
        var parsed = FormulaParser.Parse(formula);
        foreach (var column in options.FactorColumns ?? [])
            data = ColumnConversions.ToCategorical(data, column);
        data = ReferenceLevels.Apply(data, options.ReferenceLevels);
        if (!family.IsLinearMixedModel)
            return GeneralizedMixedModelFitter.Fit(parsed, data, family, options.QuadratureNodes, options.WeightsColumn,
                new ThreadBudget(options.Threads), monitor);
        if (options.QuadratureNodes != 1)
            throw new InputException(
                $"nAGQ = {options.QuadratureNodes} applies to binomial, poisson and Gamma models; a gaussian model is fitted by REML or ML");
        monitor.Enter(FitStage.Rows);
        var weights = options.WeightsColumn is null ? null : PriorWeights.Select(data, options.WeightsColumn, dropZeroWeights: true);
        data = weights?.Data ?? data;
        var design = ModelDesignBuilder.Build(parsed, data, gaussian: true, weights);
        var fit = LinearMixedModelFitter.Fit(design, options.Reml, new ThreadBudget(options.Threads), out var products, monitor);
        // Rows dropped for their weights are rows of the caller's table too: the observations count in its rows.
        if (weights is not null)
            fit = fit with { ObservationRows = design.KeptRows.Select(row => weights.DataRow(row) - 1).ToArray() };
        return StructuredFixedCovariance.Apply(fit with { Source = new FitSource(design, data, options, products) });
    }

    /// <summary>Fits <paramref name="formula"/> to a CSV/TSV file or an embedded data set named <paramref name="dataPathOrName"/>
    /// (see <see cref="Fit(string, DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>).</summary>
    public static MixedModelFit Fit(string formula, string dataPathOrName, FitOptions? options = null,
        IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(formula);
        return Fit(formula, LoadData(dataPathOrName), options, progress, cancellationToken);
    }

    /// <summary>Reads a CSV/TSV file, or loads an embedded data set by name (sleepstudy, Dyestuff, ...) when no such
    /// file exists; <c>-</c> reads standard input (CSV or TSV, gzip-compressed or not).</summary>
    public static DataTable LoadData(string dataPathOrName)
    {
        ArgumentNullException.ThrowIfNull(dataPathOrName);
        if (dataPathOrName == "-")
        {
            using var input = Console.OpenStandardInput();
            return CsvReader.ReadStream(input, "<stdin>");
        }
        return !File.Exists(dataPathOrName) && EmbeddedDatasets.TryLoad(dataPathOrName, out var table)
            ? table
            : CsvReader.ReadFile(dataPathOrName);
    }
}
