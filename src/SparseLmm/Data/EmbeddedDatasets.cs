using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Text;

namespace SparseLmm.Data;

/// <summary>The example data sets of R's lme4 package, embedded in the library.</summary>
/// <remarks>Columns that are factors in R are categorical here even when their labels are numbers (e.g. sleepstudy's
/// Subject, cbpp's herd and period), so that models fit to these tables match lme4's.</remarks>
public static class EmbeddedDatasets
{
    private const string ResourcePrefix = "SparseLmm.Datasets.";

    /// <summary>Columns that R stores as factors, by data set.</summary>
    private static readonly Dictionary<string, string[]> FactorColumns = new(StringComparer.Ordinal)
    {
        ["sleepstudy"] = ["Subject"],
        ["Dyestuff"] = ["Batch"],
        ["Dyestuff2"] = ["Batch"],
        ["Penicillin"] = ["plate", "sample"],
        ["Pastes"] = ["batch", "cask", "sample"],
        ["cbpp"] = ["herd", "period"],
        ["grouseticks"] = ["INDEX", "BROOD", "YEAR", "LOCATION"],
        ["InstEval"] = ["s", "d", "studage", "lectage", "service", "dept"],
    };

    /// <summary>The data sets' names, as lme4 spells them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["sleepstudy", "Dyestuff", "Dyestuff2", "Penicillin", "Pastes", "cbpp", "grouseticks", "InstEval"];

    /// <summary>Loads a data set by name (case-insensitive). The table's source is the data set's name.</summary>
    /// <param name="name">The data set's name, e.g. "sleepstudy".</param>
    /// <param name="table">The table, when found.</param>
    /// <returns>Whether <paramref name="name"/> names an embedded data set.</returns>
    public static bool TryLoad(string name, [MaybeNullWhen(false)] out DataTable table)
    {
        ArgumentNullException.ThrowIfNull(name);
        table = null;
        var canonical = Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        if (canonical is null) return false;

        using var stream = typeof(EmbeddedDatasets).Assembly.GetManifestResourceStream($"{ResourcePrefix}{canonical}.csv.gz")
            ?? throw new InvalidOperationException($"embedded data set '{canonical}' is missing from the assembly");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var loaded = CsvReader.Read(reader, canonical, ',');
        foreach (var column in FactorColumns[canonical])
            loaded = ColumnConversions.ToCategorical(loaded, column);
        table = loaded;
        return true;
    }

    /// <summary>Loads a data set by name (case-insensitive).</summary>
    /// <param name="name">The data set's name, e.g. "sleepstudy".</param>
    /// <exception cref="InputException">No data set has that name; the message suggests the closest one.</exception>
    public static DataTable Load(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryLoad(name, out var table)) return table;
        var hint = NameSuggestions.ClosestName(name, Names) is { } closest
            ? $"did you mean '{closest}'?"
            : $"available: {string.Join(", ", Names)}";
        throw new InputException($"unknown data set '{name}' ({hint})");
    }
}
