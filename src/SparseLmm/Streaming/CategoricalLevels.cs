using System.Globalization;
using SparseLmm.Data;

namespace SparseLmm.Streaming;

/// <summary>The levels of one column used as categorical in a streamed model, gathered over every chunk in the first
/// pass: all the column's labels (whose order R sorts the factor by) and those that occur in rows the model keeps (the
/// levels that remain after unused ones are dropped, in that order), exactly as the in-memory path finds them.</summary>
internal sealed class CategoricalLevels
{
    private readonly Dictionary<string, bool> labels = new(StringComparer.Ordinal);
    private readonly Dictionary<double, bool> values = [];
    private Dictionary<string, int>? codeOfLabel;
    private Dictionary<double, int>? codeOfValue;

    public CategoricalLevels(string name, bool fromNumbers)
    {
        Name = name;
        FromNumbers = fromNumbers;
    }

    public string Name { get; }

    /// <summary>True when the column holds numbers made categorical (<c>--factor</c>, a grouping variable): levels in
    /// numeric order, labelled as <see cref="ColumnConversions.ToCategorical(NumericColumn)"/> labels them.</summary>
    public bool FromNumbers { get; }

    /// <summary>The levels that occur in kept rows, in the column's level order (set by <see cref="Complete"/>).</summary>
    public string[] Levels { get; private set; } = [];

    /// <summary>Notes one chunk: every label, and whether it occurs in a kept row.</summary>
    public void Add(ColumnChunk chunk, bool[] kept)
    {
        switch (chunk)
        {
            case LabelChunk text:
                // 0: absent from the chunk (an Arrow dictionary may hold unused entries), 1: in dropped rows only, 2: kept.
                var seen = new byte[text.Dictionary.Length];
                for (int i = 0; i < text.Codes.Length; i++)
                    if (text.Codes[i] >= 0) seen[text.Codes[i]] = Math.Max(seen[text.Codes[i]], kept[i] ? (byte)2 : (byte)1);
                for (int k = 0; k < seen.Length; k++)
                {
                    if (seen[k] == 2) labels[text.Dictionary[k]] = true;
                    else if (seen[k] == 1) labels.TryAdd(text.Dictionary[k], false);
                }
                break;
            case NumberChunk numbers:
                for (int i = 0; i < numbers.Values.Length; i++)
                {
                    if (numbers.Missing?[i] == true) continue;
                    double v = numbers.Values[i] == 0 ? 0.0 : numbers.Values[i];
                    if (kept[i]) values[v] = true;
                    else values.TryAdd(v, false);
                }
                break;
        }
    }

    /// <summary>Sorts the levels once every chunk has been added.</summary>
    public void Complete()
    {
        if (FromNumbers)
        {
            var sorted = values.Keys.Order().ToArray();
            var usedValues = sorted.Where(v => values[v]).ToArray();
            Levels = usedValues.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray();
            codeOfValue = new Dictionary<double, int>(usedValues.Length);
            for (int k = 0; k < usedValues.Length; k++) codeOfValue[usedValues[k]] = k;
            return;
        }
        var all = labels.Keys.ToList();
        LevelOrdering.Sort(all, out var ordered);
        Levels = ordered.Where(label => labels[label]).ToArray();
        codeOfLabel = new Dictionary<string, int>(Levels.Length, StringComparer.Ordinal);
        for (int k = 0; k < Levels.Length; k++) codeOfLabel[Levels[k]] = k;
    }

    /// <summary>The chunk as a categorical column over <see cref="Levels"/> (a label or value outside them, which
    /// occurs only in dropped rows, is coded missing).</summary>
    public CategoricalColumn Column(ColumnChunk chunk)
    {
        var codes = new int[chunk.Length];
        switch (chunk)
        {
            case LabelChunk text:
                var map = new int[text.Dictionary.Length];
                for (int k = 0; k < map.Length; k++) map[k] = codeOfLabel!.TryGetValue(text.Dictionary[k], out int code) ? code : -1;
                for (int i = 0; i < codes.Length; i++) codes[i] = text.Codes[i] < 0 ? -1 : map[text.Codes[i]];
                break;
            case NumberChunk numbers:
                for (int i = 0; i < codes.Length; i++)
                {
                    double v = numbers.Values[i] == 0 ? 0.0 : numbers.Values[i];
                    codes[i] = numbers.Missing?[i] == true || !codeOfValue!.TryGetValue(v, out int code) ? -1 : code;
                }
                break;
        }
        return new CategoricalColumn(Name, codes, Levels) { Declared = true };
    }
}
