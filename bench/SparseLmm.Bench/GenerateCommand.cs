using System.Diagnostics;
using System.Globalization;

namespace SparseLmm.Bench;

/// <summary><c>generate --rows N --seed S --out FILE.csv [--sites K] [--rows-per-subject M]</c>: writes the simulated
/// panel of issue 5. N accepts a K or M suffix (1M = 1,000,000).</summary>
internal static class GenerateCommand
{
    private const string Usage =
        "usage: generate --rows N --seed S --out FILE.csv [--sites K (2000)] [--rows-per-subject M (10)]";

    /// <summary>Parses the options and writes the file; returns the process exit code.</summary>
    public static int Run(ReadOnlySpan<string> args)
    {
        int? rows = null;
        ulong seed = 1;
        string? output = null;
        int sites = SimulatedPanelData.DefaultSites, rowsPerSubject = SimulatedPanelData.DefaultRowsPerSubject;
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
                case "--sites" when TryParseCount(value, out int k) && k > 0: sites = k; break;
                case "--rows-per-subject" when TryParseCount(value, out int m) && m > 0: rowsPerSubject = m; break;
                case "--rows" or "--seed" or "--sites" or "--rows-per-subject":
                    return Fail($"{option}: '{value}' is not a positive whole number");
                default: return Fail($"unknown option '{option}'");
            }
        }
        if (rows is null || output is null) return Fail("--rows and --out are required");

        var clock = Stopwatch.StartNew();
        var data = new SimulatedPanelData(rows.Value, seed, sites, rowsPerSubject);
        long bytes = data.WriteCsv(output);
        clock.Stop();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {data.Rows} rows, {data.Subjects} subjects, {data.Sites} sites, seed {seed}, {bytes / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F2} s"));
        return 0;
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
