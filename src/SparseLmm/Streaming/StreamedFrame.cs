using System.Globalization;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;

namespace SparseLmm.Streaming;

/// <summary>The model frame of a streamed linear mixed model, found in a first pass over the source that reads only
/// the formula's columns and keeps only level dictionaries: which rows are kept (none of the formula's columns missing),
/// every categorical column's levels, and the levels of interactions of grouping variables. With them the second pass
/// codes each chunk exactly as <see cref="ModelDesignBuilder"/> codes the whole table.</summary>
internal sealed class StreamedFrame
{
    private readonly Dictionary<string, CategoricalLevels> covariateLevels;
    private readonly Dictionary<string, CategoricalLevels> groupingLevels;
    private readonly Dictionary<string, InteractionLevels> interactions;

    private StreamedFrame(ModelFormula formula, string source, IReadOnlyList<string> columns,
        Dictionary<string, CategoricalLevels> covariateLevels, Dictionary<string, CategoricalLevels> groupingLevels,
        Dictionary<string, InteractionLevels> interactions, long kept, long dropped)
    {
        Formula = formula;
        Source = source;
        Columns = columns;
        this.covariateLevels = covariateLevels;
        this.groupingLevels = groupingLevels;
        this.interactions = interactions;
        KeptRows = kept;
        DroppedRows = dropped;
    }

    public ModelFormula Formula { get; }

    public string Source { get; }

    /// <summary>The formula's columns, in the order they are read.</summary>
    public IReadOnlyList<string> Columns { get; }

    public long KeptRows { get; }

    /// <summary>The levels of the categorical columns read for their values (text or declared factors).</summary>
    public IReadOnlyDictionary<string, string[]> CovariateLevels =>
        covariateLevels.ToDictionary(pair => pair.Key, pair => pair.Value.Levels, StringComparer.Ordinal);

    public long DroppedRows { get; }

