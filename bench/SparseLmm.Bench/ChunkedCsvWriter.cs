using System.Text;

namespace SparseLmm.Bench;

/// <summary>Writes a CSV file whose rows come in independently generated chunks: a batch of chunks is formatted on all
/// cores, then the batch is written in chunk order, so the file is the same bytes whatever the core count and only a
/// batch is ever held in memory (10M rows stream to disk).</summary>
internal static class ChunkedCsvWriter
{
    /// <summary>Formats chunk <c>chunk</c> into <c>buffer</c> (growing it if needed) and returns the bytes used.</summary>
    public delegate int ChunkFormatter(int chunk, ref byte[]? buffer);

    /// <summary>Writes <paramref name="header"/>, then chunks 0 … <paramref name="chunkCount"/> − 1 to
    /// <paramref name="path"/>; returns the number of bytes written.</summary>
    public static long Write(string path, string header, int chunkCount, ChunkFormatter format)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var headerBytes = Encoding.ASCII.GetBytes(header + "\n");
        stream.Write(headerBytes);
        long written = headerBytes.Length;
        int parallelism = Math.Max(1, Environment.ProcessorCount) * 2;
        var buffers = new byte[]?[parallelism];
        var lengths = new int[parallelism];
        for (int batchStart = 0; batchStart < chunkCount; batchStart += parallelism)
        {
            int start = batchStart, batchCount = Math.Min(parallelism, chunkCount - batchStart);
            Parallel.For(0, batchCount, i => lengths[i] = format(start + i, ref buffers[i]));
            for (int i = 0; i < batchCount; i++)
            {
                stream.Write(buffers[i]!, 0, lengths[i]);
                written += lengths[i];
            }
        }
        stream.Flush();
        return written;
    }
}
