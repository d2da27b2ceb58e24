namespace SparseLmm.Streaming;

/// <summary>The sufficient statistics of a linear mixed model, summed over rows a chunk at a time: everything the
/// cross-products of [Z X y] hold, indexed by level rather than laid out for a factor, so that memory grows with the
/// levels and the level pairs that share a row, not with the rows.
/// <para>The tail is [1, X, y] with X and y shifted by a reference row's values (<see cref="Reference"/>): sums of
/// shifted values stay of the size of the data's spread, and any other shift (the means, or another partition's
/// reference) follows exactly from the sums against the column of ones. Per term t and level l: the k×k block
/// Σ z zᵀ and the k×w block Σ z vᵀ; per pair of terms t &lt; s and pair of levels sharing a row: the k_t×k_s block
/// Σ z_t z_sᵀ; and the w×w block Σ v vᵀ.</para></summary>
internal sealed class LevelStatistics
{
    private readonly int[] columns;
    private readonly int[] levels;
    private readonly LevelPairSums[,] pairs;

    /// <param name="columns">k per term.</param>
    /// <param name="levels">q per term.</param>
    /// <param name="tailWidth">w = p + 2.</param>
    public LevelStatistics(int[] columns, int[] levels, int tailWidth)
    {
        this.columns = columns;
        this.levels = levels;
        int terms = columns.Length;
        TailWidth = tailWidth;
        Blocks = new double[terms][];
        TailBlocks = new double[terms][];
        for (int t = 0; t < terms; t++)
        {
            Blocks[t] = new double[(long)levels[t] * columns[t] * columns[t]];
            TailBlocks[t] = new double[(long)levels[t] * columns[t] * tailWidth];
        }
        TailTail = new double[tailWidth * tailWidth];
        pairs = new LevelPairSums[terms, terms];
        for (int t = 0; t < terms; t++)
            for (int s = t + 1; s < terms; s++) pairs[t, s] = new LevelPairSums((long)levels[t] * levels[s], columns[t] * columns[s]);
        Reference = [];
        AllOnes = [];
    }

    public int TermCount => columns.Length;

    public int ColumnCount(int term) => columns[term];

    public int LevelCount(int term) => levels[term];

    public int TailWidth { get; }

    /// <summary>The levels of the categorical columns the model's values read (not grouping variables only), by column.</summary>
    public IReadOnlyDictionary<string, string[]> CategoricalLevels { get; set; } = new Dictionary<string, string[]>();

    /// <summary>Rows of the source dropped for missing values (not summed).</summary>
    public long DroppedRowCount { get; set; }

    /// <summary>Rows summed.</summary>
    public long RowCount { get; private set; }

    /// <summary>The values of X and y (p + 1) the tail was shifted by: the first row's.</summary>
    public double[] Reference { get; private set; }

    /// <summary>Per column of X: every row so far held 1.</summary>
    public bool[] AllOnes { get; private set; }

    public double[][] Blocks { get; }

    public double[][] TailBlocks { get; }

    public double[] TailTail { get; }

    /// <summary>The pairs of levels of terms t &lt; s that share a row, with their k_t×k_s blocks.</summary>
    public LevelPairSums Pairs(int t, int s) => pairs[t, s];

    /// <summary>The key of level pair (a of t, b of s).</summary>
    public long PairKey(int s, int a, int b) => (long)a * levels[s] + b;

    /// <summary>Adds <paramref name="rows"/> rows: X row-major (p per row), y, and per term its levels and row-major Z.</summary>
    public void Add(int rows, double[] x, double[] y, int[][] levelOfRow, double[][] z)
    {
        if (rows == 0) return;
        int terms = columns.Length, w = TailWidth, p = w - 2;
        if (Reference.Length == 0)
        {
            Reference = new double[p + 1];
            for (int c = 0; c < p; c++) Reference[c] = x[c];
            Reference[p] = y[0];
            AllOnes = Enumerable.Repeat(true, p).ToArray();
        }
        var v = new double[w];
        var allOnes = AllOnes;
        var reference = Reference;
        for (int i = 0; i < rows; i++)
        {
            v[0] = 1;
            for (int c = 0; c < p; c++)
            {
                double value = x[i * p + c];
                if (value != 1) allOnes[c] = false;
                v[c + 1] = value - reference[c];
            }
            v[w - 1] = y[i] - reference[p];
            for (int a = 0; a < w; a++)
            {
                double va = v[a];
                var row = TailTail.AsSpan(a * w, a + 1);
                for (int b = 0; b <= a; b++) row[b] += va * v[b];
            }
            for (int t = 0; t < terms; t++)
            {
                int k = columns[t], level = levelOfRow[t][i];
                var zt = z[t].AsSpan(i * k, k);
                var block = Blocks[t].AsSpan(level * k * k, k * k);
                var tail = TailBlocks[t].AsSpan(level * k * w, k * w);
                for (int a = 0; a < k; a++)
                {
                    double za = zt[a];
                    for (int b = 0; b < k; b++) block[a * k + b] += za * zt[b];
                    for (int b = 0; b < w; b++) tail[a * w + b] += za * v[b];
                }
                for (int s = t + 1; s < terms; s++)
                {
                    int ks = columns[s];
                    var sums = pairs[t, s];
                    // The slot first: adding a pair may move the values.
                    int at = sums.Slot(PairKey(s, level, levelOfRow[s][i]));
                    var values = sums.Values.Slice(at, k * ks);
                    var zs = z[s].AsSpan(i * ks, ks);
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < ks; b++) values[a * ks + b] += zt[a] * zs[b];
                }
            }
        }
        RowCount += rows;
    }

    /// <summary>Sets what rows would have set: the reference shift, the all-ones flags and the row count (for
    /// statistics assembled from partials).</summary>
    public void Restore(double[] reference, bool[] allOnes, long rows)
    {
        Reference = reference;
        AllOnes = allOnes;
        RowCount = rows;
    }

    /// <summary>Adds a k_t×k_s block (row-major) to the pair of level a of term t and level b of term s (t &lt; s).</summary>
    public void AddPair(int t, int s, int a, int b, int row, int column, double value)
    {
        var sums = pairs[t, s];
        int at = sums.Slot(PairKey(s, a, b));
        sums.Values[at + row * columns[s] + column] += value;
    }

    /// <summary>Σ over rows of (v_a − d_a)(v_b − d_b) for tail columns a, b: the tail in another shift, where d is
    /// that shift minus the reference (d₀ = 0 for the column of ones).</summary>
    public double ShiftedTail(int a, int b, double[] d)
    {
        double Entry(int i, int j) => i >= j ? TailTail[i * TailWidth + j] : TailTail[j * TailWidth + i];
        return Entry(a, b) - d[a] * Entry(0, b) - d[b] * Entry(0, a) + d[a] * d[b] * RowCount;
    }
}