    /// <summary>The first pass over <paramref name="source"/>.</summary>
    /// <param name="formula">The model.</param>
    /// <param name="source">The data.</param>
    /// <param name="factorColumns">Numeric columns declared categorical.</param>
    /// <param name="progress">Told the rows read so far.</param>
    /// <param name="threads">The most threads the pass may use (the next chunk is read while one is scanned).</param>
    public static StreamedFrame Scan(ModelFormula formula, IDataSource source, IReadOnlyList<string> factorColumns,
        Action<long>? progress, int? threads = null)
    {
        if (formula.RandomTerms.Count == 0)
            throw new InputException(
                $"formula '{formula.Text}' has no random-effects term such as (1 | group); a mixed model needs at least one");
        foreach (var name in factorColumns)
            if (!source.ColumnNames.Contains(name)) throw UnknownColumn(source, name, -1);
        foreach (var use in FormulaParser.Variables(formula))
            if (!source.ColumnNames.Contains(use.Name)) throw UnknownColumn(source, use.Name, use.Position);
        var columns = FormulaParser.Variables(formula).Select(u => u.Name).Distinct().ToList();
        var grouping = formula.RandomTerms.SelectMany(t => t.GroupingVariables).ToHashSet(StringComparer.Ordinal);
        var valueColumns = DesignChecks.ValueColumns(formula);
        // Numbers the source's metadata show complete add no level and drop no row: this pass need not decode them.
        var scanned = columns.Where(name => grouping.Contains(name) || factorColumns.Contains(name) || !source.IsCompleteNumber(name)).ToList();

        while (true)
        {
            var covariate = new Dictionary<string, CategoricalLevels>(StringComparer.Ordinal);
            var groupingOnly = new Dictionary<string, CategoricalLevels>(StringComparer.Ordinal);
            var strayText = new Dictionary<string, (long Numbers, long Texts, string? First)>(StringComparer.Ordinal);
            var combinations = formula.RandomTerms.Where(t => t.GroupingVariables.Count > 1)
                .DistinctBy(t => t.GroupName).ToDictionary(t => t.GroupName, t => new HashSet<string>(StringComparer.Ordinal));
            long kept = 0, dropped = 0;
            try
            {
                foreach (var chunk in ChunkPrefetch.Read(source, scanned, threads))
                {
                    int rows = chunk.Count == 0 ? 0 : chunk[0].Length;
                    var keep = KeptMask(chunk, rows);
                    for (int j = 0; j < scanned.Count; j++)
                    {
                        string name = scanned[j];
                        bool text = chunk[j] is LabelChunk;
                        if (text && !factorColumns.Contains(name) && valueColumns.Any(v => v.Name == name))
                            strayText.TryAdd(name, (0, 0, null));
                        if (text || factorColumns.Contains(name))
                        {
                            if (!covariate.TryGetValue(name, out var levels))
                                covariate[name] = levels = new CategoricalLevels(name, fromNumbers: !text);
                            levels.Add(chunk[j], keep);
                        }
                        else if (grouping.Contains(name))
                        {
                            if (!groupingOnly.TryGetValue(name, out var levels))
                                groupingOnly[name] = levels = new CategoricalLevels(name, fromNumbers: true);
                            RequireFinite((NumberChunk)chunk[j], name, source.Source, kept + dropped);
                            levels.Add(chunk[j], keep);
                        }
                        if (strayText.TryGetValue(name, out var count) && chunk[j] is LabelChunk labels)
                            strayText[name] = CountText(labels, count);
                    }
                    foreach (var term in formula.RandomTerms.Where(t => t.GroupingVariables.Count > 1).DistinctBy(t => t.GroupName))
                        AddCombinations(term.GroupingVariables.Select(v => chunk[scanned.IndexOf(v)]).ToArray(), keep, combinations[term.GroupName]);
                    foreach (bool k in keep)
                        if (k) kept++;
                        else dropped++;
                    progress?.Invoke(kept + dropped);
                }
            }
            catch (ColumnTurnedTextException)
            {
                // A CSV column read as numbers turned out to hold text further on: read again, as labels from the start.
                continue;
            }
            if (kept + dropped == 0) throw new InputException($"{source.Source}: no data rows");
            if (kept == 0)
                throw new InputException($"{source.Source}: no rows left after dropping {dropped} rows with missing values in the model's columns");
            foreach (var (name, (numbers, texts, firstText)) in strayText)
                if (texts > 0 && texts < numbers)
                    throw new InputException(
                        $"{source.Source}: '{name}' is a column of numbers, but {texts:N0} of its cells are text (the first: " +
                        $"'{CsvReader.Escape(CsvReader.Shorten(firstText!))}', among {numbers:N0} numbers); write NA or leave the cell empty " +
                        $"for a missing value, or declare the column categorical (--factor {FormulaText.FormatName(name)})");
            foreach (var levels in covariate.Values.Concat(groupingOnly.Values)) levels.Complete();
            var groupingLevels = new Dictionary<string, CategoricalLevels>(StringComparer.Ordinal);
            foreach (var name in grouping) groupingLevels[name] = covariate.TryGetValue(name, out var l) ? l : groupingOnly[name];
            var interactions = formula.RandomTerms.Where(t => t.GroupingVariables.Count > 1).DistinctBy(t => t.GroupName)
                .ToDictionary(t => t.GroupName, t => new InteractionLevels(t.GroupingVariables.Select(v => groupingLevels[v]).ToArray(), combinations[t.GroupName]));
            return new StreamedFrame(formula, source.Source, columns, covariate, groupingLevels, interactions, kept, dropped);
        }
    }

    private static InputException UnknownColumn(IDataSource source, string name, int position)
    {
        var suggestion = NameSuggestions.ClosestName(name, source.ColumnNames);
        var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
        var where = position >= 0 ? $"formula error at column {position + 1}: " : "";
        return new InputException($"{where}unknown column '{name}' in {source.Source}{hint}");
    }

