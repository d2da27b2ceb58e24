using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The internal coordinates of a mixed model's fixed effects (and a linear model's response): each column of X
/// but the intercept is centred (when X has an intercept) and scaled, x_t = (x − s)·d, so that Xβ = X_t β_t with
/// β = A β_t and Cov(β̂) = A Cov(β̂_t) A'; β̂ and its covariance are mapped back here, in one place.
/// <para>A linear model (<see cref="For"/>) scales by powers of two, and y too. Cross-products of uncentred columns lose
/// the digits that matter: a response near 10⁹ with a spread of 25 keeps none of them in y'y. In the centred
/// coordinates the products are of the spread itself. Scaling by powers of two is exact and keeps squares of columns
/// like x·10¹⁵⁴ finite. The model is the same (the intercept absorbs the shifts), so θ̂ and the likelihood do not
/// change; û and r² are mapped back too, and log|L_X|² gets the Jacobian of the scaling.</para>
/// <para>A GLMM (<see cref="Standardized"/>) is fitted in X_t with columns of unit spread: see there.</para></summary>
internal sealed class FixedEffectScaling
{
    private FixedEffectScaling(double[] columnShift, double[] columnScale, double responseShift, double responseScale, int intercept,
        double interceptValue = 1)
    {
        ColumnShift = columnShift;
        ColumnScale = columnScale;
        ResponseShift = responseShift;
        ResponseScale = responseScale;
        InterceptColumn = intercept;
        InterceptValue = interceptValue;
        double logScales = 0;
        foreach (double scale in columnScale) logScales += Math.Log(scale);
        LogDeterminantCorrection = -2 * logScales;
    }

    /// <summary>The shift subtracted from each column of X (0 for the intercept, and for all when there is none).</summary>
    public double[] ColumnShift { get; }

    /// <summary>The power of two each shifted column is multiplied by.</summary>
    public double[] ColumnScale { get; }

    /// <summary>The shift subtracted from y.</summary>
    public double ResponseShift { get; }

    /// <summary>The power of two the shifted y is multiplied by.</summary>
    public double ResponseScale { get; }

    /// <summary>The column of ones in X (of one constant value, for <see cref="Standardized"/>), or −1.</summary>
    public int InterceptColumn { get; }

    /// <summary>The value of every entry of the intercept column: 1, or the constant of <see cref="Standardized"/>'s.</summary>
    public double InterceptValue { get; }

    /// <summary>log|L_X|² in the original coordinates minus that in the internal ones.</summary>
    public double LogDeterminantCorrection { get; }

    /// <summary>No change of coordinates (GLMM working systems, whose β is PIRLS's own).</summary>
    public static FixedEffectScaling Identity(int fixedEffects) =>
        new(new double[fixedEffects], Enumerable.Repeat(1.0, fixedEffects).ToArray(), 0, 1, -1);

    // Beyond 2^±500 a column's squares (and its covariance mapped back) leave double precision's range.
    private const int LargestBinaryExponent = 500;

