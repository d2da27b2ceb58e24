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
/// <param name="Moments">Each term's Σ z zᵀ over the rows (the search's frame and units).</param>
/// <param name="Progress">Told (pass, rows read so far in it), passes numbered from 1.</param>
internal sealed record StreamedRows(IRowBlocks Blocks, Engine.CrossProductLayout ModesLayout, Engine.CrossProductLayout JointLayout,
    int[] RowsOfFirstLevel, TermMoments Moments, Action<int, long>? Progress);

/// <summary>Per term (most levels first), Σ zₐ z_b over the rows (row-major k×k), each summed in row order as the
/// in-memory fit sums its terms' columns (<see cref="Engine.CentredFrame"/>, <see cref="Engine.ThetaScales"/>), and
/// the rows: what the search's frame and units need of the rows.</summary>
internal sealed record TermMoments(double[][] Products, int[] Columns, long Rows)
{
    /// <summary>An empty sum for terms of <paramref name="columns"/> columns.</summary>
    public static TermMoments Empty(int[] columns) => new(columns.Select(k => new double[k * k]).ToArray(), columns, 0);

    /// <summary>Adds <paramref name="rows"/> rows of each term's row-major Z.</summary>
    public TermMoments Add(int rows, double[][] z)
    {
        for (int t = 0; t < Columns.Length; t++)
        {
            int k = Columns[t];
            var sums = Products[t];
            var zt = z[t];
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                {
                    double sum = sums[a * k + b];
                    for (int i = 0; i < rows; i++) sum += zt[i * k + a] * zt[i * k + b];
                    sums[a * k + b] = sum;
                }
        }
        return this with { Rows = Rows + rows };
    }

    /// <summary>Σ zₐ z_b of term t.</summary>
    public double Sum(int t, int a, int b) => Products[t][a * Columns[t] + b];

    /// <summary>Each term's columns' root mean squares, as <see cref="Engine.ThetaScales.ColumnRootMeanSquares(Design.RandomEffectsDesign)"/>.</summary>
    public List<double[]> RootMeanSquares() =>
        Products.Select((sums, t) => Enumerable.Range(0, Columns[t]).Select(c => Math.Sqrt(sums[c * Columns[t] + c] / Math.Max(Rows, 1))).ToArray()).ToList();
}
