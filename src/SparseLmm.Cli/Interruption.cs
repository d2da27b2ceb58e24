using System.Runtime.InteropServices;

namespace SparseLmm.Cli;

/// <summary>Ctrl+C (SIGINT) for the program. The first cancels <see cref="Token"/>, which the fit, the df, the profile,
/// the bootstrap and MCMC look at before each evaluation, factorization, replicate or iteration: the command stops
/// there and exits 130 with one line (<see cref="CliApplication.CancelledMessage"/>). A step that does not look at it
/// (reading a file, a refit inside a profile) may still be running after <see cref="Grace"/>, or a second Ctrl+C may
/// come: the process then writes the same line and exits 130 itself, so Ctrl+C is never ignored.</summary>
internal sealed class Interruption : IDisposable
{
    /// <summary>How long the work has to stop at its own next check.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource source = new();
    private readonly TextWriter stderr;
    private readonly bool terminal;
    private readonly PosixSignalRegistration registration;
    private readonly object gate = new();
    private Timer? deadline;
    private bool finished;

    /// <param name="stderr">Where the line goes when the process exits by itself.</param>
    /// <param name="terminal">True when <paramref name="stderr"/> is a terminal: the progress line is cleared first.</param>
    public Interruption(TextWriter stderr, bool terminal)
    {
        this.stderr = stderr;
        this.terminal = terminal;
        registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnInterrupt);
    }

    /// <summary>Cancelled by the first Ctrl+C.</summary>
    public CancellationToken Token => source.Token;

    private void OnInterrupt(PosixSignalContext context)
    {
        // Not the runtime's default (ending the process at once, with no word): the work stops at its next check.
        context.Cancel = true;
        lock (gate)
        {
            if (finished) return;
            if (source.IsCancellationRequested)
            {
                Exit();
                return;
            }
            deadline = new Timer(_ => { lock (gate) if (!finished) Exit(); }, null, Grace, Timeout.InfiniteTimeSpan);
            source.Cancel();
        }
    }

    private void Exit()
    {
        stderr.Write((terminal ? "\r\u001b[2K" : "") + CliApplication.CancelledMessage + "\n");
        stderr.Flush();
        Environment.Exit(CliApplication.Cancelled);
    }

    /// <summary>The command has returned: from here on it has written its own last line.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            finished = true;
            deadline?.Dispose();
        }
        registration.Dispose();
        source.Dispose();
    }
}
