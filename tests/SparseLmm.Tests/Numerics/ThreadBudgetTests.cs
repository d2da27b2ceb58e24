using SparseLmm.Numerics;

namespace SparseLmm.Tests.Numerics;

public class ThreadBudgetTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(64)]
    public void A_requested_count_is_kept_up_to_the_processors(int requested) =>
        Assert.Equal(Math.Min(requested, Environment.ProcessorCount), new ThreadBudget(requested).Degree);

    [Fact]
    public void The_automatic_count_is_every_processor()
    {
        Assert.Equal(Environment.ProcessorCount, new ThreadBudget().Degree);
        Assert.Equal(Environment.ProcessorCount, new ThreadBudget(0).Degree);
    }

    [Fact]
    public void A_negative_count_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadBudget(-1));
}
