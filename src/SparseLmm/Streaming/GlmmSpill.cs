using System.Runtime.InteropServices;
using SparseLmm.Engine;
using SparseLmm.Glmm;

namespace SparseLmm.Streaming;

/// <summary>A streamed GLMM's coded rows in a temporary binary file, written once by the pass that codes the source and
/// read a block at a time by every PIRLS pass.
/// <para>Why a spill instead of reading the source again per pass: PIRLS takes hundreds of passes, and coding a chunk
/// (parsing CSV or decoding Parquet, evaluating the formula, looking up levels) costs several times reading the same
/// rows as raw doubles, which the page cache mostly serves. Memory stays flat: one block's buffers, whatever the rows.
/// The file is opened with <see cref="FileOptions.DeleteOnClose"/> and, where the system allows, unlinked at once, so
/// it is gone when the fit ends however it ends (an error, a cancellation, a killed process).</para>
/// <para>Each block: its row count, then X (all p columns, row-major), y, the prior weights, the starting means, and per
/// term the levels (32-bit) and Z (row-major). The writer fills blocks of <see cref="BlockRows"/> rows whatever the
/// source's chunk sizes, so the reader's buffers are allocated once.</para></summary>
internal sealed class GlmmSpill : IRowBlocks, IDisposable
{
    /// <summary>Rows per block: a few megabytes of buffers, large enough that a block's reads are long.</summary>
    public const int DefaultBlockRows = 1 << 15;

    private readonly FileStream file;
    private readonly int p, blockRows;
    private readonly int[] columns;
    private readonly double[] x, y, weights, muStart;
    private readonly int[][] levels;
    private readonly double[][] z;
    private int filled;
    private int[] kept = [];
    private FixedEffectScaling? coordinates;

    /// <summary>An empty spill for rows of <paramref name="fixedColumns"/> columns of X and terms of
    /// <paramref name="termColumns"/> columns each (the layout's order).</summary>
    public GlmmSpill(int fixedColumns, int[] termColumns, int blockRows = DefaultBlockRows)
    {
        p = fixedColumns;
        columns = termColumns;
        this.blockRows = blockRows;
        string path = Path.Combine(Path.GetTempPath(), $"sparselmm-glmm-{Environment.ProcessId}-{Guid.NewGuid():N}.spill");
        FilePath = path;
        file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        if (!OperatingSystem.IsWindows()) File.Delete(path);
        x = new double[blockRows * p];
        y = new double[blockRows];
        weights = new double[blockRows];
        muStart = new double[blockRows];
        levels = columns.Select(_ => new int[blockRows]).ToArray();
        z = columns.Select(k => new double[blockRows * k]).ToArray();
    }

    public int BlockRows => blockRows;

    /// <summary>Where the file was created (gone from the directory already, except on Windows).</summary>
    public string FilePath { get; }

    /// <summary>Bytes written.</summary>
    public long Length => file.Length;

    /// <summary>Appends <paramref name="rows"/> coded rows (X row-major with all p columns; per term its levels and Z).</summary>
    public void Append(int rows, double[] chunkX, double[] chunkY, double[] chunkWeights, double[] chunkMuStart,
        int[][] chunkLevels, double[][] chunkZ)
    {
        for (int start = 0; start < rows;)
        {
            int take = Math.Min(rows - start, blockRows - filled);
            chunkX.AsSpan(start * p, take * p).CopyTo(x.AsSpan(filled * p));
            chunkY.AsSpan(start, take).CopyTo(y.AsSpan(filled));
            chunkWeights.AsSpan(start, take).CopyTo(weights.AsSpan(filled));
            chunkMuStart.AsSpan(start, take).CopyTo(muStart.AsSpan(filled));
            for (int t = 0; t < columns.Length; t++)
            {
                chunkLevels[t].AsSpan(start, take).CopyTo(levels[t].AsSpan(filled));
                chunkZ[t].AsSpan(start * columns[t], take * columns[t]).CopyTo(z[t].AsSpan(filled * columns[t]));
            }
            filled += take;
            start += take;
            if (filled == blockRows) Flush();
        }
    }