    /// <summary>Rows whose formula columns are all present.</summary>
    public static bool[] KeptMask(IReadOnlyList<ColumnChunk> chunk, int rows)
    {
        var keep = new bool[rows];
        Array.Fill(keep, true);
        foreach (var column in chunk)
        {
            switch (column)
            {
                case NumberChunk { Missing: { } missing }:
                    for (int i = 0; i < rows; i++) if (missing[i]) keep[i] = false;
                    break;
                case LabelChunk text:
                    for (int i = 0; i < rows; i++) if (text.Codes[i] < 0) keep[i] = false;
                    break;
            }
        }
        return keep;
    }

    private static void RequireFinite(NumberChunk chunk, string name, string source, long before)
    {
        for (int i = 0; i < chunk.Values.Length; i++)
            if (chunk.Missing?[i] != true && !double.IsFinite(chunk.Values[i]))
                throw new InputException($"{source}: grouping column '{name}' has a non-finite value at data row {before + i + 1}");
    }

    private static (long Numbers, long Texts, string? First) CountText(LabelChunk labels, (long Numbers, long Texts, string? First) count)
    {
        var isNumber = labels.Dictionary.Select(label => NumberParsing.TryParse(label, out _)).ToArray();
        var (numbers, texts, first) = count;
        foreach (int code in labels.Codes)
        {
            if (code < 0) continue;
            if (isNumber[code]) numbers++;
            else
            {
                texts++;
                first ??= labels.Dictionary[code];
            }
        }
        return (numbers, texts, first);
    }

    /// <summary>The distinct label combinations of an interaction's variables in kept rows, joined by U+0001.</summary>
    private static void AddCombinations(ColumnChunk[] variables, bool[] keep, HashSet<string> combinations)
    {
        var coded = variables.Select(ChunkCodes).ToArray();
        var seen = new HashSet<long>();
        long radix = 1;
        var radices = new long[coded.Length];
        for (int c = coded.Length - 1; c >= 0; c--)
        {
            radices[c] = radix;
            radix = checked(radix * Math.Max(1, coded[c].Labels.Length));
        }
        for (int i = 0; i < keep.Length; i++)
        {
            if (!keep[i]) continue;
            long key = 0;
            for (int c = 0; c < coded.Length; c++) key += coded[c].Codes[i] * radices[c];
            if (seen.Add(key))
                combinations.Add(string.Join('\u0001', coded.Select(v => v.Labels[v.Codes[i]])));
        }
    }

    /// <summary>A chunk's values as codes into its own labels (numbers labelled as levels of a numeric factor are).</summary>
    private static (int[] Codes, string[] Labels) ChunkCodes(ColumnChunk chunk)
    {
        if (chunk is LabelChunk text) return (text.Codes, text.Dictionary);
        var numbers = (NumberChunk)chunk;
        var index = new Dictionary<double, int>();
        var labels = new List<string>();
        var codes = new int[numbers.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            if (numbers.Missing?[i] == true) { codes[i] = -1; continue; }
            double v = numbers.Values[i] == 0 ? 0.0 : numbers.Values[i];
            if (!index.TryGetValue(v, out int code))
            {
                code = labels.Count;
                index.Add(v, code);
                labels.Add(v.ToString("R", CultureInfo.InvariantCulture));
            }
            codes[i] = code;
        }
        return (codes, labels.ToArray());
    }

