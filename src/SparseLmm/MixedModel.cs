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
        if (options.Residual is { AutoregressiveCorrelation: false } structure && (structure.CorrelationGroup ?? structure.CorrelationOrder) is not null)
            throw new InputException("a correlation group or order needs AutoregressiveCorrelation (corAR1) to be set");
        var residual = options.Residual is { VarianceGroup: not null } or { AutoregressiveCorrelation: true } ? options.Residual : null;
        if (residual is not null && !family.IsLinearMixedModel)
            throw new InputException(
                $"residual variance and correlation structures (varIdent, corAR1) apply to gaussian models only, not to a {family.Name} model");
        if (residual is not null && options.WeightsColumn is not null)
            throw new InputException("prior weights cannot be combined with a residual structure (varIdent, corAR1)");
        data = ReferenceLevels.Apply(data, options.ReferenceLevels);
        if (!family.IsLinearMixedModel)
            return GeneralizedMixedModelFitter.Fit(parsed, data, family, options.QuadratureNodes, options.WeightsColumn,
                new ThreadBudget(options.Threads), monitor);
        if (options.QuadratureNodes != 1)
            throw new InputException(
                $"nAGQ = {options.QuadratureNodes} applies to binomial, poisson and Gamma models; a gaussian model is fitted by REML or ML");
        monitor.Enter(FitStage.Rows);
        if (residual is not null)
        {
            // nlme's residual structures: the fit carries no source, so inference built on independent residuals
            // refuses it.
            var residualDesign = ModelDesignBuilder.Build(parsed, data, gaussian: true);
            return ResidualModelFitter.Fit(residualDesign, ResidualDesign.Resolve(residual, data, residualDesign), options.Reml,
                new ThreadBudget(options.Threads), options.MaxEvaluations);
        }
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
        return Fit(formula, LoadData(dataPathOrName, options?.Threads), options, progress, cancellationToken);
    }

    /// <summary>Fits a mixed model to a CSV/TSV, Parquet or Arrow file without reading it into memory: two
    /// passes over the formula's columns, a chunk (row group, record batch, a few megabytes of text) at a time — the
    /// first finds the kept rows and the levels, the second sums the cross-products — so memory grows with the levels
    /// and the level pairs that share rows, not with the rows. The objective equals that of
    /// <see cref="Fit(string, DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/> to rounding (the estimates to the optimiser's resolution); the fit has no per-row fitted values or
    /// residuals (<see cref="MixedModelFit.Fitted"/> is empty), and inference that needs the rows (Kenward–Roger, the
    /// bootstrap, prediction, plots) is not available from it.
    /// <para>A GLMM (binomial, Poisson, Gamma; nAGQ 0 or 1; prior weights except with <c>cbind()</c>) codes its rows in
    /// the second pass into a temporary file, deleted when the fit ends, and reads it once per PIRLS pass: memory grows
    /// with the levels, and the fit equals the in-memory one.</para></summary>
    /// <param name="formula">The model.</param>
    /// <param name="path">The file.</param>
    /// <param name="options">REML or ML, factor columns, threads; for a GLMM the family, nAGQ and weights.</param>
    /// <param name="progress">Told the rows read so far in each pass (1 or 2), then (3, 0) when the optimisation starts;
    /// a GLMM's passes over its coded rows are passes 3, 4, ….</param>
    /// <exception cref="InputException">The formula, the data or the options are not usable; the message says why.</exception>
    public static MixedModelFit FitStreamed(string formula, string path, FitOptions? options = null, Action<int, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(path);
        using var source = DataSource.Open(path);
        return FitStreamed(formula, source, options, progress);
    }

    /// <summary>Fits a linear or generalized linear mixed model to <paramref name="source"/> as
    /// <see cref="FitStreamed(string, string, FitOptions?, Action{int, long}?)"/> fits a file: two passes over the
    /// formula's columns, a chunk at a time (the source is left open).</summary>
    /// <param name="formula">The model.</param>
    /// <param name="source">The data (<see cref="DataSource.Open"/>, <see cref="DataSource.FromTable"/>, a DuckDB query).</param>
    /// <param name="options">REML or ML, factor columns, threads; for a GLMM the family, nAGQ and weights.</param>
    /// <param name="progress">Told the rows read so far in each pass (1 or 2), then (3, 0) when the optimisation starts;
    /// a GLMM's passes over its coded rows are passes 3, 4, ….</param>
    /// <exception cref="InputException">The formula, the data or the options are not usable; the message says why.</exception>
    public static MixedModelFit FitStreamed(string formula, IDataSource source, FitOptions? options = null, Action<int, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(source);
        options ??= FitOptions.Default;
        return options.EffectiveFamily().IsLinearMixedModel
            ? Streaming.StreamedFit.Fit(formula, source, options, progress)
            : Streaming.StreamedGlmmFit.Fit(formula, source, options, progress);
    }

    /// <summary>Writes the sufficient statistics of the linear mixed model <paramref name="formula"/> over one partition
    /// of the data (the file <paramref name="path"/>, streamed as <see cref="FitStreamed"/> streams it) to
    /// <paramref name="outputPath"/>: a Parquet table of triplets keyed by level labels (format in the README), which
    /// <see cref="FitPartials"/> merges with the other partitions'.</summary>
    /// <returns>The rows summed.</returns>
    public static long WritePartial(string formula, string path, string outputPath, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(outputPath);
        using var source = DataSource.Open(path);
        return Streaming.Partials.Write(formula, source, options ?? FitOptions.Default, outputPath, null);
    }

    /// <summary>Fits the linear mixed model <paramref name="formula"/> from partials (<see cref="WritePartial"/>, or
    /// tables of the same triplets computed elsewhere, as Parquet, Arrow or CSV): their sums are merged by level label
    /// and the fit equals the fit to all the partitions' rows at once, to rounding.</summary>
    public static MixedModelFit FitPartials(string formula, IReadOnlyList<string> partialPaths, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(partialPaths);
        return Streaming.Partials.Fit(formula, partialPaths, options ?? FitOptions.Default);
    }

    /// <summary>The ANSI SQL statement (plain SUM/COUNT grouped by level and level pairs, no user-defined functions)
    /// whose result is a partial of <paramref name="formula"/> over <paramref name="table"/>, for
    /// <see cref="FitPartials"/>: every variable but the grouping factors is numeric; categorical covariates are
    /// refused.</summary>
    public static string SufficientStatisticsSql(string formula, string table, IReadOnlyList<string>? factorColumns = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(table);
        return Streaming.SqlStatistics.Query(formula, table, factorColumns ?? []);
    }

    /// <summary>Reads a CSV/TSV, Parquet or Arrow IPC file (told apart by content, see <see cref="ColumnarReader"/>), or
    /// loads an embedded data set by name (sleepstudy, Dyestuff, ...) when no such file exists; <c>-</c> reads standard
    /// input (any of these formats; text gzip-compressed or not).</summary>
    public static DataTable LoadData(string dataPathOrName) => LoadData(dataPathOrName, null);

    /// <summary><see cref="LoadData(string)"/> on at most <paramref name="threads"/> threads, the caller's included (a
    /// CSV file's text is parsed and a Parquet file's row groups decoded in parallel): the budget of
    /// <see cref="FitOptions.Threads"/>, null or 0 for every processor.</summary>
    public static DataTable LoadData(string dataPathOrName, int? threads)
    {
        ArgumentNullException.ThrowIfNull(dataPathOrName);
        var budget = new ThreadBudget(threads);
        if (dataPathOrName == "-")
        {
            using var input = Console.OpenStandardInput();
            return DataSources.ReadStream(input, "<stdin>", budget);
        }
        if (!File.Exists(dataPathOrName) && EmbeddedDatasets.TryLoad(dataPathOrName, out var table)) return table;
        return DataSources.ReadFile(dataPathOrName, budget);
    }
}
