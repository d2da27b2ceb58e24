using System.Globalization;
using System.Text;
using SparseLmm.Data;

namespace SparseLmm.Bench;

/// <summary>The simulated panel of issue 5: subjects measured repeatedly over time, crossed with sites.
/// <list type="bullet">
/// <item>Subjects: rows / 10 of them, and the rows are shared out as evenly as possible, so every subject has 10 rows
/// when rows is a multiple of 10 (else 10 or 11). A balanced design keeps the subject count exactly rows / 10, as the
/// issue specifies; rows are written grouped by subject, as a panel usually is. With Poisson visits (issue 11) each
/// subject instead has 1 + Poisson(9) rows, so one in ten has three or fewer, as in real panels; the balanced optimiser
/// path hides what those few-row subjects do to the evaluation count.</item>
/// <item>Sites: 2,000, crossed with subjects: each row's site is drawn uniformly, independently of its subject.</item>
/// <item>Covariates per row: <c>time</c> uniform on [0, 9], <c>x1</c> and <c>x2</c> standard normal, <c>grp</c>
/// uniform on {a, b, c}.</item>
/// <item>Response: y = 10 + 0.5·time + 0.3·x1 − 0.2·x2 + {a: 0, b: 0.4, c: −0.3} + b₀ + b₁·time + u_site + ε, with
/// (b₀, b₁) per subject normal with SDs 1 and 0.4 and correlation 0.77, u_site ~ N(0, 0.5²), ε ~ N(0, 1.5²).</item>
/// </list>
/// Columns <c>y,time,x1,x2,grp,subj,site</c>; subject labels <c>s000123</c> and site labels <c>site0042</c>
/// (zero-padded, so text order is number order). Numbers are rounded to 5 decimals (y to 4), about 6 significant
/// digits; the in-memory table (<see cref="ToDataTable"/>) holds exactly the values the CSV file holds, so a fit of
/// either gives the same answer.
/// <para>Deterministic by seed: the sites draw from stream 0 of the seed, subject s from stream s + 1, so subjects can
/// be generated on several cores in any order and the output is the same bytes.</para></summary>
internal sealed class SimulatedPanelData
{
    /// <summary>The model the data were simulated from, in lme4's formula language.</summary>
    public const string Formula = "y ~ 1 + time + x1 + x2 + grp + (1 + time | subj) + (1 | site)";

    /// <summary>The header row of the CSV file.</summary>
    public const string Header = "y,time,x1,x2,grp,subj,site";

    /// <summary>Default number of sites.</summary>
    public const int DefaultSites = 2000;

    /// <summary>Default rows per subject.</summary>
    public const int DefaultRowsPerSubject = 10;

    /// <summary>Fixed intercept.</summary>
    public const double Intercept = 10.0;

    /// <summary>Fixed effect of time.</summary>
    public const double TimeEffect = 0.5;

    /// <summary>Fixed effect of x1.</summary>
    public const double X1Effect = 0.3;

    /// <summary>Fixed effect of x2.</summary>
    public const double X2Effect = -0.2;

    /// <summary>Effects of grp = a, b, c (a is the reference).</summary>
    public static ReadOnlySpan<double> GroupEffects => [0.0, 0.4, -0.3];

    /// <summary>SD of the subject intercepts.</summary>
    public const double SubjectInterceptSd = 1.0;

    /// <summary>SD of the subject slopes on time.</summary>
    public const double SubjectSlopeSd = 0.4;

    /// <summary>Correlation of subject intercept and slope.</summary>
    public const double SubjectCorrelation = 0.77;

    /// <summary>SD of the site intercepts.</summary>
    public const double SiteSd = 0.5;

    /// <summary>Residual SD.</summary>
    public const double ResidualSd = 1.5;

    /// <summary>time is uniform on [0, MaxTime].</summary>
    public const double MaxTime = 9.0;

