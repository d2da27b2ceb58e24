using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Glmm;
using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Streaming;

/// <summary>Fits a GLMM (binomial, Poisson, Gamma; Laplace or nAGQ = 0) to a source without holding its table. Pass 1
/// finds the kept rows and the levels (<see cref="StreamedFrame"/>); pass 2 codes each chunk as the in-memory design
/// would, sums the level pairs and X's Gram matrix (<see cref="LevelStatistics"/>: the layouts and the aliased columns)
/// and writes the coded rows to a <see cref="GlmmSpill"/>; then the in-memory fitter's stages run with every PIRLS pass
/// reading the spill (<see cref="StreamedRowPasses"/>). What is held grows with the levels, the level pairs and p, not
/// with the rows; the fit equals the in-memory one (the same arithmetic in the same row order) and has no per-row
/// results.</summary>
internal static class StreamedGlmmFit
{
    /// <summary>The fit.</summary>
    /// <param name="formula">The model.</param>
    /// <param name="source">The data, read twice.</param>
    /// <param name="options">The family and link, nAGQ (0 or 1), factor columns, threads, the evaluation limit.</param>
    /// <param name="progress">Told (pass, rows read so far in it): 1 and 2 for the source, 3 onwards for the passes
    /// over the coded rows.</param>
    /// <param name="cancellation">Stops the fit between blocks.</param>
    /// <param name="blockRows">Rows per block of the spill (tests take a few to cross many block boundaries).</param>
    public static MixedModelFit Fit(string formula, IDataSource source, FitOptions options, Action<int, long>? progress,
        CancellationToken cancellation = default, int blockRows = GlmmSpill.DefaultBlockRows)
    {
        var family = options.EffectiveFamily();
        if (options.QuadratureNodes > 1)
            throw new InputException(
                $"nAGQ = {options.QuadratureNodes} (adaptive Gauss-Hermite quadrature) is not available for a streamed fit; use nAGQ = 1 (Laplace) or 0, or fit in memory (without --stream)");
        if (options.Residual is { VarianceGroup: not null } or { AutoregressiveCorrelation: true })
            throw new InputException(
                $"residual variance and correlation structures (varIdent, corAR1) apply to gaussian models only, not to a {family.Name} model");
        if (options.MaxEvaluations < 1)
            throw new InputException($"the evaluation limit must be at least 1 (got {options.MaxEvaluations})");
        var parsed = FormulaParser.Parse(formula);
        StreamedFormula.Require(parsed, options, "a streamed fit", allowWeights: true);
        if (options.WeightsColumn is { } weightsName)
        {
            if (!source.ColumnNames.Contains(weightsName))
            {
                var suggestion = NameSuggestions.ClosestName(weightsName, source.ColumnNames);
                throw new InputException(
                    $"unknown weights column '{weightsName}' in {source.Source}{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}");
            }
            // lme4's m (the trials a row's binomial coefficient counts) depends on whether any row of the whole data
            // has more than one trial, which a chunk cannot know, and the log-likelihood's constants are summed chunk by chunk.
            if (parsed.Response is FunctionCall { Name: "cbind" })
                throw new InputException("a streamed fit takes prior weights (--weights) with a 0/1 or proportion response, not with cbind(successes, failures); fit it in memory (without --stream)");
        }
        var frame = StreamedFrame.Scan(parsed, source, options.FactorColumns ?? [], rows => progress?.Invoke(1, rows), options.Threads,
            options.WeightsColumn is null ? [] : [options.WeightsColumn]);
        var levels = parsed.RandomTerms.Select(frame.GroupingLevels).ToArray();
        // The layout's order: most levels first, ties in formula order (as the fitter orders them).
        var order = Enumerable.Range(0, levels.Length).OrderByDescending(t => levels[t].Length).ToArray();
        GlmmSpill? spill = null;
        try
        {
            // No local holds the coded rows' statistics: FitCoded lets them go once the layouts are built.
            return FitCoded(parsed, Code(parsed, source, frame, family, order, levels, options.WeightsColumn, progress, options.Threads,
                    cancellation, columns => spill = new GlmmSpill(columns.Fixed, columns.Terms, blockRows)),
                spill!, family, order, levels, frame, options, progress, cancellation);
        }
        finally
        {
            spill?.Dispose();
        }
    }

    /// <summary>What pass 2 leaves besides the spill.</summary>
    private sealed record CodedRows(LevelStatistics Statistics, IReadOnlyList<string> FixedNames, string[][] TermNames,
        string Label, GlmmResponse Totals, int[] RowsOfFirstLevel, TermMoments Moments);

