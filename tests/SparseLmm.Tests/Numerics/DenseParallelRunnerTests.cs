using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

public class DenseParallelRunnerTests
{
    private sealed class CountingJob : IDenseParallelJob
    {
        public int[] Hits = new int[200];
        public int ThrowAt = -1;
        public int Spin = 2000;

        public void RunChunk(int chunk)
        {
            Interlocked.Increment(ref Hits[chunk]);
            if (chunk == ThrowAt) throw new InvalidOperationException("boom");
            if (Spin > 0) Thread.SpinWait(Spin);
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

    [Fact]
    public void Sessions_of_many_short_phases_run_every_chunk_exactly_once()
    {
        var runner = new DenseParallelRunner(Math.Max(1, Environment.ProcessorCount - 1));
        var jobs = Enumerable.Range(0, 12).Select(i => new CountingJob { Spin = i % 3 == 0 ? 0 : 50 * i }).ToArray();
        for (int session = 0; session < 200; session++)
        {
            runner.BeginSession(8);
            try
            {
                for (int phase = 0; phase < jobs.Length; phase++)
                {
                    var job = jobs[phase];
                    Array.Clear(job.Hits);
                    int chunks = 1 + (session * 7 + phase * 13) % 60;
                    runner.Run(job, chunks);
                    for (int c = 0; c < job.Hits.Length; c++) Assert.Equal(c < chunks ? 1 : 0, job.Hits[c]);
                }
            }
            finally
            {
                runner.EndSession();
            }
        }
    }

    [Fact]
    public void Run_outside_a_session_runs_serially()
    {
        var runner = new DenseParallelRunner(1);
        var job = new CountingJob { Spin = 0 };
        runner.Run(job, 10);
        for (int c = 0; c < 10; c++) Assert.Equal(1, job.Hits[c]);
    }
}
