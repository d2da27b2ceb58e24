using System.Text;
using SparseLmm.Plotting;

namespace SparseLmm.Cli.Commands;

/// <summary><c>sparselmm report DATA FORMULA --out report.html [fit options] [--mcmc N ...]</c>: fits the model and
/// writes one self-contained HTML page with the summary and every figure that applies (with <c>--mcmc</c>, the
/// posterior table and the trace and density figures too).</summary>
internal static class ReportCommand
{
    public static int Run(FitSettings settings, IReadOnlyList<string> positional, TextWriter stdout, TextWriter stderr, bool interactive,
        CancellationToken cancellation)
    {
        settings.Data = positional[0];
        settings.Formula = positional[1];
        if (settings.Out is null)
            throw new UsageException("report needs --out FILE.html");
        PlotInputs.CheckOutput(settings.Out);
        var extension = Path.GetExtension(settings.Out).ToLowerInvariant();
        if (extension is not (".html" or ".htm"))
            throw new UsageException($"report writes one HTML page: --out must end in .html, not '{settings.Out}' (for one figure use plot)");

        var (fit, data) = PlotInputs.Fit(settings, stderr, interactive, cancellation);
        // With --mcmc the page adds the posterior table and the trace and density figures.
        var posterior = McmcOutput.Sample(settings, fit, cancellation);
        string html = HtmlReport.Create(fit, data, settings.Data, posterior: posterior);
        PlotInputs.Write(settings.Out, path => File.WriteAllText(path, html, new UTF8Encoding(false)));
        PlotInputs.WarnIfNoFonts(stderr);
        PlotInputs.NoteDroppedRows(fit, stderr);
        stderr.WriteLine($"sparselmm: wrote {settings.Out}");
        return CliApplication.Success;
    }
}