    /// <summary>Pass 2: each chunk coded, summed and spilled; the response checked as the in-memory fit checks it.</summary>
    private static CodedRows Code(ModelFormula formula, IDataSource source, StreamedFrame frame, Family family, int[] order,
        string[][] levels, string? weightsName, Action<int, long>? progress, int? threads, CancellationToken cancellation,
        Func<(int Fixed, int[] Terms), GlmmSpill> createSpill)
    {
        LevelStatistics? statistics = null;
        GlmmSpill? spill = null;
        IReadOnlyList<string>? fixedNames = null;
        string[][]? termNames = null;
        string label = FormulaText.Format(formula.Response);
        long read = 0;
        double weightSum = 0, weightedLogY = 0, weightedY = 0, offset = 0;
        TermMoments? moments = null;
        bool exact = true, varying = false;
        double? firstY = null;
        CategoricalResponse? categorical = null;
        var usedCodes = new HashSet<int>();
        var rowsOfFirstLevel = new int[levels[order[0]].Length];
        foreach (var chunk in ChunkPrefetch.Read(source, frame.Columns, threads))
        {
            cancellation.ThrowIfCancellationRequested();
            var (covariates, grouping, kept) = frame.Tables(chunk);
            var evaluator = new ExpressionEvaluator(covariates, kept, keepAllLevels: true);
            int m = kept.Length;
            long before = read;
            read += chunk.Count == 0 ? 0 : chunk[0].Length;
            if (m == 0)
            {
                progress?.Invoke(2, read);
                continue;
            }
            var modelResponse = ModelDesignBuilder.EvaluateResponse(formula.Response, evaluator);
            int DataRow(int i) => (int)Math.Min(int.MaxValue, before + kept[i] + 1);
            var weights = weightsName is null ? null : ChunkWeights(covariates, weightsName, kept, DataRow, source.Source);
            var response = GlmmResponse.Build(modelResponse, family, weights, DataRow, weightsName, wholeData: false);
            var fixedPlan = ModelMatrixPlan.Build(formula.HasIntercept, formula.FixedTerms, evaluator, m);
            var plans = formula.RandomTerms.Select(t => ModelMatrixPlan.Build(t.HasIntercept, t.Terms, evaluator, m)).ToArray();
            if (statistics is null)
            {
                (fixedNames, termNames, statistics) = StreamedFit.FirstChunkLayout(formula, fixedPlan, plans, order, levels);
                spill = createSpill((fixedNames.Count, order.Select(t => termNames[t].Length).ToArray()));
            }
            var levelOfRow = order.Select(t => frame.GroupingCodes(formula.RandomTerms[t], grouping, kept)).ToArray();
            var z = order.Select(t => plans[t].ToRowMajor()).ToArray();
            var x = fixedPlan.ToRowMajor();
            statistics.Add(m, x, response.Y, levelOfRow, z);
            foreach (int level in levelOfRow[0]) rowsOfFirstLevel[level]++;
            moments = (moments ?? TermMoments.Empty(order.Select(t => termNames![t].Length).ToArray())).Add(m, z);
            spill!.Append(m, x, response.Y, response.Weights, response.MuStart, levelOfRow, z);
            // The totals in row order, as the in-memory response adds them.
            response.AddTotals(ref weightSum, ref weightedLogY, ref weightedY);
            var (chunkExact, chunkOffset) = response.SaturatedOffset(offset);
            exact &= chunkExact;
            offset = chunkOffset;
            firstY ??= response.Y[0];
            varying |= response.Y.Any(value => value != firstY);
            if (modelResponse is CategoricalResponse text)
            {
                categorical = text;
                usedCodes.UnionWith(text.Codes);
            }
            progress?.Invoke(2, read);
        }
        StreamedFit.RequireSecondPassRows(statistics, frame, source);
        if (categorical is not null && usedCodes.Count > 2)
        {
            var used = usedCodes.Order().ToArray();
            throw new InputException(
                $"binomial response '{label}' has {used.Length} levels ({string.Join(", ", used.Take(5).Select(c => categorical.Levels[c]))}{(used.Length > 5 ? ", ..." : "")}); it needs two, the first sorted level being failure");
        }
        if (!varying)
            throw new InputException($"response '{label}' is constant ({firstY} on every row); a {family.Name} model needs at least two distinct values");
        if (weightSum <= 0)
            throw new InputException(weightsName is not null
                ? $"every prior weight in '{weightsName}' is 0; nothing to fit"
                : $"binomial response '{label}' has no trials in any row; nothing to fit");
        if (!exact && family.Kind != FamilyKind.Gamma)
            throw new InputException(
                $"a streamed {family.Name} fit needs whole-number counts (its log-likelihood's constants are summed as the rows pass); fit this response in memory (without --stream)");
        return new CodedRows(statistics, fixedNames!, termNames!, label, GlmmResponse.Totals(family, weightSum, weightedLogY, weightedY, exact, offset),
            rowsOfFirstLevel, moments!);
    }