    /// <summary>One chunk as the two tables the design reads: the covariates (numbers stay numbers unless declared
    /// factors) and the grouping variables (categorical), each categorical column over the whole data's levels; and
    /// the chunk's kept rows.</summary>
    public (DataTable Covariates, DataTable Grouping, int[] KeptRows) Tables(IReadOnlyList<ColumnChunk> chunk)
    {
        int rows = chunk.Count == 0 ? 0 : chunk[0].Length;
        var keep = KeptMask(chunk, rows);
        var covariates = new List<DataColumn>(chunk.Count);
        var groupingColumns = new List<DataColumn>(chunk.Count);
        for (int j = 0; j < chunk.Count; j++)
        {
            string name = Columns[j];
            DataColumn covariate = covariateLevels.TryGetValue(name, out var levels)
                ? levels.Column(chunk[j])
                : new NumericColumn(name, ((NumberChunk)chunk[j]).Values, ((NumberChunk)chunk[j]).Missing);
            covariates.Add(covariate);
            groupingColumns.Add(groupingLevels.TryGetValue(name, out var g)
                ? (ReferenceEquals(g, levels) ? covariate : g.Column(chunk[j]))
                : covariate);
        }
        var kept = new List<int>(rows);
        for (int i = 0; i < rows; i++) if (keep[i]) kept.Add(i);
        return (new DataTable(covariates, Source), new DataTable(groupingColumns, Source), kept.ToArray());
    }

    /// <summary>The levels of a term's grouping factor over the whole data.</summary>
    public string[] GroupingLevels(RandomEffectsTerm term) => term.GroupingVariables.Count == 1
        ? groupingLevels[term.GroupingVariables[0]].Levels
        : interactions[term.GroupName].Levels;

    /// <summary>The grouping factor's level of each kept row of a chunk, from its grouping table.</summary>
    public int[] GroupingCodes(RandomEffectsTerm term, DataTable grouping, int[] keptRows)
    {
        var codes = new int[keptRows.Length];
        if (term.GroupingVariables.Count == 1)
        {
            var column = (CategoricalColumn)grouping[term.GroupingVariables[0]];
            for (int i = 0; i < codes.Length; i++) codes[i] = column.Codes[keptRows[i]];
            return codes;
        }
        var interaction = interactions[term.GroupName];
        var columns = term.GroupingVariables.Select(v => ((CategoricalColumn)grouping[v]).Codes).ToArray();
        for (int i = 0; i < codes.Length; i++)
        {
            long key = 0;
            for (int c = 0; c < columns.Length; c++) key += columns[c][keptRows[i]] * interaction.Radix[c];
            codes[i] = interaction.CodeOfKey[key];
        }
        return codes;
    }
}

/// <summary>The levels of an interaction of grouping variables (<c>a:b</c>): the combinations in kept rows, ordered as
/// R orders them (first variable slowest), labelled <c>levelOfA:levelOfB</c>.</summary>
internal sealed class InteractionLevels
{
    public InteractionLevels(CategoricalLevels[] variables, HashSet<string> combinations)
    {
        Radix = new long[variables.Length];
        long span = 1;
        for (int c = variables.Length - 1; c >= 0; c--)
        {
            Radix[c] = span;
            span = checked(span * Math.Max(1, variables[c].Levels.Length));
        }
        var codeOfLabel = variables.Select(v => v.Levels.Select((label, k) => (label, k)).ToDictionary(x => x.label, x => x.k, StringComparer.Ordinal)).ToArray();
        var keys = combinations.Select(combination =>
        {
            var parts = combination.Split('\u0001');
            long key = 0;
            for (int c = 0; c < parts.Length; c++) key += codeOfLabel[c][parts[c]] * Radix[c];
            return key;
        }).Order().ToArray();
        CodeOfKey = new Dictionary<long, int>(keys.Length);
        Levels = new string[keys.Length];
        for (int r = 0; r < keys.Length; r++)
        {
            CodeOfKey[keys[r]] = r;
            Levels[r] = string.Join(":", variables.Select((v, c) => v.Levels[(int)(keys[r] / Radix[c] % v.Levels.Length)]));
        }
    }

    public long[] Radix { get; }

    public Dictionary<long, int> CodeOfKey { get; }

    public string[] Levels { get; }
}

/// <summary>A CSV column read as numbers in earlier chunks showed text in a later one: the pass starts again with the
/// column read as labels throughout.</summary>
internal sealed class ColumnTurnedTextException(string column) : Exception($"column '{column}' turned out to hold text")
{
    public string Column { get; } = column;
}
