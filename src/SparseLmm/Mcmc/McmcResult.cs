using System.Globalization;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using SparseLmm.Reporting;
using SparseLmm.Results;

namespace SparseLmm.Mcmc;

/// <summary>Posterior draws of a mixed model from <see cref="MixedModelSampler.Sample"/>: every chain's draws of every
/// parameter, and each parameter's posterior summary and convergence diagnostics.</summary>
public sealed class McmcResult
{
    internal McmcResult(IReadOnlyList<string> names, int hyperparameterCount, double[][] chainDraws, int draws,
        McmcOptions options, int warmup, double milliseconds, IReadOnlyList<McmcParameterSummary> summaries, IReadOnlyList<string> notes,
        string algorithm, double? acceptanceRate)
    {
        Algorithm = algorithm;
        AcceptanceRate = acceptanceRate;
        Names = Frozen.List(names);
        HyperparameterCount = hyperparameterCount;
        this.chainDraws = chainDraws;
        DrawsPerChain = draws;
        Options = options;
        Warmup = warmup;
        Milliseconds = milliseconds;
        Summaries = Frozen.List(summaries);
        Notes = Frozen.List(notes);
    }

    private readonly double[][] chainDraws;

    /// <summary>The parameters: SDs and correlations per term, <c>sigma</c> (linear mixed models), the fixed effects,
    /// then the random effects (when kept).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>How many of <see cref="Names"/> are variance parameters, σ and fixed effects (the rest are random effects).</summary>
    public int HyperparameterCount { get; }

    /// <summary>How the draws were made, in words (the JSON's <c>algorithm</c>).</summary>
    internal string Algorithm { get; }

    /// <summary>For a GLMM, the share of the Metropolis–Hastings moves accepted after the warmup, over all chains;
    /// null for a linear mixed model (whose Gibbs sampler accepts every draw).</summary>
    public double? AcceptanceRate { get; }

    /// <summary>The options sampled with.</summary>
    public McmcOptions Options { get; }

    /// <summary>Draws per chain (after the warmup).</summary>
    public int DrawsPerChain { get; }

    /// <summary>Warmup iterations per chain.</summary>
    public int Warmup { get; }

    /// <summary>Wall time of the sampling.</summary>
    public double Milliseconds { get; }

    /// <summary>Per parameter, in <see cref="Names"/> order: mean, SD, interval, R-hat, ESS.</summary>
    public IReadOnlyList<McmcParameterSummary> Summaries { get; }

    /// <summary>Notes for the user (random effects not kept, diagnostics beyond their thresholds).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when every parameter has R-hat below 1.01 and bulk and tail ESS of at least 100 per chain (the
    /// thresholds of Vehtari et al. 2021).</summary>
    public bool Converged => MeetsThresholds(Summaries, Options.Chains);

    internal static bool MeetsThresholds(IEnumerable<McmcParameterSummary> summaries, int chains) =>
        summaries.All(s => s.Rhat < RhatThreshold && s.BulkEss >= EssPerChain * chains && s.TailEss >= EssPerChain * chains);

    internal const double RhatThreshold = 1.01;
    internal const double EssPerChain = 100;

    /// <summary>Draw <paramref name="draw"/> of parameter <paramref name="parameter"/> in chain <paramref name="chain"/>.</summary>
    public double Draw(int chain, int draw, int parameter) => chainDraws[chain][draw * Names.Count + parameter];

    /// <summary>The draws of <paramref name="parameter"/> in chain <paramref name="chain"/>, in order.</summary>
    public double[] ChainDraws(int chain, int parameter)
    {
        var values = new double[DrawsPerChain];
        for (int d = 0; d < DrawsPerChain; d++) values[d] = Draw(chain, d, parameter);
        return values;
    }

