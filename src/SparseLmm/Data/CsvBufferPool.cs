namespace SparseLmm.Data;

/// <summary>Reuses the chunk-sized arrays of one read (chunk text, a chunk's column values) across its chunks. Private
/// to the read, unlike <see cref="System.Buffers.ArrayPool{T}.Shared"/>, so that nothing stays held once the table is
/// built. Thread-safe.</summary>
internal sealed class CsvBufferPool
{
    private readonly Bag<double> doubles = new();
    private readonly Bag<int> ints = new();
    private readonly Bag<bool> bools = new();
    private readonly Bag<char> chars = new();

    /// <summary>An array of at least <paramref name="length"/> elements, with arbitrary contents.</summary>
    public T[] Rent<T>(int length) => BagOf<T>().Rent(length);

    /// <summary>Gives an array back for reuse.</summary>
    public void Return<T>(T[]? array)
    {
        if (array is not null) BagOf<T>().Return(array);
    }

    private Bag<T> BagOf<T>() => (Bag<T>)(object)(typeof(T) == typeof(double) ? doubles
        : typeof(T) == typeof(int) ? ints
        : typeof(T) == typeof(bool) ? bools
        : typeof(T) == typeof(char) ? chars
        : throw new NotSupportedException(typeof(T).Name));

    private sealed class Bag<T>
    {
        private readonly Stack<T[]> free = new();

        public T[] Rent(int length)
        {
            lock (free)
            {
                while (free.TryPop(out var array))
                    if (array.Length >= length) return array;
            }
            // A little slack so that a slightly larger chunk later can reuse the array.
            return new T[Math.Max(1, (int)Math.Min(Array.MaxLength, length + (long)length / 8))];
        }

        public void Return(T[] array)
        {
            lock (free) free.Push(array);
        }
    }
}
