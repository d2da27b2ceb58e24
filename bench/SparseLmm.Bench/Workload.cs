using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Bench;

/// <summary>A model on a data set, as the benchmarks and the lme4 comparison (bench/run-lme4.R) run it.</summary>
/// <param name="Name">Name used as a benchmark parameter.</param>
/// <param name="Formula">The lme4 formula.</param>
/// <param name="Options">REML or ML, and the columns made categorical.</param>
/// <param name="Load">Loads (or generates) the data.</param>
internal sealed record Workload(string Name, string Formula, FitOptions Options, Func<DataTable> Load)
{
    /// <summary>Rows of the simulated workload.</summary>
    public const int SimulatedRows = 1_000_000;

    /// <summary>Seed of the simulated workload; bench/compare-lme4.sh generates its file with the same seed.</summary>
    public const ulong SimulatedSeed = 42;

    /// <summary>sleepstudy, REML: <c>Reaction ~ 1 + Days + (1 + Days | Subject)</c>.</summary>
    public static Workload Sleepstudy { get; } = new("sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)",
        new FitOptions(Reml: true), () => EmbeddedDatasets.Load("sleepstudy"));

    /// <summary>InstEval, ML, service a factor.</summary>
    public static Workload InstEval { get; } = new("InstEval", "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)",
        new FitOptions(Reml: false, FactorColumns: ["service"]), () => EmbeddedDatasets.Load("InstEval"));

    /// <summary>The simulated panel (1M rows, seed 42), ML.</summary>
    public static Workload Simulated { get; } = new("simulated1M", SimulatedPanelData.Formula,
        new FitOptions(Reml: false), () => new SimulatedPanelData(SimulatedRows, SimulatedSeed).ToDataTable());

    /// <summary>The three-level nested design of issue 9 (1M rows, seed 42), random slopes per student, ML: the
    /// supernodal rest with no fill.</summary>
    public static Workload Nested { get; } = new("nested1M", NestedSchoolData.Formula, new FitOptions(Reml: false),
        () => ThroughCsv("nested", path => new NestedSchoolData(SimulatedRows, SimulatedSeed).WriteCsv(path)));

    /// <summary>The cross-classified design of issue 9 (1M rows: 20,000 primaries × 4,000 secondaries, seed 42), ML.</summary>
    public static Workload Crossed { get; } = new("crossed1M", CrossedSchoolData.Formula, new FitOptions(Reml: false),
        () => ThroughCsv("crossed", path => new CrossedSchoolData(SimulatedRows, SimulatedSeed).WriteCsv(path)));

    /// <summary>Writes a generated file to a temporary path and reads it back as the CLI would (the generators stream
    /// CSV; reading it keeps the labels and their order exactly as a user's file would have them).</summary>
    private static DataTable ThroughCsv(string name, Action<string> write)
    {
        string path = Path.Combine(Path.GetTempPath(), $"sparselmm-bench-{name}-{Environment.ProcessId}.csv");
        try
        {
            write(path);
            return CsvReader.ReadFile(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The workload called <paramref name="name"/>.</summary>
    public static Workload Named(string name) => name switch
    {
        "sleepstudy" => Sleepstudy,
        "InstEval" => InstEval,
        "simulated1M" => Simulated,
        "nested1M" => Nested,
        "crossed1M" => Crossed,
        _ => throw new ArgumentException($"unknown workload '{name}'", nameof(name)),
    };

    /// <summary>Parses the formula and codes the design, as <see cref="MixedModel.Fit(string, DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/> does.</summary>
    public ModelDesign BuildDesign(DataTable table)
    {
        foreach (var column in Options.FactorColumns ?? [])
            table = ColumnConversions.ToCategorical(table, column);
        return ModelDesignBuilder.Build(FormulaParser.Parse(Formula), table);
    }

    /// <summary>The cross-product layout of a design, terms ordered as <see cref="LinearMixedModelFitter"/> orders them.</summary>
    public static CrossProductLayout Layout(ModelDesign design) =>
        new(design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList(), design.FixedEffectCount, design.RowCount);

    /// <summary>The response of a gaussian design.</summary>
    public static double[] Response(ModelDesign design) => ((NumericResponse)design.Response).Values;

    /// <summary>The objective of the design, over cross-products accumulated once (the fitter's wiring).</summary>
    public ProfiledDeviance Objective(ModelDesign design)
    {
        var products = new CrossProducts(Layout(design));
        products.AccumulateCentred(design, Response(design));
        return new ProfiledDeviance(products, Options.Reml);
    }
}
