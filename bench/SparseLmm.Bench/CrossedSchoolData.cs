namespace SparseLmm.Bench;

/// <summary>The cross-classified design of issue 9: pupils (one row each) classified by the primary school they
/// came from and the secondary school they went to, with a random intercept for each.
/// <list type="bullet">
/// <item>Regions: rows / 5,000 (200 at 1M); primaries: rows / 50 (20,000 at 1M); secondaries: rows / 250 (4,000 at
/// 1M). Each region gets one primary and one secondary, the rest are placed in uniformly drawn regions.</item>
/// <item>A pupil's primary is drawn in proportion to a Gamma(2) weight per primary, so primary sizes are negative
/// binomial (mean 50, median about 42, from 1 to about 350); the first pupils go one to each primary, so none is
/// empty.</item>
/// <item>The secondary is, with probability 0.9, a uniformly drawn secondary of the primary's region, else any
/// secondary: the two factors are partially crossed, mostly within region, as pupils move on to a nearby school.</item>
/// <item>y = 0.5·x + u_primary + u_secondary + ε (4 decimals), x standard normal (5 decimals),
/// u_primary ~ N(0, 0.6²), u_secondary ~ N(0, 0.4²), ε ~ N(0, 1).</item>
/// </list>
/// Columns <c>y,x,primary,secondary,region</c>; labels are random ids (<c>p1234</c>, <c>q321</c>, <c>r12</c>); rows are
/// independent, so their order is random. The region column is not in the model; it is there to check the design.
/// <para>Deterministic by seed: the structure and the effects come from stream 0, output chunk k from stream k + 1.
/// Nothing per row is held in memory.</para></summary>
internal sealed class CrossedSchoolData
{
    /// <summary>The model the data were simulated from.</summary>
    public const string Formula = "y ~ 1 + x + (1 | primary) + (1 | secondary)";

    /// <summary>The header row of the CSV file.</summary>
    public const string Header = "y,x,primary,secondary,region";

    /// <summary>Rows per region (200 regions at 1M rows).</summary>
    public const int RowsPerRegion = 5_000;

    /// <summary>Rows per primary school (20,000 at 1M rows).</summary>
    public const int RowsPerPrimary = 50;

    /// <summary>Rows per secondary school (4,000 at 1M rows).</summary>
    public const int RowsPerSecondary = 250;

    /// <summary>Probability that a pupil's secondary is in its primary's region.</summary>
    public const double WithinRegionProbability = 0.9;

    private const int PrimaryWeightGammaShape = 2;
    private const double XEffect = 0.5, PrimarySd = 0.6, SecondarySd = 0.4, ResidualSd = 1.0;
    private const int ResponseDecimals = 4, CovariateDecimals = 5;
    private const int RowsPerChunk = 1 << 16;

    // Mixed into the seed so the crossed file's draws are not the same numbers as another shape's of the same seed.
    private const ulong SeedSalt = 0x63726F7373656400UL;

    private readonly ulong seed;
    private readonly AliasTable primaryTable;
    private readonly int[] primaryRegion;
    private readonly int[] regionSecondaryStart, regionSecondaries;   // the secondaries of each region (CSR)
    private readonly int[] primaryLabel, secondaryLabel, regionLabel;
    private readonly double[] primaryEffect, secondaryEffect;

