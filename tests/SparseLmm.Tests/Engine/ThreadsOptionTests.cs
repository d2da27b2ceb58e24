using SparseLmm.Numerics;

namespace SparseLmm.Tests.Engine;

/// <summary><see cref="FitOptions.Threads"/> changes how the work is shared, not the answer.</summary>
public class ThreadsOptionTests
{
    [Fact]
    public void One_and_two_threads_give_the_same_fit()
    {
        // More first-term levels than the parallel level pass starts at (2 chunks of 4,096), and a crossed second term.
        var table = SimulatedDesigns.Crossed(seed: 5, rows: 30_000, firstLevels: 9_000, secondLevels: 30);
        const string formula = "y ~ 1 + x + (1 | g) + (1 | h)";
        var single = MixedModel.Fit(formula, table, new FitOptions(Reml: false, Threads: 1));
        var two = MixedModel.Fit(formula, table, new FitOptions(Reml: false, Threads: 2));
        Assert.Equal(single.LogLikelihood, two.LogLikelihood, 1e-8);
        Assert.Equal(single.Timing.Evaluations, two.Timing.Evaluations);
        for (int i = 0; i < single.FixedEffects.Count; i++)
            Assert.Equal(single.FixedEffects[i].Estimate, two.FixedEffects[i].Estimate, 1e-8);
    }
}