    /// <summary>Centres (with an intercept) and scales the columns of row-major n×p <paramref name="x"/> and
    /// <paramref name="response"/>, from their means and root mean squares. Throws <see cref="InputException"/> for a
    /// column whose spread is too large or too small for double precision, naming it.</summary>
    public static FixedEffectScaling For(ReadOnlySpan<double> x, ReadOnlySpan<double> response, int fixedEffects,
        IReadOnlyList<string> columnNames, string responseName)
    {
        int n = response.Length, p = fixedEffects;
        int intercept = -1;
        for (int c = 0; c < p && intercept < 0; c++)
        {
            bool ones = n > 0;
            for (int i = 0; i < n && ones; i++) ones = x[i * p + c] == 1.0;
            if (ones) intercept = c;
        }
        // The response is column p of [X y]. Each statistic is one row-major pass over all columns at once (a
        // column at a time would read X p times over at stride p).
        int width = p + 1;
        var shift = new double[width];
        if (intercept >= 0 && n > 0)
        {
            for (int i = 0; i < n; i++)
                for (int c = 0; c < width; c++) shift[c] += Value(x, response, p, i, c);
            for (int c = 0; c < width; c++) shift[c] = c == intercept ? 0 : shift[c] / n;
        }
        // Squares are formed after dividing by the largest magnitude, so they cannot overflow.
        var largest = new double[width];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < width; c++) largest[c] = Math.Max(largest[c], Math.Abs(Value(x, response, p, i, c) - shift[c]));
        var squares = new double[width];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < width; c++)
            {
                if (largest[c] == 0 || !double.IsFinite(largest[c])) continue;
                double value = (Value(x, response, p, i, c) - shift[c]) / largest[c];
                squares[c] += value * value;
            }
        var scale = new double[width];
        for (int c = 0; c < width; c++)
            scale[c] = c == intercept ? 1
                : PowerOfTwoScale(largest[c], squares[c], n, c < p ? columnNames[c] : responseName, c < p ? "fixed-effect column" : "response");
        return new FixedEffectScaling(shift[..p], scale[..p], shift[p], scale[p], intercept);
    }

    /// <summary>The coordinates a GLMM is fitted in: each column but the first constant one (any nonzero value plays
    /// the intercept) centred when there is one, at a two-pass mean (the second pass corrects the first's rounding),
    /// and divided by its spread about it, exactly (not to a power of two); the response is left alone.
    /// <para>Why: the Laplace and quadrature deviances depend on β only through Xβ, so they are invariant to this
    /// reparameterization, but everything numerical about the fit is not. With an uncentred covariate (a year near 2010)
    /// the intercept and the slope are correlated to −0.9999, BOBYQA's stage two crawls along that ridge and stops short,
    /// and lme4's Hessian step of 1e-4 in β moves η by 0.2 per row: the estimates and standard errors come out wrong
    /// (lme4 only warns "Rescale variables?"). In these coordinates the columns are uncorrelated with the intercept and
    /// of unit spread, the search is well conditioned and the finite-difference step is one ten-thousandth of a
    /// covariate's standard deviation whatever its units, so β̂ and its standard errors do not change when a covariate
    /// is shifted or rescaled.</para></summary>
    /// <param name="x">Row-major <paramref name="n"/> × <paramref name="p"/>.</param>
    /// <param name="n">Rows.</param>
    /// <param name="p">Columns.</param>
    public static FixedEffectScaling Standardized(double[] x, int n, int p) => StandardizedBlocks(() => [(x, n)], n, p);

    /// <summary><see cref="Standardized(double[], int, int)"/> of rows that come in blocks (a streamed GLMM's): each
    /// call of <paramref name="pass"/> enumerates the blocks (row-major X and its rows) in row order, three times in
    /// all. Every column's sums run over the rows in order, so the coordinates are those of one array to the bit.</summary>
    internal static FixedEffectScaling StandardizedBlocks(Func<IEnumerable<(double[] X, int Rows)>> pass, long n, int p)
    {
        var shifts = new double[p];
        var scales = Enumerable.Repeat(1.0, p).ToArray();
        if (n == 0 || p == 0) return new FixedEffectScaling(shifts, scales, 0, 1, -1);

        var first = new double[p];
        var same = new bool[p];
        var sums = new double[p];
        bool started = false;
        foreach (var (x, rows) in pass())
        {
            if (!started && rows > 0)
            {
                x.AsSpan(0, p).CopyTo(first);
                for (int j = 0; j < p; j++) same[j] = first[j] != 0 && double.IsFinite(first[j]);
                started = true;
            }
            for (int j = 0; j < p; j++)
            {
                double sum = sums[j];
                bool equal = same[j];
                for (int i = 0; i < rows; i++)
                {
                    double value = x[i * p + j];
                    sum += value;
                    equal &= value == first[j];
                }
                sums[j] = sum;
                same[j] = equal;
            }
        }
        int constant = Array.IndexOf(same, true);
        var means = new double[p];
        var corrections = new double[p];
        for (int j = 0; j < p; j++) means[j] = sums[j] / n;
        foreach (var (x, rows) in pass())
            for (int j = 0; j < p; j++)
            {
                double correction = corrections[j], mean = means[j];
                for (int i = 0; i < rows; i++) correction += x[i * p + j] - mean;
                corrections[j] = correction;
            }
        var squares = new double[p];
        for (int j = 0; j < p; j++)
        {
            double mean = means[j] + corrections[j] / n;
            shifts[j] = j != constant && constant >= 0 ? mean : 0;
        }
        foreach (var (x, rows) in pass())
            for (int j = 0; j < p; j++)
            {
                double sum = squares[j], shift = shifts[j];
                for (int i = 0; i < rows; i++)
                {
                    double d = x[i * p + j] - shift;
                    sum += d * d;
                }
                squares[j] = sum;
            }
        for (int j = 0; j < p; j++)
        {
            if (j == constant) continue;
            double spread = Math.Sqrt(squares[j] / n);
            double scale = spread > 0 && double.IsFinite(spread) ? 1 / spread : 1;
            scales[j] = double.IsFinite(scale) ? scale : 1;
        }
        return new FixedEffectScaling(shifts, scales, 0, 1, constant, constant >= 0 ? first[constant] : 1);
    }

    /// <summary>Row-major n × p <paramref name="x"/> in these coordinates, (x − s)·d column by column (the intercept
    /// column as it is).</summary>
    public double[] Transform(ReadOnlySpan<double> x)
    {
        int p = ColumnScale.Length;
        var transformed = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int j = i % p;
            transformed[i] = j == InterceptColumn ? x[i] : (x[i] - ColumnShift[j]) * ColumnScale[j];
        }
        return transformed;
    }

    /// <summary>The coordinates of <see cref="For"/> from moments accumulated elsewhere (streamed rows, partitions):
    /// the shift of each column of [X y] (0 for the intercept) and the root mean square of each shifted column.</summary>
    internal static FixedEffectScaling FromMoments(double[] shift, double[] rootMeanSquare, int intercept,
        IReadOnlyList<string> columnNames, string responseName)
    {
        int p = shift.Length - 1;
        var scale = new double[p + 1];
        for (int c = 0; c <= p; c++)
            scale[c] = c == intercept ? 1
                : PowerOfTwoScale(rootMeanSquare[c], 1, 1, c < p ? columnNames[c] : responseName, c < p ? "fixed-effect column" : "response");
        return new FixedEffectScaling(shift[..p], scale[..p], shift[p], scale[p], intercept);
    }

    private static double Value(ReadOnlySpan<double> x, ReadOnlySpan<double> response, int p, int i, int c) =>
        c < p ? x[i * p + c] : response[i];

    /// <summary>2^−e with 2^e near the root mean square of the shifted column (1 for a zero column), from its largest
    /// magnitude and the sum of squares of the column divided by it.</summary>
    private static double PowerOfTwoScale(double largest, double squares, int n, string name, string kind)
    {
        if (largest == 0 || !double.IsFinite(largest)) return 1;
        double rootMeanSquare = largest * Math.Sqrt(squares / n);
        int exponent = Math.ILogB(rootMeanSquare);
        if (Math.Abs(exponent) > LargestBinaryExponent)
            throw new InputException(
                $"{kind} '{name}' varies on a scale of about {rootMeanSquare:G2}; its squares leave the range of double precision, so rescale it (for example by a power of ten)");
        return Math.ScaleB(1.0, -exponent);
    }

    /// <summary>Maps internal β (in place) to the original coordinates: β = A β_t, then the response's shift and scale.</summary>
    public void MapFixedEffects(Span<double> beta)
    {
        double shiftSum = 0;
        for (int c = 0; c < beta.Length; c++)
        {
            if (c == InterceptColumn) continue;
            shiftSum += ColumnShift[c] * ColumnScale[c] * beta[c];
            beta[c] *= ColumnScale[c] / ResponseScale;
        }
        if (InterceptColumn >= 0)
            beta[InterceptColumn] = ResponseShift + (beta[InterceptColumn] - shiftSum / InterceptValue) / ResponseScale;
    }

    /// <summary>A copy of internal β mapped to the original coordinates.</summary>
    public double[] ToOriginal(ReadOnlySpan<double> beta)
    {
        var original = new double[beta.Length];
        ToOriginal(beta, original);
        return original;
    }

    /// <summary>Internal β mapped into <paramref name="original"/>, allocating nothing (a sampler maps every draw).</summary>
    public void ToOriginal(ReadOnlySpan<double> beta, Span<double> original)
    {
        beta.CopyTo(original);
        MapFixedEffects(original);
    }

    /// <summary>Maps an internal unscaled covariance of β (row-major p×p, relative to σ²) to the original coordinates:
    /// A C A' with A the Jacobian of the map.</summary>
    public double[] MapCovariance(double[] covariance)
    {
        int p = ColumnScale.Length;
        var jacobian = new double[p * p];
        for (int c = 0; c < p; c++) jacobian[c * p + c] = ColumnScale[c];
        if (InterceptColumn >= 0)
            for (int c = 0; c < p; c++)
                if (c != InterceptColumn) jacobian[InterceptColumn * p + c] = -ColumnShift[c] * ColumnScale[c] / InterceptValue;
        return SmallMatrix.Congruence(jacobian, covariance, p);
    }
}