    /// <summary>Draws the structure and the random effects of <paramref name="rows"/> rows; the rows are drawn while
    /// writing.</summary>
    public CrossedSchoolData(int rows, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        Rows = rows;
        this.seed = seed ^ SeedSalt;
        var random = new Xoshiro256StarStar(this.seed, 0);
        Regions = Math.Max(1, rows / RowsPerRegion);
        Primaries = Math.Max(Regions, rows / RowsPerPrimary);
        Secondaries = Math.Max(Regions, rows / RowsPerSecondary);

        primaryRegion = PlaceInRegions(ref random, Primaries, Regions);
        int[] secondaryRegion = PlaceInRegions(ref random, Secondaries, Regions);
        regionSecondaryStart = new int[Regions + 1];
        foreach (int region in secondaryRegion) regionSecondaryStart[region + 1]++;
        for (int r = 0; r < Regions; r++) regionSecondaryStart[r + 1] += regionSecondaryStart[r];
        regionSecondaries = new int[Secondaries];
        var next = regionSecondaryStart.AsSpan(0, Regions).ToArray();   // the next free slot per region
        for (int q = 0; q < Secondaries; q++) regionSecondaries[next[secondaryRegion[q]]++] = q;

        var weights = new double[Primaries];
        for (int p = 0; p < Primaries; p++) weights[p] = RandomDraws.NextGamma(ref random, PrimaryWeightGammaShape);
        primaryTable = new AliasTable(weights);

        primaryEffect = new double[Primaries];
        for (int p = 0; p < Primaries; p++) primaryEffect[p] = PrimarySd * random.NextNormal();
        secondaryEffect = new double[Secondaries];
        for (int q = 0; q < Secondaries; q++) secondaryEffect[q] = SecondarySd * random.NextNormal();

        primaryLabel = RandomDraws.Permutation(ref random, Primaries);
        secondaryLabel = RandomDraws.Permutation(ref random, Secondaries);
        regionLabel = RandomDraws.Permutation(ref random, Regions);
    }

    /// <summary>Number of rows (pupils).</summary>
    public int Rows { get; }

    /// <summary>Number of regions (rows / 5,000).</summary>
    public int Regions { get; }

    /// <summary>Number of primary schools (rows / 50).</summary>
    public int Primaries { get; }

    /// <summary>Number of secondary schools (rows / 250).</summary>
    public int Secondaries { get; }

    private int ChunkCount => (Rows + RowsPerChunk - 1) / RowsPerChunk;

    /// <summary>Writes the data as CSV (ASCII, '\n' line ends) to <paramref name="path"/>; returns the bytes written.</summary>
    public long WriteCsv(string path) => ChunkedCsvWriter.Write(path, Header, ChunkCount, FormatChunk);

    /// <summary>Unit u &lt; regions goes to region u, so no region is empty; the others to uniformly drawn regions.</summary>
    private static int[] PlaceInRegions(ref Xoshiro256StarStar random, int units, int regions)
    {
        var region = new int[units];
        for (int u = 0; u < units; u++) region[u] = u < regions ? u : random.NextInt(regions);
        return region;
    }

    private int FormatChunk(int chunk, ref byte[]? buffer)
    {
        int first = chunk * RowsPerChunk, end = Math.Min(Rows, first + RowsPerChunk);
        const int maxRowBytes = 2 * (AsciiFieldWriter.MaxNumberLength + 1) + 3 * 12;
        int needed = (end - first) * maxRowBytes;
        if (buffer is null || buffer.Length < needed) buffer = new byte[needed];
        var output = buffer.AsSpan();
        var random = new Xoshiro256StarStar(seed, (ulong)chunk + 1);
        int position = 0;
        for (int row = first; row < end; row++)
        {
            // Pupil p < Primaries goes to primary p, so every primary appears (their labels are random, so this says
            // nothing about the design); the others are drawn.
            int primary = row < Primaries ? row : primaryTable.Sample(ref random), region = primaryRegion[primary];
            int secondary;
            if (random.NextDouble() < WithinRegionProbability)
            {
                int start = regionSecondaryStart[region], count = regionSecondaryStart[region + 1] - start;
                secondary = regionSecondaries[start + random.NextInt(count)];
            }
            else
            {
                secondary = random.NextInt(Secondaries);
            }
            long xScaled = Scaled.Round(random.NextNormal(), CovariateDecimals);
            double y = XEffect * Scaled.Value(xScaled, CovariateDecimals) + primaryEffect[primary]
                + secondaryEffect[secondary] + ResidualSd * random.NextNormal();

            position += AsciiFieldWriter.WriteFixed(output[position..], Scaled.Round(y, ResponseDecimals), ResponseDecimals);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteFixed(output[position..], xScaled, CovariateDecimals);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteLabel(output[position..], "p"u8, primaryLabel[primary], 1);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteLabel(output[position..], "q"u8, secondaryLabel[secondary], 1);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteLabel(output[position..], "r"u8, regionLabel[region], 1);
            output[position++] = (byte)'\n';
        }
        return position;
    }
}
