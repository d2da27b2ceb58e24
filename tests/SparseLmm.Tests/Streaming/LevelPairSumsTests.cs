using SparseLmm.Streaming;

namespace SparseLmm.Tests.Streaming;

/// <summary>The pair sums hold what a plain dictionary of blocks holds, before and after they turn dense, and list
/// the pairs by ascending key.</summary>
public class LevelPairSumsTests
{
    [Theory]
    [InlineData(7, 5, 1, 20)] // dense early
    [InlineData(300, 40, 2, 20000)] // dense after a quarter of the pairs occur
    [InlineData(1000, 1000, 3, 5000)] // sparse throughout
    public void TheSumsAreThoseOfADictionaryOfBlocks(int firstLevels, int secondLevels, int blockSize, int additions)
    {
        var random = new Random(firstLevels + additions);
        long cells = (long)firstLevels * secondLevels;
        var sums = new LevelPairSums(cells, blockSize);
        var reference = new Dictionary<long, double[]>();
        for (int i = 0; i < additions; i++)
        {
            long key = random.NextInt64(cells);
            int at = sums.Slot(key);
            if (!reference.TryGetValue(key, out var block)) reference[key] = block = new double[blockSize];
            for (int e = 0; e < blockSize; e++)
            {
                double value = random.NextDouble();
                sums.Values[at + e] += value;
                block[e] += value;
            }
        }
        Assert.Equal(reference.Count, sums.Count);
        var entries = sums.Entries().ToArray();
        Assert.Equal(reference.Keys.Order(), entries.Select(entry => entry.Key));
        foreach (var (key, at) in entries)
        {
            Assert.True(sums.TryFind(key, out int found));
            Assert.Equal(at, found);
            Assert.Equal(reference[key], sums.Values.Slice(at, blockSize).ToArray());
        }
        long absent = Enumerable.Range(0, (int)cells).First(k => !reference.ContainsKey(k));
        Assert.False(sums.TryFind(absent, out _));
    }
}
