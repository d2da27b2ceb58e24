using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

public class DenseParallelRunnerTests
{
    private sealed class CountingJob : IDenseParallelJob
    {
        public int[] Hits = new int[200];
        public int ThrowAt = -1;

        public void RunChunk(int chunk)
        {
            Interlocked.Increment(ref Hits[chunk]);
            if (chunk == ThrowAt) throw new InvalidOperationException("boom");
            Thread.SpinWait(2000);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(137, 1)]
    [InlineData(137, 8)]
    public void Every_chunk_runs_exactly_once(int chunks, int maxHelpers)
    {
        var runner = new DenseParallelRunner(Math.Max(1, Environment.ProcessorCount - 1));
        for (int rep = 0; rep < 20; rep++)
        {
            var job = new CountingJob();
            runner.Run(job, chunks, maxHelpers);
            for (int c = 0; c < job.Hits.Length; c++) Assert.Equal(c < chunks ? 1 : 0, job.Hits[c]);
        }
    }

    [Fact]
    public void An_exception_in_a_chunk_is_rethrown_and_the_runner_stays_usable()
    {
        var runner = new DenseParallelRunner(1);
        var bad = new CountingJob { ThrowAt = 5 };
        Assert.Throws<InvalidOperationException>(() => runner.Run(bad, 50, 1));
        var good = new CountingJob();
        runner.Run(good, 50, 1);
        for (int c = 0; c < 50; c++) Assert.Equal(1, good.Hits[c]);
    }
}
