using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using SparseLmm.Data;

namespace SparseLmm.Bench;

/// <summary>Reading the simulated panel's CSV file (1M rows, 51.7 MB) into columns; the issue asks ≥ 100 MB/s.
/// The file is generated into the temp directory once per run (same bytes as <c>generate --rows 1M --seed 42</c>).</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Io", "Simulated")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[Config(typeof(Config))]
public class CsvReadBenchmarks
{
    private string path = "";

    /// <summary>Rows of simulated data.</summary>
    [Params(1_000_000)]
    public int Rows { get; set; } = 1_000_000;

    /// <summary>Writes the file.</summary>
    [GlobalSetup]
    public void Setup()
    {
        path = Path.Combine(Path.GetTempPath(), $"sparselmm-bench-{Rows}-{Workload.SimulatedSeed}-{Environment.ProcessId}.csv");
        long bytes = new SimulatedPanelData(Rows, Workload.SimulatedSeed).WriteCsv(path);
        Console.WriteLine($"// {path}: {bytes} bytes, {(double)bytes / Rows:F1} bytes a row");
    }

    /// <summary>Deletes the file.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(path);
    }

    /// <summary>Reads the whole file.</summary>
    [Benchmark]
    public DataTable ReadCsv() => CsvReader.ReadFile(path);

    private sealed class Config : ManualConfig
    {
        // The summary is printed by the host process, which never ran the setup: the size follows from the row count
        // (51.7 bytes a row for this generator), measured once here to calibrate.
        public Config() => AddColumn(new PerSecondColumn("MB/s", c => PerSecondColumn.Parameter(c, nameof(Rows)) * BytesPerRow, 1e6));
    }

    /// <summary>Average bytes per row of the generated CSV (measured on 1M rows, seed 42).</summary>
    internal const double BytesPerRow = 51.7;
}
