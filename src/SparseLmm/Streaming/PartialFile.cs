using System.Globalization;
using SparseLmm.Data;

namespace SparseLmm.Streaming;

/// <summary>One partial file (Parquet, Arrow or CSV: results of <c>sparselmm sql</c> queries too) read a chunk (a
/// row group) at a time, as many times as the merge needs: held whole, the 10M-row panel's partial (10M triplets) took
/// 1.7 GB. The source stays open between passes, so a CSV column found to hold text in one pass is read as text in the
/// next (<see cref="ColumnTurnedTextException"/>: only the first pass, <see cref="Scan"/>, can meet it, and it starts
/// again).</summary>
internal sealed class PartialFile : IDisposable
{
    private readonly IDataSource source;
    private readonly int? threads;

    private PartialFile(IDataSource source, string path, int? threads)
    {
        this.source = source;
        Path = path;
        this.threads = threads;
    }

    /// <summary>The file, naming it in messages.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="path"/>, checking that it has a partial's columns; its chunks are decoded on up to
    /// <paramref name="threads"/> threads (<see cref="ChunkPrefetch.Read"/>).</summary>
    public static PartialFile Open(string path, int? threads)
    {
        var source = DataSource.Open(path);
        try
        {
            foreach (var name in Partials.ColumnNames)
                if (!source.ColumnNames.Contains(name))
                    throw new InputException($"{path}: not a partial (no column '{name}'; a partial has columns {string.Join(", ", Partials.ColumnNames)})");
            return new PartialFile(source, path, threads);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>What the merge needs of the file before it adds it up: the labels of the categorical columns (the
    /// <see cref="Partials.LevelsKind"/> rows), every grouping factor's level labels by factor and column, the shift
    /// rows in file order; checked for a value in every row and for the format version.</summary>
    public sealed record Summary(
        Dictionary<string, HashSet<string>> CategoricalLevels,
        Dictionary<(string Group, string Column), HashSet<string>> GroupLevels,
        List<(string Column, double Value)> Shifts);

    /// <summary>The first pass over the file (<see cref="Summary"/>).</summary>
    public Summary Scan()
    {
        while (true)
        {
            var categorical = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var groups = new Dictionary<(string, string), HashSet<string>>();
            var shifts = new List<(string, double)>();
            bool versionSeen = false;
            try
            {
                foreach (var entry in Entries())
                {
                    if (entry.ATerm == Partials.Meta && entry.AColumn == "version" && !versionSeen)
                    {
                        versionSeen = true;
                        if (entry.Value != Partials.FormatVersion)
                            throw new InputException($"{Path}: partial format version {entry.Value}, this program reads version {Partials.FormatVersion}");
                    }
                    if (entry.ATerm == Partials.LevelsKind)
                    {
                        if (!categorical.TryGetValue(entry.AColumn, out var set)) categorical[entry.AColumn] = set = new(StringComparer.Ordinal);
                        set.Add(entry.ALevel);
                    }
                    else if (entry.ATerm.Length > 0 && entry.ATerm[0] != '(')
                    {
                        if (!groups.TryGetValue((entry.ATerm, entry.AColumn), out var set))
                            groups[(entry.ATerm, entry.AColumn)] = set = new(StringComparer.Ordinal);
                        set.Add(entry.ALevel);
                    }
                    else if (entry.BColumn == Partials.Shift && entry.ATerm.Length == 0)
                    {
                        shifts.Add((entry.AColumn, entry.Value));
                    }
                }
            }
            catch (ColumnTurnedTextException)
            {
                // A CSV column read as numbers turned out to hold text further on: read again, as labels from the start.
                continue;
            }
            return new Summary(categorical, groups, shifts);
        }
    }

    /// <summary>The file's rows in order, one chunk held at a time.</summary>
    public IEnumerable<Partials.Entry> Entries()
    {
        long row = 0;
        foreach (var chunk in ChunkPrefetch.Read(source, Partials.ColumnNames, threads))
        {
            var text = new Func<int, string>[6];
            for (int c = 0; c < 6; c++) text[c] = Labels(chunk[c]);
            if (chunk[6] is not NumberChunk value)
                throw new InputException($"{Path}: column 'value' of a partial holds numbers");
            for (int i = 0; i < value.Length; i++)
            {
                if (value.Missing is { } missing && missing[i]) throw new InputException($"{Path}: data row {row + i + 1} has no value");
                yield return new(text[0](i), text[1](i), text[2](i), text[3](i), text[4](i), text[5](i), value.Values[i]);
            }
            row += value.Length;
        }
    }

    /// <summary>A column read as text (a missing cell is an empty string; a column of numbers, read as such from CSV,
    /// is labelled as a factor of it would be).</summary>
    private static Func<int, string> Labels(ColumnChunk column) => column switch
    {
        LabelChunk c => i => c.Codes[i] < 0 ? "" : c.Dictionary[c.Codes[i]],
        NumberChunk n => i => n.Missing is { } missing && missing[i] ? "" : n.Values[i].ToString("R", CultureInfo.InvariantCulture),
        _ => _ => "",
    };

    public void Dispose() => source.Dispose();
}
