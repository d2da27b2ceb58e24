using Parquet;
using Parquet.Schema;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;
using SparseLmm.Results;

namespace SparseLmm.Streaming;

/// <summary>The sufficient statistics of one partition of the data, keyed by level labels so that partitions need not
/// share level codes, written as a table of triplets (format version 1, documented in the README): each row names two
/// entries of [Z 1 X y] — a grouping factor, a level and a column, or the tail (empty factor and level) and a column —
/// and holds the sum over the partition's rows of their product. Any engine that can GROUP BY can produce one; the
/// fit merges any number of them.</summary>
internal static class Partials
{
    public const int FormatVersion = 1;
    public const string One = "(one)";
    public const string Shift = "(shift)";
    public const string Meta = "(partial)";
    public const string LevelsKind = "(levels)";
    public static readonly string[] ColumnNames = ["a_term", "a_level", "a_column", "b_term", "b_level", "b_column", "value"];

    /// <summary>One row of a partial.</summary>
    public readonly record struct Entry(string ATerm, string ALevel, string AColumn, string BTerm, string BLevel, string BColumn, double Value);

    /// <summary>Streams <paramref name="source"/> once for its levels and once for its sums, and writes the partial.</summary>
    public static long Write(string formula, IDataSource source, FitOptions options, string path, Action<int, long>? progress)
    {
        if (!options.EffectiveFamily().IsLinearMixedModel || options.WeightsColumn is not null || options.QuadratureNodes != 1)
            throw new InputException("partials are the sufficient statistics of a linear mixed model (the gaussian family, unweighted)");
        var parsed = FormulaParser.Parse(formula);
        StreamedFormula.Require(parsed, options, "a partial");
        RequireNoFactorInRandomTerms(parsed, options.FactorColumns ?? [], source);
        var (terms, statistics, names, label) = StreamedFit.Accumulate(parsed, source, options.FactorColumns ?? [], progress, allIndicators: true, threads: options.Threads);
        WriteParquet(Entries(terms, statistics, names, label), path);
        return statistics.RowCount;
    }

