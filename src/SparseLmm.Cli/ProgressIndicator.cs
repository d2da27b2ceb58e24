using System.Diagnostics;
using System.Globalization;

namespace SparseLmm.Cli;

/// <summary>A one-line spinner on stderr ("| fitting: 37 evaluations, REML criterion 1743.63... 12 s",
/// "| boot 120/1000... 14 s") for work that takes more
/// than a second, when stderr is a terminal. A timer thread rewrites the line with '\r'; disposing stops it and blanks
/// the line. Inactive (writes nothing) when not enabled, so output redirected to a file or a pipe stays clean.</summary>
internal sealed class ProgressIndicator : IDisposable
{
    private static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    private const string Spinner = "|/-\\";

    private readonly TextWriter output;
    private readonly TimeSpan delay;
    private readonly Timer? timer;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly object gate = new();
    private string phase;
    private long rows;
    private int tick;
    private int lastLength;
    private bool disposed;

    /// <param name="delay">How long a phase runs before it is shown (default one second).</param>
    public ProgressIndicator(TextWriter output, bool enabled, string phase, TimeSpan? delay = null)
    {
        this.output = output;
        this.phase = phase;
        this.delay = delay ?? DefaultDelay;
        if (enabled) timer = new Timer(_ => Draw(), null, this.delay, Period);
    }

    /// <summary>Changes the text shown ("reading data", "fitting 2/5") and restarts the clock.</summary>
    public void SetPhase(string text)
    {
        lock (gate)
        {
            phase = text;
            rows = 0;
            clock.Restart();
        }
    }

    /// <summary>Changes the text shown without restarting the clock: the count of a phase ("boot 120/1000").</summary>
    public void Update(string text)
    {
        lock (gate) phase = text;
    }

    /// <summary>A counter for work of <paramref name="total"/> steps, shown as "<paramref name="label"/> done/total"
    /// from whichever thread reports (the bootstrap's workers).</summary>
    public IProgress<int> Counter(string label, int total) => new StepCounter(this, label, total);

    private sealed class StepCounter(ProgressIndicator indicator, string label, int total) : IProgress<int>
    {
        public void Report(int value) => indicator.Update($"{label} {value}/{total}");
    }

    /// <summary>The fit's reports shown as "<paramref name="phase"/>: 37 evaluations, <paramref name="objective"/>
    /// 1743.63" (the best value of the current search), on the fitting thread, so nothing is posted anywhere.</summary>
    public IProgress<FitProgress> Fit(string phase, string objective) => new FitReporter(this, phase, objective);

    private sealed class FitReporter(ProgressIndicator indicator, string phase, string objective) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => indicator.Update(Describe(phase, objective, value));
    }

    /// <summary>The text of one fit report: what the fit is doing, the evaluations so far and the best objective.</summary>
    internal static string Describe(string phase, string objective, FitProgress report)
    {
        string evaluations = report.Evaluations == 1 ? "1 evaluation" : $"{report.Evaluations:N0} evaluations";
        return report.Stage switch
        {
            FitStage.Rows => phase,
            FitStage.Covariance => $"{phase}: {evaluations}, the Hessian for the fixed effects' covariance",
            _ when double.IsNaN(report.BestObjective) => $"{phase}: {evaluations}",
            _ => string.Create(CultureInfo.InvariantCulture, $"{phase}: {evaluations}, {objective} {report.BestObjective:F2}"),
        };
    }

    /// <summary>The rows read so far in this phase, shown with the rate ("1,200,000 rows, 950,000 rows/s").</summary>
    public void SetRows(long count)
    {
        lock (gate) rows = count;
    }

    private void Draw()
    {
        lock (gate)
        {
            if (disposed || clock.Elapsed < delay) return;
            string seconds = ((int)clock.Elapsed.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            string line = $"{Spinner[tick++ % Spinner.Length]} {phase}... {seconds} s";
            if (rows > 0)
                line += string.Create(CultureInfo.InvariantCulture, $", {rows:N0} rows, {rows / clock.Elapsed.TotalSeconds:N0} rows/s");
            // Padded over the longest line written before; the cursor stays at the padding's end, which the blanking
            // (and the terminal's "^C") starts from.
            string padded = line.PadRight(lastLength);
            output.Write("\r" + padded);
            output.Flush();
            lastLength = padded.Length;
        }
    }

    public void Dispose()
    {
        if (timer is not null)
        {
            using var done = new ManualResetEvent(false);
            if (timer.Dispose(done)) done.WaitOne(TimeSpan.FromSeconds(2));
        }
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            if (lastLength > 0)
            {
                // Two more: the "^C" a terminal echoes after the line when Ctrl+C ends the work.
                output.Write("\r" + new string(' ', lastLength + 2) + "\r");
                output.Flush();
            }
        }
    }
}