    private static MixedModelFit FitCoded(ModelFormula formula, CodedRows coded, GlmmSpill spill, Family family, int[] order,
        string[][] levels, StreamedFrame frame, FitOptions options, Action<int, long>? progress, CancellationToken cancellation)
    {
        // Nothing of the statistics is used after the layouts are built: they are garbage during the fit.
        var statistics = coded.Statistics;
        var (totals, label, fixedNames, termNames, rowsOfFirstLevel, moments) = (coded.Totals, coded.Label, coded.FixedNames,
            coded.TermNames, coded.RowsOfFirstLevel, coded.Moments);
        int n = checked((int)statistics.RowCount);
        for (int t = 0; t < levels.Length; t++)
            if (levels[t].Length < 2)
                throw new InputException(
                    $"grouping factor '{formula.RandomTerms[t].GroupName}' has only {levels[t].Length} level in the data used; a random effect needs at least 2");
        var terms = formula.RandomTerms.Select((term, t) => new RandomEffectsDesign(term.GroupName, termNames[t], [], levels[t], [])).ToList();
        DesignChecks.RequireIdentifiable(formula, terms, n, allowEqual: true);

        int p = fixedNames.Count;
        var (kept, aliased, byLocation) = StatisticsLoader.FixedColumns(statistics, p);
        var ordered = order.Select(t => terms[t]).ToList();
        var threads = new ThreadBudget(options.Threads);
        var pairs = StatisticsLoader.LevelPairs(statistics);
        var nested = StatisticsLoader.NestedTerms(statistics, ordered);
        // As the linear streamed fit does (StreamedFit.CollectCompacted): the coding pass's chunks, and then the statistics,
        // are collected before the layouts and then the fit's workspaces take their room (the peak grew by 14 % from 1M
        // to 3M rows without).
        bool collect = n >= StreamedFit.CollectionRowThreshold;
        if (collect) StreamedFit.CollectCompacted();
        var modesLayout = new CrossProductLayout(ordered, 0, n, pairs, nested, RestStorage.Automatic, threads);
        var jointLayout = new CrossProductLayout(ordered, kept.Length, n, pairs, nested, RestStorage.Automatic, threads);
        spill.Finish(kept);
        var coordinates = FixedEffectScaling.StandardizedBlocks(spill.FixedRows, n, kept.Length);
        spill.SetCoordinates(coordinates);

        var design = new ModelDesign(formula, n, checked((int)frame.DroppedRows), [], new NumericResponse(label, []),
            kept.Select(c => fixedNames[c]).ToList(), [], aliased.Select(c => fixedNames[c]).ToList(), terms)
        {
            AliasedByLocation = byLocation.Select(c => fixedNames[c]).ToList(),
            RowsStreamed = true,
        };
        statistics = null!;
        pairs = null!;
        if (collect) StreamedFit.CollectCompacted();
        var monitor = new FitMonitor(cancellation, null, options.MaxEvaluations);
        var rows = new StreamedRows(spill, modesLayout, jointLayout, rowsOfFirstLevel, moments, (pass, read) => progress?.Invoke(2 + pass, read));
        return GeneralizedMixedModelFitter.FitStreamed(design, family, options.QuadratureNodes, totals, ordered, coordinates,
            rows, threads, monitor);
    }

    /// <summary>A chunk's prior weights per kept row, checked as <see cref="PriorWeights.Select"/> checks them (rows
    /// where the weight is missing are not kept: the first pass dropped them).</summary>
    private static double[] ChunkWeights(DataTable covariates, string name, int[] kept, Func<int, int> dataRow, string source)
    {
        if (covariates[name] is not NumericColumn column)
            throw new InputException($"weights column '{name}' is text; prior weights must be numbers");
        var weights = new double[kept.Length];
        for (int i = 0; i < kept.Length; i++)
        {
            double value = column.Values[kept[i]];
            if (!double.IsFinite(value) || value < 0)
                throw new InputException(
                    $"{source}: weights column '{name}' is {value} at data row {dataRow(i)} (line {dataRow(i) + 1}); prior weights must be finite and non-negative");
            weights[i] = value;
        }
        return weights;
    }
}
