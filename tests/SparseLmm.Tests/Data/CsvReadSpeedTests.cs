using System.Diagnostics;
using System.Globalization;
using System.Text;
using SparseLmm.Data;
using Xunit.Abstractions;

namespace SparseLmm.Tests.Data;

/// <summary>Read speed on a synthetic file. Runs only when the environment variable SPARSELMM_PERF=1 is set (it writes
/// a large temporary file); SPARSELMM_PERF_ROWS overrides the row count (default 1,000,000).</summary>
public class CsvReadSpeedTests(ITestOutputHelper output)
{
    /// <summary>Writes rows of y,time,x1,x2,grp,subj,site: y with 4 decimals, time an integer, x1 with 6 decimals, x2 a
    /// full-precision double, text labels for grp (50), subj (10,000) and site (20).</summary>
    internal static void WriteSyntheticFile(string path, int rows, int seed = 1)
    {
        var rng = new Random(seed);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("y,time,x1,x2,grp,subj,site\n");
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(128);
        for (int i = 0; i < rows; i++)
        {
            sb.Clear();
            sb.Append((250 + 50 * (rng.NextDouble() - 0.5)).ToString("F4", ci)).Append(',');
            sb.Append(i % 10).Append(',');
            sb.Append(rng.NextDouble().ToString("F6", ci)).Append(',');
            sb.Append((rng.NextDouble() * 100 - 50).ToString("R", ci)).Append(',');
            sb.Append("grp").Append(rng.Next(50)).Append(',');
            sb.Append("subject").Append(i / 100).Append(',');
            sb.Append("site_").Append(rng.Next(20)).Append('\n');
            writer.Write(sb);
        }
    }

    [Fact]
    public void ReadSpeedOnSyntheticFile()
    {
        if (Environment.GetEnvironmentVariable("SPARSELMM_PERF") != "1") return;
        int rows = int.TryParse(Environment.GetEnvironmentVariable("SPARSELMM_PERF_ROWS"), out var r) ? r : 1_000_000;
        var path = Path.Combine(Path.GetTempPath(), $"speed-{Guid.NewGuid():N}.csv");
        try
        {
            WriteSyntheticFile(path, rows);
            double megabytes = new FileInfo(path).Length / 1e6;
            var best = double.MaxValue;
            DataTable? table = null;
            for (int rep = 0; rep < 5; rep++)
            {
                var watch = Stopwatch.StartNew();
                table = CsvReader.ReadFile(path);
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }
            Assert.Equal(rows, table!.RowCount);
            Assert.IsType<CategoricalColumn>(table["subj"]);
            Assert.IsType<NumericColumn>(table["x2"]);

            var text = File.ReadAllText(path).AsMemory();
            var single = double.MaxValue;
            for (int rep = 0; rep < 3; rep++)
            {
                var watch = Stopwatch.StartNew();
                CsvReader.Parse(text, path, ',', int.MaxValue, 1);
                single = Math.Min(single, watch.Elapsed.TotalSeconds);
            }
            var chunked = double.MaxValue;
            for (int rep = 0; rep < 3; rep++)
            {
                var watch = Stopwatch.StartNew();
                CsvReader.Parse(text, path, ',');
                chunked = Math.Min(chunked, watch.Elapsed.TotalSeconds);
            }
            output.WriteLine($"{rows:N0} rows, {megabytes:F1} MB, {Environment.ProcessorCount} cores: " +
                $"ReadFile {best * 1000:F0} ms = {megabytes / best:F0} MB/s; from memory: " +
                $"single-threaded {single * 1000:F0} ms = {megabytes / single:F0} MB/s, " +
                $"chunked {chunked * 1000:F0} ms = {megabytes / chunked:F0} MB/s");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