    /// <summary>The partial's rows, produced as they are written (a model with millions of level pairs has tens of
    /// millions of rows: held as a list, with the column arrays beside it, they took 3.2 GB at 10M data rows).</summary>
    private static IEnumerable<Entry> Entries(IReadOnlyList<RandomEffectsDesign> terms, LevelStatistics statistics,
        IReadOnlyList<string> names, string label)
    {
        var order = Enumerable.Range(0, terms.Count).OrderByDescending(t => terms[t].LevelCount).ToArray();
        yield return new(Meta, "", "version", "", "", "", FormatVersion);
        yield return new(Meta, "", "dropped", "", "", "", statistics.DroppedRowCount);
        foreach (var (column, levels) in statistics.CategoricalLevels)
            foreach (var level in levels) yield return new(LevelsKind, level, column, "", "", "", 1);
        int p = names.Count, w = statistics.TailWidth;
        var tailNames = new[] { One }.Concat(names).Append(label).ToArray();
        for (int a = 1; a < w; a++) yield return new("", "", tailNames[a], "", "", Shift, statistics.Reference[a - 1]);
        for (int a = 0; a < w; a++)
            for (int b = 0; b <= a; b++) yield return new("", "", tailNames[a], "", "", tailNames[b], statistics.TailTail[a * w + b]);
        for (int position = 0; position < order.Length; position++)
        {
            var term = terms[order[position]];
            int k = term.ColumnCount;
            for (int level = 0; level < term.LevelCount; level++)
            {
                string l = term.Levels[level];
                for (int a = 0; a < k; a++)
                {
                    for (int b = 0; b <= a; b++)
                        yield return new(term.GroupName, l, term.TermNames[a], term.GroupName, l, term.TermNames[b],
                            statistics.Blocks[position][(long)level * k * k + a * k + b]);
                    for (int j = 0; j < w; j++)
                        yield return new(term.GroupName, l, term.TermNames[a], "", "", tailNames[j],
                            statistics.TailBlocks[position][((long)level * k + a) * w + j]);
                }
            }
            for (int other = position + 1; other < order.Length; other++)
            {
                var second = terms[order[other]];
                int ks = second.ColumnCount;
                var pairs = statistics.Pairs(position, other);
                foreach (var (key, at) in pairs.Entries())
                {
                    int lt = (int)(key / second.LevelCount), ls = (int)(key % second.LevelCount);
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < ks; b++)
                            yield return new(term.GroupName, term.Levels[lt], term.TermNames[a], second.GroupName, second.Levels[ls],
                                second.TermNames[b], pairs.Values[at + a * ks + b]);
                }
            }
        }
    }


    private static void RequireNoFactorInRandomTerms(ModelFormula formula, IReadOnlyList<string> factors, IDataSource source)
    {
        var uses = new List<VariableUse>();
        foreach (var term in formula.RandomTerms)
            foreach (var t in term.Terms)
                foreach (var factor in t.Factors) FormulaParser.CollectVariables(factor, uses);
        foreach (var use in uses.Where(u => factors.Contains(u.Name)))
            throw new InputException($"partials: '{use.Name}' is categorical on the left of a random-effects term, which partials do not support");
    }

    // Rows per row group of a written partial: what is held while it is written.
    private const int RowGroupEntries = 1 << 20;

    private static void WriteParquet(IEnumerable<Entry> entries, string path)
    {
        var fields = ColumnNames.Take(6).Select(name => new DataField<string>(name, false)).Cast<DataField>()
            .Append(new DataField<double>("value", false)).ToArray();
        var schema = new ParquetSchema(fields);
        try
        {
            using var stream = File.Create(path);
            var writer = ParquetWriter.CreateAsync(schema, stream).GetAwaiter().GetResult();
            try
            {
                foreach (var chunk in entries.Chunk(RowGroupEntries))
                {
                    using var group = writer.CreateRowGroup();
                    Func<Entry, string>[] text = [e => e.ATerm, e => e.ALevel, e => e.AColumn, e => e.BTerm, e => e.BLevel, e => e.BColumn];
                    for (int c = 0; c < 6; c++)
                        group.WriteAsync(fields[c], chunk.Select(text[c]).ToArray()).GetAwaiter().GetResult();
                    group.WriteAsync(fields[6], new ReadOnlyMemory<double>(chunk.Select(e => e.Value).ToArray())).GetAwaiter().GetResult();
                }
            }
            finally
            {
                writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot write '{path}': {e.Message.Split('\n')[0].Trim()}");
        }
    }

    /// <summary>Merges the partials and fits <paramref name="formula"/> from their sums.</summary>
    public static MixedModelFit Fit(string formula, IReadOnlyList<string> paths, FitOptions options)
    {
        if (!options.EffectiveFamily().IsLinearMixedModel)
            throw new InputException("partials fit linear mixed models (the gaussian family) only");
        if (paths.Count == 0) throw new InputException("no partial files given");
        var parsed = FormulaParser.Parse(formula);
        StreamedFormula.Require(parsed, options, "a fit from partials");
        var files = new List<PartialFile>(paths.Count);
        try
        {
            foreach (var path in paths) files.Add(PartialFile.Open(path, options.Threads));
            return Fit(parsed, files, options);
        }
        finally
        {
            foreach (var file in files) file.Dispose();
        }
    }

    /// <summary>The merge: a first pass over each file for its levels and shifts (<see cref="PartialFile.Scan"/>), then
    /// per file one pass for its rows' counts (the <see cref="One"/> entries the shift corrections multiply; none for a
    /// file shifted as the first) and one adding its rows up, in file order as when the files were held whole, so the
    /// sums are the same to the bit.</summary>
    private static MixedModelFit Fit(ModelFormula parsed, List<PartialFile> files, FitOptions options)
    {
        string responseLabel = FormulaText.Format(parsed.Response);
        // Levels: the union over partitions, sorted as the in-memory path sorts a column's labels; each file's merged
        // as it is scanned, so that one file's sets are held at a time.
        var categorical = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var groupLabels = new Dictionary<(string Group, string Column), HashSet<string>>();
        var shifts = new List<List<(string Column, double Value)>>(files.Count);
        foreach (var file in files)
        {
            var summary = file.Scan();
            foreach (var (column, labels) in summary.CategoricalLevels)
                if (!categorical.TryAdd(column, labels)) categorical[column].UnionWith(labels);
            foreach (var (key, labels) in summary.GroupLevels)
                if (!groupLabels.TryAdd(key, labels)) groupLabels[key].UnionWith(labels);
            shifts.Add(summary.Shifts);
        }
        var levelsOf = categorical.ToDictionary(pair => pair.Key, pair => Sorted(pair.Value), StringComparer.Ordinal);
        foreach (var name in options.FactorColumns ?? []) levelsOf.TryAdd(name, []);
        // The model's columns from an empty table with those levels: X's names (treatment contrasts, whichever level
        // sorts first over all partitions) and each term's.
        var empty = new DataTable(FormulaParser.Variables(parsed).Select(u => u.Name).Distinct()
            .Select(name => levelsOf.TryGetValue(name, out var levels)
                ? (DataColumn)new CategoricalColumn(name, [], levels)
                : new NumericColumn(name, [])).ToList(), "partials");
        var evaluator = new ExpressionEvaluator(empty, [], keepAllLevels: true);
        var fixedNames = ModelMatrixPlan.Build(parsed.HasIntercept, parsed.FixedTerms, evaluator, 0).Names;
        var termNames = parsed.RandomTerms.Select(t => ModelMatrixPlan.Build(t.HasIntercept, t.Terms, evaluator, 0).Names.ToArray()).ToArray();

        var columnOf = new Dictionary<(string Group, string Column), (int Term, int Column)>();
        for (int t = 0; t < parsed.RandomTerms.Count; t++)
            for (int c = 0; c < termNames[t].Length; c++)
                if (!columnOf.TryAdd((parsed.RandomTerms[t].GroupName, termNames[t][c]), (t, c)))
                    throw new InputException($"partials: column '{termNames[t][c]}' of '{parsed.RandomTerms[t].GroupName}' is in two random-effects terms");
        var groupLevels = new HashSet<string>[parsed.RandomTerms.Count];
        for (int t = 0; t < groupLevels.Length; t++) groupLevels[t] = new(StringComparer.Ordinal);
        foreach (var (key, labels) in groupLabels)
            if (columnOf.TryGetValue(key, out var at)) groupLevels[at.Term].UnionWith(labels);
        var levels = groupLevels.Select(Sorted).ToArray();
        var order = Enumerable.Range(0, levels.Length).OrderByDescending(t => levels[t].Length).ToArray();
        var position = new int[order.Length];
        for (int i = 0; i < order.Length; i++) position[order[i]] = i;
        var levelCode = levels.Select(l => l.Select((label, k) => (label, k)).ToDictionary(x => x.label, x => x.k, StringComparer.Ordinal)).ToArray();

        int p = fixedNames.Count, w = p + 2;
        var tailIndex = new Dictionary<string, int>(StringComparer.Ordinal) { [One] = 0 };
        for (int c = 0; c < p; c++) tailIndex[fixedNames[c]] = 1 + c;
        if (!tailIndex.TryAdd(responseLabel, w - 1))
            throw new InputException($"partials: the response '{responseLabel}' is also a fixed-effect column");
        var statistics = new LevelStatistics(order.Select(t => termNames[t].Length).ToArray(), order.Select(t => levels[t].Length).ToArray(), w);
        // The common shift: the first partition's, for the columns it has.
        var reference = new double[w];
        foreach (var (column, value) in shifts[0])
            if (tailIndex.TryGetValue(column, out int j)) reference[j] = value;
        long rows = 0, dropped = 0;
        for (int f = 0; f < files.Count; f++)
        {
            var file = files[f].Entries();
            var shift = new double[w];
            foreach (var (column, value) in shifts[f])
                if (tailIndex.TryGetValue(column, out int j)) shift[j] = value;
            var e = new double[w];
            for (int j = 1; j < w; j++) e[j] = reference[j] - shift[j];
            var tail = new double[w * w];
            var ones = new Dictionary<(int, int, int), double>();
            // A file shifted as the reference (the first, or the only one) corrects nothing (x − 0·n is x): no pass for its counts.
            if (e.Any(shiftDifference => shiftDifference != 0))
                foreach (var entry in file.Where(x => x.BColumn == One && x.BTerm.Length == 0 && x.ATerm.Length > 0 && x.ATerm[0] != '('))
                    if (columnOf.TryGetValue((entry.ATerm, entry.AColumn), out var at))
                        ones[(at.Term, levelCode[at.Term][entry.ALevel], at.Column)] = entry.Value;
            foreach (var entry in file)
            {
                if (entry.ATerm == Meta)
                {
                    if (entry.AColumn == "dropped") dropped += (long)entry.Value;
                    continue;
                }
                if (entry.ATerm == LevelsKind || entry.BColumn == Shift) continue;
                if (entry.ATerm.Length == 0)
                {
                    if (tailIndex.TryGetValue(entry.AColumn, out int i) && tailIndex.TryGetValue(entry.BColumn, out int j))
                    {
                        tail[Math.Max(i, j) * w + Math.Min(i, j)] = entry.Value;
                    }
                    continue;
                }
                if (!columnOf.TryGetValue((entry.ATerm, entry.AColumn), out var a)) continue;
                int la = levelCode[a.Term][entry.ALevel];
                int ta = position[a.Term], ka = termNames[a.Term].Length;
                if (entry.BTerm.Length == 0)
                {
                    if (!tailIndex.TryGetValue(entry.BColumn, out int j)) continue;
                    double value = entry.Value - (j == 0 ? 0 : e[j] * ones.GetValueOrDefault((a.Term, la, a.Column)));
                    statistics.TailBlocks[ta][((long)la * ka + a.Column) * w + j] += value;
                    continue;
                }
                if (!columnOf.TryGetValue((entry.BTerm, entry.BColumn), out var b)) continue;
                int lb = levelCode[b.Term][entry.BLevel];
                int tb = position[b.Term];
                if (a.Term == b.Term)
                {
                    var block = statistics.Blocks[ta];
                    block[(long)la * ka * ka + a.Column * ka + b.Column] += entry.Value;
                    if (a.Column != b.Column) block[(long)la * ka * ka + b.Column * ka + a.Column] += entry.Value;
                }
                else if (ta < tb) statistics.AddPair(ta, tb, la, lb, a.Column, b.Column, entry.Value);
                else statistics.AddPair(tb, ta, lb, la, b.Column, a.Column, entry.Value);
            }
            double n = tail[0];
            rows += (long)Math.Round(n);
            double Tail(int i, int j) => tail[Math.Max(i, j) * w + Math.Min(i, j)];
            for (int i = 0; i < w; i++)
                for (int j = 0; j <= i; j++)
                    statistics.TailTail[i * w + j] += Tail(i, j) - e[i] * Tail(0, j) - e[j] * Tail(0, i) + e[i] * e[j] * n;
        }
        var allOnes = fixedNames.Select(name => name == "(Intercept)").ToArray();
        statistics.Restore(reference[1..], allOnes, rows);
        statistics.DroppedRowCount = dropped;
        for (int t = 0; t < levels.Length; t++)
            if (levels[t].Length < 2)
                throw new InputException(
                    $"grouping factor '{parsed.RandomTerms[t].GroupName}' has {levels[t].Length} level in the partials; a random effect needs at least 2");
        var terms = parsed.RandomTerms.Select((term, t) => new RandomEffectsDesign(term.GroupName, termNames[t], [], levels[t], [])).ToList();
        return StreamedFit.FitStatistics(parsed, terms, statistics, fixedNames, responseLabel, options);
    }

    private static string[] Sorted(HashSet<string> labels)
    {
        LevelOrdering.Sort(labels.ToList(), out var sorted);
        return sorted;
    }
}
