using System.Numerics;
using System.Runtime.InteropServices;

namespace SparseLmm.Streaming;

/// <summary>The sums of one pair of terms over the pairs of their levels that share a row: a block of
/// <c>blockSize</c> values per level pair, keyed a·q_s + b (level a of the first term, b of the second).
/// <para>While few of the q_t·q_s pairs occur, the blocks sit in a list reached through a hash index. Once a quarter of
/// them occur, every pair gets its block in place (and one bit saying whether it occurs): the index cost about 28 bytes
/// per pair and the list's doubling left up to half its room unused, so a panel whose subjects meet most sites held
/// 2-3 times the dense size, and that size stepped up as more pairs filled in with more rows. Dense, the memory is
/// q_t·q_s blocks whatever the rows (perf-data/streaming-memory-2026-12-01.md).</para></summary>
internal sealed class LevelPairSums
{
    // Dense from this fraction of the possible pairs on: there the sparse form already costs about as much.
    private const int DenseFillDivisor = 4;

    private readonly long cells;
    private readonly int blockSize;
    private Dictionary<long, int>? index = [];
    private List<double>? sparseValues = [];
    private double[]? denseValues;
    private ulong[]? occurs;
    private long lastKey = -1;
    private int lastAt;

    /// <param name="cells">q_t·q_s, the number of possible level pairs.</param>
    /// <param name="blockSize">k_t·k_s, the values per pair.</param>
    public LevelPairSums(long cells, int blockSize)
    {
        this.cells = cells;
        this.blockSize = blockSize;
    }

    /// <summary>The level pairs that occur.</summary>
    public int Count { get; private set; }

    /// <summary>Every block, each at the offset <see cref="Slot"/> or <see cref="Entries"/> gives.</summary>
    public Span<double> Values => denseValues ?? CollectionsMarshal.AsSpan(sparseValues);

    /// <summary>Where the block of pair <paramref name="key"/> starts in <see cref="Values"/>, the pair added (its block
    /// zero) when it did not occur yet.</summary>
    public int Slot(long key)
    {
        if (key == lastKey) return lastAt;
        int at;
        if (occurs is not null)
        {
            at = checked((int)(key * blockSize));
            ref ulong word = ref occurs[key >> 6];
            ulong bit = 1UL << (int)(key & 63);
            if ((word & bit) == 0)
            {
                word |= bit;
                Count++;
            }
        }
        else if (!index!.TryGetValue(key, out at))
        {
            at = sparseValues!.Count;
            index.Add(key, at);
            for (int e = 0; e < blockSize; e++) sparseValues.Add(0);
            Count++;
            if ((long)Count * DenseFillDivisor >= cells && cells * blockSize <= Array.MaxLength)
            {
                ToDense();
                at = checked((int)(key * blockSize));
            }
        }
        lastKey = key;
        lastAt = at;
        return at;
    }

    /// <summary>Where the block of pair <paramref name="key"/> starts, or false when the pair does not occur.</summary>
    public bool TryFind(long key, out int at)
    {
        if (occurs is null) return index!.TryGetValue(key, out at);
        at = (int)(key * blockSize);
        return (occurs[key >> 6] & (1UL << (int)(key & 63))) != 0;
    }

    /// <summary>The pairs that occur, by ascending key, with where each block starts.</summary>
    public IEnumerable<(long Key, int At)> Entries()
    {
        if (occurs is null)
        {
            var keys = index!.Keys.ToArray();
            Array.Sort(keys);
            foreach (long key in keys) yield return (key, index[key]);
            yield break;
        }
        for (int w = 0; w < occurs.Length; w++)
        {
            for (ulong word = occurs[w]; word != 0; word &= word - 1)
            {
                long key = ((long)w << 6) + BitOperations.TrailingZeroCount(word);
                yield return (key, (int)(key * blockSize));
            }
        }
    }

    private void ToDense()
    {
        var values = new double[cells * blockSize];
        var bits = new ulong[(cells + 63) >> 6];
        var sparse = CollectionsMarshal.AsSpan(sparseValues);
        foreach (var (key, at) in index!)
        {
            sparse.Slice(at, blockSize).CopyTo(values.AsSpan(checked((int)(key * blockSize)), blockSize));
            bits[key >> 6] |= 1UL << (int)(key & 63);
        }
        denseValues = values;
        occurs = bits;
        index = null;
        sparseValues = null;
    }
}