    /// <summary>Writes every draw as CSV: columns <c>chain</c>, <c>draw</c> (1-based), then one per parameter.</summary>
    public void WriteDrawsCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("chain,draw");
        foreach (var name in Names) writer.Write("," + Quote(name));
        writer.Write('\n');
        var line = new StringBuilder();
        for (int c = 0; c < chainDraws.Length; c++)
            for (int d = 0; d < DrawsPerChain; d++)
            {
                line.Clear();
                line.Append(c + 1).Append(',').Append(d + 1);
                for (int j = 0; j < Names.Count; j++)
                    line.Append(',').Append(Draw(c, d, j).ToString("R", CultureInfo.InvariantCulture));
                writer.Write(line.Append('\n').ToString());
            }
    }

    /// <summary>Writes every draw as Parquet (one row group): the columns of <see cref="WriteDrawsCsv"/>, <c>chain</c>
    /// and <c>draw</c> as 32-bit integers (1-based), one double column per parameter.</summary>
    public void WriteDrawsParquet(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var fields = new DataField[] { new DataField<int>("chain", false), new DataField<int>("draw", false) }
            .Concat(Names.Select(name => new DataField<double>(name, false))).ToArray();
        int rows = chainDraws.Length * DrawsPerChain;
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).GetAwaiter().GetResult();
        try
        {
            using var group = writer.CreateRowGroup();
            var chain = new int[rows];
            var draw = new int[rows];
            for (int row = 0; row < rows; row++)
            {
                chain[row] = row / DrawsPerChain + 1;
                draw[row] = row % DrawsPerChain + 1;
            }
            group.WriteAsync(fields[0], new ReadOnlyMemory<int>(chain)).GetAwaiter().GetResult();
            group.WriteAsync(fields[1], new ReadOnlyMemory<int>(draw)).GetAwaiter().GetResult();
            var column = new double[rows];
            for (int j = 0; j < Names.Count; j++)
            {
                for (int row = 0; row < rows; row++) column[row] = Draw(row / DrawsPerChain, row % DrawsPerChain, j);
                group.WriteAsync(fields[2 + j], new ReadOnlyMemory<double>(column)).GetAwaiter().GetResult();
            }
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The posterior table: the variance parameters, σ and the fixed effects, then the worst diagnostics
    /// over the random effects.</summary>
    public string Summary()
    {
        var output = new StringBuilder();
        string percent = (100 * Options.Level).ToString("0.#", CultureInfo.InvariantCulture);
        output.Append(CultureInfo.InvariantCulture,
            $"MCMC: {Options.Chains} chains x {DrawsPerChain} draws (warmup {Warmup}), seed {Options.Seed}, prior {PriorName(Options.Prior)}{(AcceptanceRate is { } rate ? $", {rate:P0} of the moves accepted" : "")}; {Milliseconds / 1000:0.00} s\n");
        var rows = Summaries.Take(HyperparameterCount).ToList();
        var cells = rows.Select(s => (IReadOnlyList<string>)
        [
            Number(s.Mean), Number(s.StandardDeviation), Number(s.Lower), Number(s.Upper),
            s.Rhat.ToString("0.000", CultureInfo.InvariantCulture), Count(s.BulkEss), Count(s.TailEss),
        ]).ToList();
        TextTable.Append(output, rows.Select(s => s.Name).ToList(),
            ["mean", "sd", $"{percent}% lower", "upper", "Rhat", "ess_bulk", "ess_tail"], cells, rightJustify: true);
        var effects = Summaries.Skip(HyperparameterCount).ToList();
        if (effects.Count > 0)
            output.Append(CultureInfo.InvariantCulture,
                $"random effects ({effects.Count}): max Rhat {effects.Max(s => s.Rhat):0.000}, min ess_bulk {Count(effects.Min(s => s.BulkEss))}, min ess_tail {Count(effects.Min(s => s.TailEss))}\n");
        foreach (var note in Notes) output.Append("note: ").Append(note).Append('\n');
        return output.ToString();
    }

    /// <summary>Writes the result as one JSON object: the settings, then <c>parameters</c>, one object per parameter
    /// (<c>name</c>, <c>mean</c>, <c>sd</c>, <c>lower</c>, <c>upper</c>, <c>rhat</c>, <c>ess_bulk</c>, <c>ess_tail</c>).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("chains", Options.Chains);
        writer.WriteNumber("draws", DrawsPerChain);
        writer.WriteNumber("warmup", Warmup);
        writer.WriteNumber("seed", Options.Seed);
        writer.WriteString("prior", PriorName(Options.Prior));
        writer.WriteNumber("level", Options.Level);
        writer.WriteString("algorithm", Algorithm);
        writer.WriteBoolean("converged", Converged);
        writer.WriteNumber("milliseconds", Milliseconds);
        writer.WriteStartArray("parameters");
        foreach (var s in Summaries)
        {
            writer.WriteStartObject();
            writer.WriteString("name", s.Name);
            Write(writer, "mean", s.Mean);
            Write(writer, "sd", s.StandardDeviation);
            Write(writer, "lower", s.Lower);
            Write(writer, "upper", s.Upper);
            Write(writer, "rhat", s.Rhat);
            Write(writer, "ess_bulk", s.BulkEss);
            Write(writer, "ess_tail", s.TailEss);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("notes");
        foreach (var note in Notes) writer.WriteStringValue(note);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    internal static string PriorName(McmcPrior prior) => prior == McmcPrior.HalfStudentT ? "half-t" : "rstanarm-decov";

    private static void Write(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }

    private static string Number(double value) => RNumberFormat.Format(value, 5);

    private static string Count(double value) => double.IsFinite(value) ? Math.Round(value).ToString(CultureInfo.InvariantCulture) : "NA";

    private static string Quote(string name) =>
        name.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
}
