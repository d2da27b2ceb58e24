using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Inference;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Streaming;

/// <summary>Fits a linear mixed model to a source without holding its table: a first pass over the formula's columns
/// finds the kept rows and the levels (<see cref="StreamedFrame"/>), the second codes each chunk as the in-memory
/// design would and adds its rows to <see cref="LevelStatistics"/>, and the engine fits from those. Memory grows with
/// the levels and the level pairs that share rows, not with the rows.</summary>
internal static class StreamedFit
{
    /// <summary>Statistics of at least this many rows are loaded between full garbage collections
    /// (<see cref="CollectCompacted"/>).</summary>
    internal const long CollectionRowThreshold = 1 << 20;

    /// <summary>A long pass leaves the chunks it decoded as garbage, large objects the GC collects lazily and does not
    /// move, and once loaded the statistics are garbage too. Collected (and the large-object heap compacted) at these
    /// two phase boundaries, the layout and then the fit's workspaces take the room they left, instead of new memory
    /// beside holes too small for them: without this the peak grew by 10-20 % from 10M to 200M rows, by how the
    /// pass's garbage happened to lie (perf-data/streaming-memory-2026-12-01.md). Two full collections take
    /// milliseconds against a pass of a million rows or more; below that there is little to gain.</summary>
    internal static void CollectCompacted()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>The fit, and the statistics it was fitted from.</summary>
    /// <param name="formula">The model.</param>
    /// <param name="source">The data, read twice.</param>
    /// <param name="options">Gaussian options only: REML or ML, factor columns, threads.</param>
    /// <param name="progress">Told the rows read so far in each pass (pass 1 or 2), then (3, 0) when the fit starts.</param>
    public static MixedModelFit Fit(string formula, IDataSource source, FitOptions options, Action<int, long>? progress = null)
    {
        if (options.QuadratureNodes != 1)
            throw new InputException($"nAGQ = {options.QuadratureNodes} applies to binomial, poisson and Gamma models; a gaussian model is fitted by REML or ML");
        var parsed = FormulaParser.Parse(formula);
        StreamedFormula.Require(parsed, options, "a streamed fit");
        var (terms, statistics, names, label) = Accumulate(parsed, source, options.FactorColumns ?? [], progress, threads: options.Threads);
        progress?.Invoke(3, 0);
        return FitStatistics(parsed, terms, statistics, names, label, options);
    }

    /// <summary>The terms (formula order, without rows), the statistics (layout order), X's column names and the
    /// response's label, from two passes over <paramref name="source"/>.</summary>
    internal static (IReadOnlyList<RandomEffectsDesign> Terms, LevelStatistics Statistics, IReadOnlyList<string> FixedNames, string ResponseLabel)
        Accumulate(ModelFormula formula, IDataSource source, IReadOnlyList<string> factorColumns, Action<int, long>? progress,
            bool allIndicators = false, int? threads = null)
    {
        var frame = StreamedFrame.Scan(formula, source, factorColumns, rows => progress?.Invoke(1, rows), threads);
        var levels = formula.RandomTerms.Select(frame.GroupingLevels).ToArray();
        // The layout's order: most levels first, ties in formula order (as the fitter orders them).
        var order = Enumerable.Range(0, levels.Length).OrderByDescending(t => levels[t].Length).ToArray();
        LevelStatistics? statistics = null;
        IReadOnlyList<string>? fixedNames = null;
        string[][]? termNames = null;
        string label = FormulaText.Format(formula.Response);
        long read = 0;
        foreach (var chunk in ChunkPrefetch.Read(source, frame.Columns, threads))
        {
            var (covariates, grouping, kept) = frame.Tables(chunk);
            var evaluator = new ExpressionEvaluator(covariates, kept, keepAllLevels: true);
            int m = kept.Length;
            if (formula.Response is FunctionCall { Name: "cbind" })
                throw new InputException("cbind(successes, failures) is a binomial response; a gaussian model needs a numeric one (use --family binomial)");
            if (evaluator.Evaluate(formula.Response) is not NumericFactor response)
                throw new InputException(
                    $"response '{label}' is text; a gaussian model needs a numeric response (use --family binomial for a two-level outcome)");
            var fixedPlan = ModelMatrixPlan.Build(formula.HasIntercept, formula.FixedTerms, evaluator, m, allIndicators);
            var plans = formula.RandomTerms.Select(t => ModelMatrixPlan.Build(t.HasIntercept, t.Terms, evaluator, m)).ToArray();
            if (statistics is null) (fixedNames, termNames, statistics) = FirstChunkLayout(formula, fixedPlan, plans, order, levels);
            var levelOfRow = order.Select(t => frame.GroupingCodes(formula.RandomTerms[t], grouping, kept)).ToArray();
            var z = order.Select(t => plans[t].ToRowMajor()).ToArray();
            statistics.Add(m, fixedPlan.ToRowMajor(), response.Values, levelOfRow, z);
            read += chunk.Count == 0 ? 0 : chunk[0].Length;
            progress?.Invoke(2, read);
        }
        RequireSecondPassRows(statistics, frame, source);
        for (int t = 0; t < levels.Length; t++)
            if (levels[t].Length < 2)
                throw new InputException(
                    $"grouping factor '{formula.RandomTerms[t].GroupName}' has only {levels[t].Length} level in the data used; a random effect needs at least 2");
        var terms = formula.RandomTerms.Select((term, t) => new RandomEffectsDesign(term.GroupName, termNames![t], [], levels[t], [])).ToList();
        statistics.DroppedRowCount = frame.DroppedRows;
        statistics.CategoricalLevels = frame.CovariateLevels;
        return (terms, statistics, fixedNames!, label);
    }