    /// <summary>After the last row: writes the partial block; blocks are read from now on with X reduced to
    /// <paramref name="keptColumns"/> (aliased ones dropped) and, once they are known, in the fit's coordinates
    /// (<see cref="SetCoordinates"/>).</summary>
    public void Finish(int[] keptColumns)
    {
        if (filled > 0) Flush();
        file.Flush();
        kept = keptColumns;
    }

    /// <summary>The coordinates X is read in from now on (null: as written, kept columns only).</summary>
    public void SetCoordinates(FixedEffectScaling? scaling) => coordinates = scaling;

    public void Rewind() => file.Position = 0;

    /// <summary>One pass over X's kept columns as written (the rest of each block skipped), a block at a time through
    /// one buffer: what the fit's coordinates are computed from.</summary>
    public IEnumerable<(double[] X, int Rows)> FixedRows()
    {
        int pk = kept.Length;
        var buffer = new double[blockRows * pk];
        long rest = 3 * sizeof(double) + columns.Sum(k => sizeof(int) + (long)k * sizeof(double));
        Rewind();
        while (file.Position < file.Length)
        {
            int rows = 0;
            file.ReadExactly(MemoryMarshal.AsBytes(new Span<int>(ref rows)));
            file.ReadExactly(MemoryMarshal.AsBytes(x.AsSpan(0, rows * p)));
            file.Seek(rows * rest, SeekOrigin.Current);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < pk; j++) buffer[i * pk + j] = x[i * p + kept[j]];
            yield return (buffer, rows);
        }
    }

    public int Next(RowState block, double[] blockMuStart)
    {
        if (file.Position >= file.Length) return 0;
        int rows = 0;
        file.ReadExactly(MemoryMarshal.AsBytes(new Span<int>(ref rows)));
        file.ReadExactly(MemoryMarshal.AsBytes(x.AsSpan(0, rows * p)));
        file.ReadExactly(MemoryMarshal.AsBytes(block.Y.AsSpan(0, rows)));
        file.ReadExactly(MemoryMarshal.AsBytes(block.Weights.AsSpan(0, rows)));
        file.ReadExactly(MemoryMarshal.AsBytes(blockMuStart.AsSpan(0, rows)));
        for (int t = 0; t < columns.Length; t++)
        {
            file.ReadExactly(MemoryMarshal.AsBytes(block.Terms[t].LevelOfRow.AsSpan(0, rows)));
            file.ReadExactly(MemoryMarshal.AsBytes(block.Terms[t].Z.AsSpan(0, rows * columns[t])));
        }
        // X's kept columns, in the fit's coordinates as FixedEffectScaling.Transform computes them.
        int pk = kept.Length;
        var target = block.X;
        var scaling = coordinates;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < pk; j++)
            {
                double value = x[i * p + kept[j]];
                target[i * pk + j] = scaling is null || j == scaling.InterceptColumn
                    ? value
                    : (value - scaling.ColumnShift[j]) * scaling.ColumnScale[j];
            }
        block.RowCount = rows;
        return rows;
    }

    private void Flush()
    {
        int rows = filled;
        file.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in rows)));
        file.Write(MemoryMarshal.AsBytes(x.AsSpan(0, rows * p)));
        file.Write(MemoryMarshal.AsBytes(y.AsSpan(0, rows)));
        file.Write(MemoryMarshal.AsBytes(weights.AsSpan(0, rows)));
        file.Write(MemoryMarshal.AsBytes(muStart.AsSpan(0, rows)));
        for (int t = 0; t < columns.Length; t++)
        {
            file.Write(MemoryMarshal.AsBytes(levels[t].AsSpan(0, rows)));
            file.Write(MemoryMarshal.AsBytes(z[t].AsSpan(0, rows * columns[t])));
        }
        filled = 0;
    }

    public void Dispose() => file.Dispose();
}
