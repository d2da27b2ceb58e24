using SparseLmm.Streaming;

namespace SparseLmm.Tests.Streaming;

/// <summary>Reading ahead keeps the order, surfaces the source's exception as itself, and disposes the source when the
/// caller stops early.</summary>
public class ChunkPrefetchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheItemsArriveInOrder(int threads) =>
        Assert.Equal(Enumerable.Range(0, 1000), ChunkPrefetch.Ahead(Enumerable.Range(0, 1000), threads));

    [Fact]
    public void AnExceptionOfTheSourceReachesTheCallerAsItself()
    {
        static IEnumerable<int> Failing()
        {
            yield return 1;
            throw new InputException("bad chunk");
        }
        var seen = new List<int>();
        var error = Assert.Throws<InputException>(() =>
        {
            foreach (var item in ChunkPrefetch.Ahead(Failing(), 2)) seen.Add(item);
        });
        Assert.Equal("bad chunk", error.Message);
        Assert.Equal([1], seen);
    }

    [Fact]
    public void StoppingEarlyDisposesTheSource()
    {
        bool disposed = false;
        IEnumerable<int> Source()
        {
            try
            {
                for (int i = 0; ; i++) yield return i;
            }
            finally
            {
                disposed = true;
            }
        }
        Assert.Equal([0, 1, 2], ChunkPrefetch.Ahead(Source(), 2).Take(3));
        Assert.True(disposed);
    }
}
