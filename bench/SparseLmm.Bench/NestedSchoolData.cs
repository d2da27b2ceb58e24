namespace SparseLmm.Bench;

/// <summary>The three-level nested design of issue 9: visits within students within classes within schools, with a
/// random intercept and slope on time per student and random intercepts per class and school.
/// <list type="bullet">
/// <item>Visits per student: 1 + a Poisson count whose mean is gamma distributed (a negative binomial, right-skewed),
/// capped at 14, so 1 to 15 visits, about 8 on average; the capped tail piles up at 15 (about 12% of students have
/// all 15, as the completers of a study would), the mode is 5 to 6 and 2% have one visit. Students are drawn until the rows are used up (the last one
/// gets what is left), so there are about rows / 8 of them: 125k at 1M rows.</item>
/// <item>Classes: rows × 0.0063 (6,300 at 1M). Every class gets one student, the rest go to classes with
/// probability proportional to a Gamma(2) weight: class sizes are negative binomial (median 17, from 1 to about 100).</item>
/// <item>Schools: rows × 0.0006 (600 at 1M). Every school gets one class, the rest go to schools with probability
/// proportional to an exponential weight: school sizes are geometric (median 7 classes, from 1 to about 70).</item>
/// <item>Per row: <c>time</c> = visit number − 1 + U(0, 0.5) (2 decimals), <c>x</c> standard normal (5 decimals).</item>
/// <item>y = 10 + 0.4·time + 0.5·x + b₀ + b₁·time + u_class + u_school + ε (4 decimals), (b₀, b₁) per student with SDs
/// 1 and 0.25 and correlation −0.3, u_class ~ N(0, 0.6²), u_school ~ N(0, 0.8²), ε ~ N(0, 1).</item>
/// </list>
/// Labels are random ids (<c>s81234</c>, <c>c4321</c>, <c>k77</c>: a random permutation per factor) and the rows are
/// written in random order, so neither the labels nor the row order reveal the nesting: an engine has to find it in
/// the codes. Class labels are unique across schools, so <c>(1 | class)</c> is right without <c>class:school</c>.
/// <para>Deterministic by seed: the structure, the effects and the row order come from stream 0; output chunk k draws
/// its covariates and noise from stream k + 1, so chunks are formatted on all cores and the file is the same bytes.
/// The structure costs 4 bytes per row (the shuffled row order) plus a few per student; rows are written a batch of
/// chunks at a time.</para></summary>
internal sealed class NestedSchoolData
{
    /// <summary>The model the data were simulated from.</summary>
    public const string Formula = "y ~ 1 + time + x + (1 + time | student) + (1 | class) + (1 | school)";

    /// <summary>The same file fitted with random intercepts only (the cheaper nested workload).</summary>
    public const string InterceptsFormula = "y ~ 1 + time + x + (1 | student) + (1 | class) + (1 | school)";

    /// <summary>The header row of the CSV file.</summary>
    public const string Header = "y,time,x,student,class,school";

    /// <summary>Classes per row (6,300 at 1M rows).</summary>
    public const double ClassesPerRow = 0.0063;

    /// <summary>Schools per row (600 at 1M rows).</summary>
    public const double SchoolsPerRow = 0.0006;

    /// <summary>Most visits a student has.</summary>
    public const int MaxVisits = 15;

    // The mean of the uncapped count of extra visits; 7.4 with the cap at 14 gives a mean of 8 visits per student.
    private const double ExtraVisitsMean = 7.4;
    private const int VisitMeanGammaShape = 3;
    private const int ClassWeightGammaShape = 2;

    private const double Intercept = 10.0, TimeEffect = 0.4, XEffect = 0.5;
    private const double StudentInterceptSd = 1.0, StudentSlopeSd = 0.25, StudentCorrelation = -0.3;
    private const double ClassSd = 0.6, SchoolSd = 0.8, ResidualSd = 1.0;
    private const double TimeJitter = 0.5;

    private const int ResponseDecimals = 4, TimeDecimals = 2, CovariateDecimals = 5;
    private const int RowsPerChunk = 1 << 16;
    private const int VisitBits = 4;

    // Mixed into the seed so the nested file's draws are not the same numbers as another shape's of the same seed.
    private const ulong SeedSalt = 0x6E65737465640000UL;

    private readonly ulong seed;
    private readonly int[] rowOrder;          // output row -> student << VisitBits | visit index, shuffled
    private readonly int[] studentClass, classSchool;
    private readonly int[] studentLabel, classLabel, schoolLabel;
    private readonly double[] studentIntercept, studentSlope, classEffect, schoolEffect;