    private const int ResponseDecimals = 4;
    private const int CovariateDecimals = 5;
    private const int SubjectsPerChunk = 2048;
    private static readonly string[] GroupLabels = ["a", "b", "c"];

    private readonly ulong seed;
    private readonly double[] siteEffects;
    private readonly int[]? subjectStarts;

    /// <summary>Sets up a data set of <paramref name="rows"/> rows; nothing is generated until it is asked for.</summary>
    public SimulatedPanelData(int rows, ulong seed, int sites = DefaultSites, int rowsPerSubject = DefaultRowsPerSubject,
        bool poissonVisits = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sites, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerSubject, 1);
        Rows = rows;
        Sites = sites;
        subjectStarts = poissonVisits ? PoissonVisitStarts(rows, rowsPerSubject, seed) : null;
        Subjects = subjectStarts is null ? Math.Max(1, rows / rowsPerSubject) : subjectStarts.Length - 1;
        this.seed = seed;
        MaxRowsPerSubject = subjectStarts is null ? (Rows + Subjects - 1) / Subjects
            : Enumerable.Range(0, Subjects).Max(s => subjectStarts[s + 1] - subjectStarts[s]);
        SubjectLabelWidth = Math.Max(6, AsciiFieldWriter.DigitCount(Subjects - 1));
        SiteLabelWidth = Math.Max(4, AsciiFieldWriter.DigitCount(sites - 1));
        var random = new Xoshiro256StarStar(seed, 0);
        siteEffects = new double[sites];
        for (int j = 0; j < sites; j++) siteEffects[j] = SiteSd * random.NextNormal();
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of subjects (rows / rows per subject).</summary>
    public int Subjects { get; }

    /// <summary>Number of sites.</summary>
    public int Sites { get; }

    private int SubjectLabelWidth { get; }

    private int SiteLabelWidth { get; }

    private int ChunkCount => (Subjects + SubjectsPerChunk - 1) / SubjectsPerChunk;

    private int MaxRowsPerSubject { get; }

    /// <summary>The first row of <paramref name="subject"/> (subject = Subjects gives Rows).</summary>
    public int FirstRow(int subject) => subjectStarts?[subject] ?? (int)((long)subject * Rows / Subjects);

