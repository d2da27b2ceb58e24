namespace SparseLmm.Glmm;

/// <summary>The rows of a GLMM that are not held in memory, read a block at a time by each PIRLS pass (a streamed fit's
/// spill, <see cref="Streaming.GlmmSpill"/>): X in the fit's coordinates, y and the prior weights on the family's
/// scale, R's starting means, and per term the levels and Z, in the order of the in-memory design's rows.</summary>
internal interface IRowBlocks
{
    /// <summary>The most rows a block holds.</summary>
    int BlockRows { get; }

    /// <summary>Starts a pass: the next <see cref="Next"/> reads the first block.</summary>
    void Rewind();

    /// <summary>Reads the next block into <paramref name="block"/>'s X, Y, Weights and its terms' LevelOfRow and Z, and
    /// the starting means into <paramref name="muStart"/>; returns its rows, 0 after the last block.</summary>
    int Next(RowState block, double[] muStart);
}

/// <summary>What a PIRLS state whose rows are streamed needs besides its terms: the blocks, the layouts of its two
/// penalized systems (built from the level pairs, not the rows) and whom to tell the rows each pass has read.</summary>
/// <param name="Blocks">The rows.</param>
/// <param name="ModesLayout">The layout of the system for u alone (no fixed effects).</param>
/// <param name="JointLayout">The layout of the system for u and β.</param>
/// <param name="RowsOfFirstLevel">Rows per level of the first term (most levels): the blocks' sums are split as the
/// in-memory parallel pass splits them (<see cref="Engine.CrossProducts.SumBlocksAsPartitioned"/>).</param>
/// <param name="Progress">Told (pass, rows read so far in it), passes numbered from 1.</param>
internal sealed record StreamedRows(IRowBlocks Blocks, Engine.CrossProductLayout ModesLayout, Engine.CrossProductLayout JointLayout,
    int[] RowsOfFirstLevel, Action<int, long>? Progress);
