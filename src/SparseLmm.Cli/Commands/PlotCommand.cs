using SparseLmm.Data;
using SparseLmm.Plotting;
using SparseLmm.Results;

namespace SparseLmm.Cli.Commands;

/// <summary><c>sparselmm plot DATA FORMULA --kind KIND --out FILE.png|FILE.svg [fit options]</c>: fits the model and
/// draws one figure.</summary>
internal static class PlotCommand
{
    public static int Run(FitSettings settings, IReadOnlyList<string> positional, TextWriter stdout, TextWriter stderr, bool interactive,
        CancellationToken cancellation)
    {
        settings.Data = positional[0];
        settings.Formula = positional[1];
        if (settings.Kind is null)
            throw new UsageException(
                $"plot needs --kind KIND ({string.Join(", ", PlotKinds.All.Select(k => k.Name()))})");
        if (settings.Out is null)
            throw new UsageException("plot needs --out FILE.png or --out FILE.svg");
        var kind = PlotKinds.Parse(settings.Kind);
        bool posteriorKind = kind is PlotKind.Trace or PlotKind.Density;
        if (posteriorKind && settings.Mcmc is null)
            throw new UsageException($"--kind {kind.Name()} draws MCMC draws: add --mcmc N (draws per chain)");
        if (!posteriorKind && settings.Mcmc is not null)
            throw new UsageException($"--mcmc applies to plot --kind trace or density, not to --kind {kind.Name()}");
        PlotInputs.CheckOutput(settings.Out);
        ModelPlot.FormatOf(settings.Out);

        var (fit, data) = PlotInputs.Fit(settings, stderr, interactive, cancellation);
        var posterior = McmcOutput.Sample(settings, fit, cancellation);
        using (var plot = PlotBuilder.Create(fit, data, kind, posterior: posterior))
            PlotInputs.Write(settings.Out, plot.Save);
        PlotInputs.WarnIfNoFonts(stderr);
        PlotInputs.NoteDroppedRows(fit, stderr);
        stderr.WriteLine($"sparselmm: wrote {settings.Out}");
        return CliApplication.Success;
    }
}

/// <summary>What <c>plot</c> and <c>report</c> share: argument checks, the fit, and writing the output file.</summary>
internal static class PlotInputs
{
    /// <summary>Reads the data, fits the model with the fit options, and returns the fit with the table as fitted
    /// (after the <c>--factor</c> conversions); <paramref name="cancellation"/> stops the fit.</summary>
    public static (MixedModelFit Fit, DataTable Data) Fit(FitSettings settings, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        var options = FitCommand.Validate(settings);
        using var progress = new ProgressIndicator(stderr, interactive, "reading data");
        var data = MixedModel.LoadData(settings.Data!, settings.Threads);
        progress.SetPhase("fitting");
        var fit = MixedModel.Fit(settings.Formula!, data, options, cancellationToken: cancellation);
        progress.SetPhase("drawing");
        foreach (var column in options.FactorColumns ?? [])
            data = ColumnConversions.ToCategorical(data, column);
        return (fit, data);
    }

    /// <summary>Refuses, before any fitting, an output path that is a directory.</summary>
    public static void CheckOutput(string path)
    {
        if (Directory.Exists(path))
            throw new InputException($"cannot write '{path}': it is a directory (give a file name, e.g. {Path.Combine(path, "figure.png")})");
    }

    /// <summary>Writes the output file, turning a file-system failure into a one-line input error.</summary>
    public static void Write(string path, Action<string> write)
    {
        try
        {
            write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot write '{path}': {e.Message}");
        }
    }

    public static void NoteDroppedRows(MixedModelFit fit, TextWriter stderr)
    {
        if (fit.DroppedRowCount > 0)
            stderr.WriteLine($"sparselmm: note: {fit.DroppedRowCount} row(s) dropped for missing values; {fit.ObservationCount} used");
    }

    public static void WarnIfNoFonts(TextWriter stderr)
    {
        if (!PlotStyle.FontsAvailable)
            stderr.WriteLine("sparselmm: note: no fonts found, so the figures have no text; on Debian: apt-get install fonts-dejavu-core");
    }
}