    /// <summary>First rows of subjects with 1 + Poisson(mean − 1) rows each, drawn from their own stream (so the sites'
    /// and subjects' streams are those of the balanced panel), until the rows run out; the last subject is cut short.</summary>
    private static int[] PoissonVisitStarts(int rows, int mean, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed, ulong.MaxValue);
        var starts = new List<int> { 0 };
        while (starts[^1] < rows)
            starts.Add(Math.Min(rows, starts[^1] + 1 + RandomDraws.NextPoisson(ref random, mean - 1, 10 * mean)));
        return starts.ToArray();
    }

    /// <summary>The label of subject <paramref name="subject"/>, e.g. s000123.</summary>
    public string SubjectLabel(int subject) =>
        "s" + subject.ToString(CultureInfo.InvariantCulture).PadLeft(SubjectLabelWidth, '0');

    /// <summary>The label of site <paramref name="site"/>, e.g. site0042.</summary>
    public string SiteLabel(int site) =>
        "site" + site.ToString(CultureInfo.InvariantCulture).PadLeft(SiteLabelWidth, '0');

    /// <summary>Generates the data as an in-memory table (the same values the CSV file holds).</summary>
    public DataTable ToDataTable()
    {
        var y = new double[Rows];
        var time = new double[Rows];
        var x1 = new double[Rows];
        var x2 = new double[Rows];
        var group = new int[Rows];
        var subject = new int[Rows];
        var site = new int[Rows];
        Parallel.For(0, ChunkCount, chunk =>
        {
            var rows = new SimulatedRow[MaxRowsPerSubject];
            int end = Math.Min(Subjects, (chunk + 1) * SubjectsPerChunk);
            for (int s = chunk * SubjectsPerChunk; s < end; s++)
            {
                int first = FirstRow(s), count = FirstRow(s + 1) - first;
                GenerateSubject(s, rows.AsSpan(0, count));
                for (int r = 0; r < count; r++)
                {
                    var row = rows[r];
                    int i = first + r;
                    y[i] = Unscale(row.Y, ResponseDecimals);
                    time[i] = Unscale(row.Time, CovariateDecimals);
                    x1[i] = Unscale(row.X1, CovariateDecimals);
                    x2[i] = Unscale(row.X2, CovariateDecimals);
                    group[i] = row.Group;
                    subject[i] = s;
                    site[i] = row.Site;
                }
            }
        });
        var subjectLabels = new string[Subjects];
        for (int s = 0; s < Subjects; s++) subjectLabels[s] = SubjectLabel(s);
        var siteLabels = new string[Sites];
        for (int j = 0; j < Sites; j++) siteLabels[j] = SiteLabel(j);
        return new DataTable(
        [
            new NumericColumn("y", y),
            new NumericColumn("time", time),
            new NumericColumn("x1", x1),
            new NumericColumn("x2", x2),
            UsedLevelsOnly("grp", group, GroupLabels),
            new CategoricalColumn("subj", subject, subjectLabels),
            UsedLevelsOnly("site", site, siteLabels),
        ], $"simulated panel ({Rows} rows, seed {seed})");
    }

    /// <summary>Writes the data as CSV to <paramref name="path"/>; returns the number of bytes written.</summary>
    public long WriteCsv(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        return WriteCsv(stream);
    }

    /// <summary>Writes the data as CSV (ASCII, '\n' line ends) to <paramref name="stream"/>; returns the bytes written.
    /// Chunks of subjects are formatted on all cores, a batch at a time, and written in order.</summary>
    public long WriteCsv(Stream stream)
    {
        var header = Encoding.ASCII.GetBytes(Header + "\n");
        stream.Write(header);
        long written = header.Length;
        int parallelism = Math.Max(1, Environment.ProcessorCount) * 2;
        var buffers = new byte[]?[parallelism];
        var lengths = new int[parallelism];
        for (int batchStart = 0; batchStart < ChunkCount; batchStart += parallelism)
        {
            int start = batchStart, batchCount = Math.Min(parallelism, ChunkCount - batchStart);
            Parallel.For(0, batchCount, i => lengths[i] = FormatChunk(start + i, ref buffers[i]));
            for (int i = 0; i < batchCount; i++)
            {
                stream.Write(buffers[i]!, 0, lengths[i]);
                written += lengths[i];
            }
        }
        stream.Flush();
        return written;
    }

    private int FormatChunk(int chunk, ref byte[]? buffer)
    {
        int firstSubject = chunk * SubjectsPerChunk, endSubject = Math.Min(Subjects, firstSubject + SubjectsPerChunk);
        int rowCount = FirstRow(endSubject) - FirstRow(firstSubject);
        int maxRowBytes = 4 * (AsciiFieldWriter.MaxNumberLength + 1) + 2 + SubjectLabelWidth + 12 + SiteLabelWidth + 16;
        int needed = rowCount * maxRowBytes;
        if (buffer is null || buffer.Length < needed) buffer = new byte[needed];
        var rows = new SimulatedRow[MaxRowsPerSubject];
        var output = buffer.AsSpan();
        int position = 0;
        for (int s = firstSubject; s < endSubject; s++)
        {
            int count = FirstRow(s + 1) - FirstRow(s);
            GenerateSubject(s, rows.AsSpan(0, count));
            for (int r = 0; r < count; r++)
            {
                var row = rows[r];
                position += AsciiFieldWriter.WriteFixed(output[position..], row.Y, ResponseDecimals);
                output[position++] = (byte)',';
                position += AsciiFieldWriter.WriteFixed(output[position..], row.Time, CovariateDecimals);
                output[position++] = (byte)',';
                position += AsciiFieldWriter.WriteFixed(output[position..], row.X1, CovariateDecimals);
                output[position++] = (byte)',';
                position += AsciiFieldWriter.WriteFixed(output[position..], row.X2, CovariateDecimals);
                output[position++] = (byte)',';
                output[position++] = (byte)('a' + row.Group);
                output[position++] = (byte)',';
                position += AsciiFieldWriter.WriteLabel(output[position..], "s"u8, s, SubjectLabelWidth);
                output[position++] = (byte)',';
                position += AsciiFieldWriter.WriteLabel(output[position..], "site"u8, row.Site, SiteLabelWidth);
                output[position++] = (byte)'\n';
            }
        }
        return position;
    }

    /// <summary>Draws the rows of one subject from its own stream. Covariates are rounded before y is computed from
    /// them, so the model holds exactly for the values written.</summary>
    private void GenerateSubject(int subject, Span<SimulatedRow> rows)
    {
        var random = new Xoshiro256StarStar(seed, (ulong)subject + 1);
        double z0 = random.NextNormal(), z1 = random.NextNormal();
        double interceptDeviation = SubjectInterceptSd * z0;
        double slopeDeviation = SubjectSlopeSd *
            (SubjectCorrelation * z0 + Math.Sqrt(1 - SubjectCorrelation * SubjectCorrelation) * z1);
        var groupEffects = GroupEffects;
        for (int r = 0; r < rows.Length; r++)
        {
            long timeScaled = Scale(MaxTime * random.NextDouble(), CovariateDecimals);
            long x1Scaled = Scale(random.NextNormal(), CovariateDecimals);
            long x2Scaled = Scale(random.NextNormal(), CovariateDecimals);
            int group = random.NextInt(GroupLabels.Length);
            int site = random.NextInt(Sites);
            double noise = ResidualSd * random.NextNormal();
            double time = Unscale(timeScaled, CovariateDecimals);
            double y = Intercept + TimeEffect * time + X1Effect * Unscale(x1Scaled, CovariateDecimals)
                + X2Effect * Unscale(x2Scaled, CovariateDecimals) + groupEffects[group]
                + interceptDeviation + slopeDeviation * time + siteEffects[site] + noise;
            rows[r] = new SimulatedRow(Scale(y, ResponseDecimals), timeScaled, x1Scaled, x2Scaled, group, site);
        }
    }

    private static long Scale(double value, int decimals) => (long)Math.Round(value * PowerOfTen(decimals));

    // An integer divided by a power of ten, both exact doubles: the correctly rounded quotient is the double nearest
    // the decimal text the CSV holds, i.e. exactly what a correct parser reads back.
    private static double Unscale(long scaled, int decimals) => scaled / PowerOfTen(decimals);

    private static double PowerOfTen(int decimals) => decimals switch
    {
        4 => 1e4,
        5 => 1e5,
        _ => Math.Pow(10, decimals),
    };

    /// <summary>A categorical column with the levels that never occur removed (a reader of the CSV never sees them).</summary>
    private static CategoricalColumn UsedLevelsOnly(string name, int[] codes, string[] labels)
    {
        var used = new bool[labels.Length];
        foreach (int code in codes) used[code] = true;
        if (Array.TrueForAll(used, u => u)) return new CategoricalColumn(name, codes, labels);
        var newCode = new int[labels.Length];
        var kept = new List<string>();
        for (int l = 0; l < labels.Length; l++)
        {
            newCode[l] = kept.Count;
            if (used[l]) kept.Add(labels[l]);
        }
        var remapped = new int[codes.Length];
        for (int i = 0; i < codes.Length; i++) remapped[i] = newCode[codes[i]];
        return new CategoricalColumn(name, remapped, kept.ToArray());
    }

    /// <summary>One simulated row, numbers already scaled to integers at their decimals.</summary>
    private readonly record struct SimulatedRow(long Y, long Time, long X1, long X2, int Group, int Site);
}
