using System.Diagnostics;
using System.Globalization;

namespace SparseLmm.Bench;

/// <summary><c>generate --rows N --seed S --out FILE.csv [--shape panel|nested|crossed] [--sites K]
/// [--rows-per-subject M] [--visits fixed|poisson]</c>: writes one of the simulated data sets. N accepts a K or M suffix (1M = 1,000,000).
/// <list type="bullet">
/// <item><c>panel</c> (default): the panel of issue 5 (<see cref="SimulatedPanelData"/>); <c>--sites</c> and
/// <c>--rows-per-subject</c> (the mean, with <c>--visits poisson</c>: 1 + Poisson(M − 1) rows per subject) apply to
/// it only.</item>
/// <item><c>nested</c>: visits within students within classes within schools (<see cref="NestedSchoolData"/>).</item>
/// <item><c>crossed</c>: pupils cross-classified by primary and secondary school (<see cref="CrossedSchoolData"/>).</item>
/// </list></summary>
internal static class GenerateCommand
{
    private const string Usage =
        "usage: generate --rows N --seed S --out FILE.csv [--shape panel|nested|crossed (panel)]\n" +
        "                [--sites K (2000)] [--rows-per-subject M (10)] [--visits fixed|poisson (fixed)]   (panel only)";

    /// <summary>Parses the options and writes the file; returns the process exit code.</summary>
    public static int Run(ReadOnlySpan<string> args)
    {
        int? rows = null;
        ulong seed = 1;
        string? output = null;
        string shape = "panel";
        int? sites = null, rowsPerSubject = null;
        string? visits = null;
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return 0;
            }
            if (i + 1 >= args.Length) return Fail($"{option} needs a value");
            string value = args[++i];
            switch (option)
            {
                case "--rows" when TryParseCount(value, out int n) && n > 0: rows = n; break;
                case "--seed" when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s): seed = s; break;
                case "--out": output = value; break;
                case "--shape" when value is "panel" or "nested" or "crossed": shape = value; break;
                case "--shape": return Fail($"--shape: '{value}' is not panel, nested or crossed");
                case "--sites" when TryParseCount(value, out int k) && k > 0: sites = k; break;
                case "--rows-per-subject" when TryParseCount(value, out int m) && m > 0: rowsPerSubject = m; break;
                case "--visits" when value is "fixed" or "poisson": visits = value; break;
                case "--visits": return Fail($"--visits: '{value}' is not fixed or poisson");
                case "--rows" or "--seed" or "--sites" or "--rows-per-subject":
                    return Fail($"{option}: '{value}' is not a positive whole number");
                default: return Fail($"unknown option '{option}'");
            }
        }
        if (rows is null || output is null) return Fail("--rows and --out are required");
        if (shape != "panel" && (sites is not null || rowsPerSubject is not null || visits is not null))
            return Fail("--sites, --rows-per-subject and --visits apply to --shape panel only");

        var clock = Stopwatch.StartNew();
        string summary = shape switch
        {
            "nested" => WriteNested(rows.Value, seed, output),
            "crossed" => WriteCrossed(rows.Value, seed, output),
            _ => WritePanel(rows.Value, seed, output, sites ?? SimulatedPanelData.DefaultSites,
                rowsPerSubject ?? SimulatedPanelData.DefaultRowsPerSubject, visits == "poisson"),
        };
        clock.Stop();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {summary}, seed {seed}, in {clock.Elapsed.TotalSeconds:F2} s"));
        return 0;
    }

    private static string WritePanel(int rows, ulong seed, string output, int sites, int rowsPerSubject, bool poissonVisits)
    {
        var data = new SimulatedPanelData(rows, seed, sites, rowsPerSubject, poissonVisits);
        long bytes = data.WriteCsv(output);
        return string.Create(CultureInfo.InvariantCulture,
            $"{data.Rows} rows, {data.Subjects} subjects, {data.Sites} sites, {bytes / 1e6:F1} MB; model {SimulatedPanelData.Formula}");
    }

    private static string WriteNested(int rows, ulong seed, string output)
    {
        var data = new NestedSchoolData(rows, seed);
        long bytes = data.WriteCsv(output);
        return string.Create(CultureInfo.InvariantCulture,
            $"{data.Rows} rows, {data.Students} students, {data.Classes} classes, {data.Schools} schools, {bytes / 1e6:F1} MB; " +
            $"model {NestedSchoolData.Formula} (or {NestedSchoolData.InterceptsFormula})");
    }

    private static string WriteCrossed(int rows, ulong seed, string output)
    {
        var data = new CrossedSchoolData(rows, seed);
        long bytes = data.WriteCsv(output);
        return string.Create(CultureInfo.InvariantCulture,
            $"{data.Rows} rows, {data.Primaries} primaries, {data.Secondaries} secondaries, {data.Regions} regions, " +
            $"{bytes / 1e6:F1} MB; model {CrossedSchoolData.Formula}");
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"generate: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    /// <summary>Parses 1000, 1_000, 1,000, 10K or 10M.</summary>
    private static bool TryParseCount(string text, out int value)
    {
        value = 0;
        text = text.Replace("_", "").Replace(",", "").Trim();
        long multiplier = 1;
        if (text.EndsWith('k') || text.EndsWith('K')) multiplier = 1_000;
        else if (text.EndsWith('m') || text.EndsWith('M')) multiplier = 1_000_000;
        if (multiplier != 1) text = text[..^1];
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long number)) return false;
        long result = number * multiplier;
        if (result > int.MaxValue) return false;
        value = (int)result;
        return true;
    }
}