    /// <summary>Draws the structure and the random effects of <paramref name="rows"/> rows (up to 100M); the rows
    /// themselves are drawn while writing.</summary>
    public NestedSchoolData(int rows, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        // Packing student and visit into one int keeps the shuffled row order at 4 bytes a row.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, 100_000_000);
        Rows = rows;
        this.seed = seed ^ SeedSalt;
        var random = new Xoshiro256StarStar(this.seed, 0);

        var visits = DrawVisits(ref random, rows);
        Students = visits.Count;
        Classes = Math.Clamp((int)Math.Round(rows * ClassesPerRow), 1, Students);
        Schools = Math.Clamp((int)Math.Round(rows * SchoolsPerRow), 1, Classes);
        classSchool = ShareOut(ref random, Classes, Schools, weightShape: 1);
        studentClass = ShareOut(ref random, Students, Classes, ClassWeightGammaShape);

        schoolEffect = Normals(ref random, Schools, SchoolSd);
        classEffect = Normals(ref random, Classes, ClassSd);
        studentIntercept = new double[Students];
        studentSlope = new double[Students];
        double independent = Math.Sqrt(1 - StudentCorrelation * StudentCorrelation);
        for (int s = 0; s < Students; s++)
        {
            double z0 = random.NextNormal(), z1 = random.NextNormal();
            studentIntercept[s] = StudentInterceptSd * z0;
            studentSlope[s] = StudentSlopeSd * (StudentCorrelation * z0 + independent * z1);
        }

        studentLabel = RandomDraws.Permutation(ref random, Students);
        classLabel = RandomDraws.Permutation(ref random, Classes);
        schoolLabel = RandomDraws.Permutation(ref random, Schools);

        rowOrder = new int[rows];
        int row = 0;
        for (int s = 0; s < Students; s++)
            for (int v = 0; v < visits[s]; v++)
                rowOrder[row++] = s << VisitBits | v;
        RandomDraws.Shuffle(ref random, rowOrder);
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of students (about rows / 8).</summary>
    public int Students { get; }

    /// <summary>Number of classes (rows × 0.0063).</summary>
    public int Classes { get; }

    /// <summary>Number of schools (rows × 0.0006).</summary>
    public int Schools { get; }

    private int ChunkCount => (Rows + RowsPerChunk - 1) / RowsPerChunk;

    /// <summary>Writes the data as CSV (ASCII, '\n' line ends) to <paramref name="path"/>; returns the bytes written.</summary>
    public long WriteCsv(string path) => ChunkedCsvWriter.Write(path, Header, ChunkCount, FormatChunk);

    private static List<byte> DrawVisits(ref Xoshiro256StarStar random, int rows)
    {
        var visits = new List<byte>(rows / 7);
        int remaining = rows;
        while (remaining > 0)
        {
            double mean = ExtraVisitsMean * RandomDraws.NextGamma(ref random, VisitMeanGammaShape) / VisitMeanGammaShape;
            int count = Math.Min(remaining, 1 + RandomDraws.NextPoisson(ref random, mean, MaxVisits - 1));
            visits.Add((byte)count);
            remaining -= count;
        }
        return visits;
    }

    /// <summary>Assigns each of <paramref name="members"/> to one of <paramref name="units"/>: member u goes to unit u
    /// (so no unit is empty), the others to units drawn in proportion to a Gamma(<paramref name="weightShape"/>)
    /// weight per unit, which makes the sizes negative binomial (geometric for shape 1).</summary>
    private static int[] ShareOut(ref Xoshiro256StarStar random, int members, int units, int weightShape)
    {
        var weights = new double[units];
        for (int u = 0; u < units; u++) weights[u] = RandomDraws.NextGamma(ref random, weightShape);
        var table = new AliasTable(weights);
        var unitOf = new int[members];
        for (int m = 0; m < members; m++) unitOf[m] = m < units ? m : table.Sample(ref random);
        return unitOf;
    }

    private static double[] Normals(ref Xoshiro256StarStar random, int count, double sd)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = sd * random.NextNormal();
        return values;
    }

    private int FormatChunk(int chunk, ref byte[]? buffer)
    {
        int first = chunk * RowsPerChunk, end = Math.Min(Rows, first + RowsPerChunk);
        const int maxRowBytes = 3 * (AsciiFieldWriter.MaxNumberLength + 1) + 3 * 12;
        int needed = (end - first) * maxRowBytes;
        if (buffer is null || buffer.Length < needed) buffer = new byte[needed];
        var output = buffer.AsSpan();
        var random = new Xoshiro256StarStar(seed, (ulong)chunk + 1);
        int position = 0;
        for (int row = first; row < end; row++)
        {
            int student = rowOrder[row] >> VisitBits, visit = rowOrder[row] & ((1 << VisitBits) - 1);
            int classIndex = studentClass[student], school = classSchool[classIndex];
            long timeScaled = Scaled.Round(visit + TimeJitter * random.NextDouble(), TimeDecimals);
            long xScaled = Scaled.Round(random.NextNormal(), CovariateDecimals);
            // y from the rounded covariates, so the model holds exactly for the values written.
            double time = Scaled.Value(timeScaled, TimeDecimals);
            double y = Intercept + TimeEffect * time + XEffect * Scaled.Value(xScaled, CovariateDecimals)
                + studentIntercept[student] + studentSlope[student] * time + classEffect[classIndex]
                + schoolEffect[school] + ResidualSd * random.NextNormal();

            position += AsciiFieldWriter.WriteFixed(output[position..], Scaled.Round(y, ResponseDecimals), ResponseDecimals);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteFixed(output[position..], timeScaled, TimeDecimals);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteFixed(output[position..], xScaled, CovariateDecimals);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteLabel(output[position..], "s"u8, studentLabel[student], 1);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteLabel(output[position..], "c"u8, classLabel[classIndex], 1);
            output[position++] = (byte)',';
            position += AsciiFieldWriter.WriteLabel(output[position..], "k"u8, schoolLabel[school], 1);
            output[position++] = (byte)'\n';
        }
        return position;
    }
}
