using BenchmarkDotNet.Running;

namespace SparseLmm.Bench;

/// <summary>Entry point: <c>generate …</c> writes a simulated data set; anything else goes to BenchmarkDotNet
/// (e.g. <c>--filter '*Sleepstudy*'</c>, <c>--anyCategories Simulated</c>, <c>--list flat</c>).</summary>
public static class Program
{
    /// <summary>Runs the generator or the benchmarks.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "generate")
            return GenerateCommand.Run(args.AsSpan(1));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
