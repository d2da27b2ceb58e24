using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The internal coordinates of a linear mixed model's fixed effects and response: each column of X but the
/// intercept is centred (when X has an intercept) and scaled by a power of two, and so is y.
/// <para>Cross-products of uncentred columns lose the digits that matter: a response near 10⁹ with a spread of 25 keeps
/// none of them in y'y. In the centred coordinates the products are of the spread itself. Scaling by powers of two is
/// exact and keeps squares of columns like x·10¹⁵⁴ finite. The model is the same (the intercept absorbs the shifts),
/// so θ̂ and the likelihood do not change; β̂, its covariance, û and r² are mapped back here, in one place, and
/// log|L_X|² gets the Jacobian of the scaling.</para></summary>
internal sealed class FixedEffectScaling
{
    private FixedEffectScaling(double[] columnShift, double[] columnScale, double responseShift, double responseScale, int intercept)
    {
        ColumnShift = columnShift;
        ColumnScale = columnScale;
        ResponseShift = responseShift;
        ResponseScale = responseScale;
        InterceptColumn = intercept;
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

    /// <summary>The column of ones in X, or −1.</summary>
    public int InterceptColumn { get; }

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

    /// <summary>Maps internal β (in place) to the original coordinates.</summary>
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
            beta[InterceptColumn] = ResponseShift + (beta[InterceptColumn] - shiftSum) / ResponseScale;
    }

    /// <summary>Maps an internal unscaled covariance of β (row-major p×p, relative to σ²) to the original coordinates:
    /// N C N' with N the Jacobian of the map times the response scale.</summary>
    public double[] MapCovariance(double[] covariance)
    {
        int p = ColumnScale.Length;
        var jacobian = new double[p * p];
        for (int c = 0; c < p; c++) jacobian[c * p + c] = ColumnScale[c];
        if (InterceptColumn >= 0)
            for (int c = 0; c < p; c++)
                if (c != InterceptColumn) jacobian[InterceptColumn * p + c] = -ColumnShift[c] * ColumnScale[c];
        return SmallMatrix.Congruence(jacobian, covariance, p);
    }
}