    /// <summary>What the first chunk's plans fix for the whole pass: X's column names, each term's column names (a
    /// term without columns refused) and the statistics to sum into, terms in <paramref name="order"/>.</summary>
    internal static (IReadOnlyList<string> FixedNames, string[][] TermNames, LevelStatistics Statistics) FirstChunkLayout(
        ModelFormula formula, ModelMatrixPlan fixedPlan, ModelMatrixPlan[] plans, int[] order, string[][] levels)
    {
        var termNames = plans.Select(plan => plan.Names.ToArray()).ToArray();
        for (int t = 0; t < plans.Length; t++)
            if (termNames[t].Length == 0)
                throw new InputException($"random-effects term for '{formula.RandomTerms[t].GroupName}' has no columns");
        var statistics = new LevelStatistics(order.Select(t => termNames[t].Length).ToArray(),
            order.Select(t => levels[t].Length).ToArray(), fixedPlan.Names.Count + 2);
        return (fixedPlan.Names, termNames, statistics);
    }

    /// <summary>The second pass summed rows, the rows the first pass kept, and no more than the engine counts.</summary>
    internal static void RequireSecondPassRows([System.Diagnostics.CodeAnalysis.NotNull] LevelStatistics? statistics,
        StreamedFrame frame, IDataSource source)
    {
        if (statistics is null || statistics.RowCount == 0)
            throw new InputException($"{source.Source}: no rows left after dropping rows with missing values in the model's columns");
        if (statistics.RowCount != frame.KeptRows)
            throw new InputException(
                $"{source.Source}: the second pass kept {statistics.RowCount:N0} rows where the first kept {frame.KeptRows:N0} (the file changed between passes, or its statistics count no nulls in a column that has some)");
        if (statistics.RowCount > Array.MaxLength)
            throw new InputException($"{source.Source}: more than {Array.MaxLength:N0} rows are used; the engine counts rows in 32 bits");
    }

    /// <summary>Fits from accumulated statistics (streamed, or merged from partitions).</summary>
    internal static MixedModelFit FitStatistics(ModelFormula formula, IReadOnlyList<RandomEffectsDesign> terms,
        LevelStatistics statistics, IReadOnlyList<string> fixedNames, string responseLabel, FitOptions options)
    {
        int n = checked((int)statistics.RowCount);
        DesignChecks.RequireIdentifiable(formula, terms, n, allowEqual: false);
        foreach (var term in terms)
            if (term.LevelCount >= n)
                throw new InputException(
                    $"grouping factor '{term.GroupName}' has {term.LevelCount} levels for {n} observations; a linear mixed model needs fewer levels than observations, or its variance cannot be told apart from the residual");
        var ordered = terms.OrderByDescending(t => t.LevelCount).ToList();
        var threads = new ThreadBudget(options.Threads);
        int dropped = checked((int)statistics.DroppedRowCount);
        bool collect = statistics.RowCount >= CollectionRowThreshold;
        if (collect) CollectCompacted();
        var (products, kept, aliased, byLocation) = StatisticsLoader.Load(statistics, ordered, fixedNames, responseLabel, threads);
        if (collect) CollectCompacted();
        if (options.Reml && n <= kept.Count)
            throw new InputException($"{n} observations are too few for {kept.Count} fixed effects under REML");
        var design = new ModelDesign(formula, n, dropped, [], new NumericResponse(responseLabel, []),
            kept, [], aliased, terms)
        {
            AliasedByLocation = byLocation,
            RowsStreamed = true,
        };
        var fit = LinearMixedModelFitter.Fit(design, products, options.Reml);
        return fit with { Source = new FitSource(design, new DataTable([], "streamed"), options, products) };
    }
}
