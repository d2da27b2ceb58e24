using System.Diagnostics;
using System.Globalization;

namespace SparseLmm.Cli;

/// <summary>A one-line spinner on stderr ("| fitting... 12 s") for work that takes more than a second, when stderr
/// is a terminal. A timer thread rewrites the line with '\r'; disposing stops it and blanks the line. Inactive (writes
/// nothing) when not enabled.</summary>
internal sealed class ProgressIndicator : IDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    private const string Spinner = "|/-\\";

    private readonly TextWriter output;
    private readonly Timer? timer;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly object gate = new();
    private string phase;
    private long rows;
    private int tick;
    private int lastLength;
    private bool disposed;

    public ProgressIndicator(TextWriter output, bool enabled, string phase)
    {
        this.output = output;
        this.phase = phase;
        if (enabled) timer = new Timer(_ => Draw(), null, Delay, Period);
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

    /// <summary>The rows read so far in this phase, shown with the rate ("1,200,000 rows, 950,000 rows/s").</summary>
    public void SetRows(long count)
    {
        lock (gate) rows = count;
    }

    private void Draw()
    {
        lock (gate)
        {
            if (disposed || clock.Elapsed < Delay) return;
            string seconds = ((int)clock.Elapsed.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            string line = $"{Spinner[tick++ % Spinner.Length]} {phase}... {seconds} s";
            if (rows > 0)
                line += string.Create(CultureInfo.InvariantCulture, $", {rows:N0} rows, {rows / clock.Elapsed.TotalSeconds:N0} rows/s");
            output.Write("\r" + line.PadRight(lastLength));
            output.Flush();
            lastLength = line.Length;
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
                output.Write("\r" + new string(' ', lastLength) + "\r");
                output.Flush();
            }
        }
    }
}
