using SparseLmm.Design;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>The coordinates a linear fit's search and optimum check run in when an unstructured term's random slope
/// lies far from zero beside the term's intercept: θ of the same term with its slope columns centred. With z = z̃ + c
/// (c the slopes' means, 0 for the intercept), z'b = z̃'(Ab) for A = I + e c' (e the intercept's column), so the centred
/// term has covariance Σ̃ = AΣA' and the likelihood is the same function of Σ̃ as of Σ. Far from zero, lme4's Σ has an
/// intercept SD |c|/SD times the slope's and a correlation near −1, a curved valley the search does not follow (a slope
/// of SD 1 shifted by 200 stopped 1.2 REML units above the optimum, passing the check); Σ̃ is the covariance at the
/// centre of the data, which it resolves. The fit is reported in the original θ: T = chol(A⁻¹ T̃ T̃' A⁻ᵀ).
/// <para>Terms whose slopes lie within <see cref="CentringRatio"/> SDs of zero keep lme4's coordinates (so every reference fit follows lme4's
/// path), as do diagonal and structured terms, whose models change with the origin.</para></summary>
internal sealed class CentredFrame
{
    /// <summary>|mean| / SD beyond which a slope's term is searched centred.</summary>
    public const double CentringRatio = 3;

    private readonly CentredTerm[] terms;
    private readonly double[] product, covariance;

    private sealed record CentredTerm(int Term, int Offset, int Size, int Intercept, double[] Centres, double[] Deviations);

    private CentredFrame(CentredTerm[] terms)
    {
        this.terms = terms;
        int k = terms.Length == 0 ? 0 : terms.Max(t => t.Size);
        product = new double[k * k];
        covariance = new double[k * k];
    }

    /// <summary>The largest |mean| / SD of a slope the frame centres. The cross-products are sums of the uncentred
    /// columns' products, so the slope's spread loses digits to rounding as the offset grows: sleepstudy's Days + 25,000
    /// (ratio 8,700) moved the Days estimate by 1.6·10⁻⁵ of itself, and near 10¹² a wrong optimum passed the check. Up
    /// to 10³ the shifted fits agree with the original to 10⁻⁶.</summary>
    public const double MaxOffset = 1e3;

    /// <summary>The frame for the layout's terms, from the cross-products (so a streamed fit, which keeps no model
    /// matrix, gets it too): a slope's mean is its column's sum against the intercept's over the levels, its SD from
    /// its squares, both weighted by the prior weights when there are some. Refuses a slope that is constant or more
    /// than <see cref="MaxOffset"/> SDs from zero.</summary>
    public static CentredFrame Of(CrossProducts products, CovarianceParameterization parameterization)
    {
        var layout = products.Layout;
        return new CentredFrame([.. Enumerable.Range(0, layout.Terms.Count).Select(t =>
        {
            var term = layout.Terms[t];
            int k = term.ColumnCount;
            double Sum(int a, int b)
            {
                double sum = 0;
                for (int level = 0; level < term.LevelCount; level++)
                    sum += t == 0
                        ? products.FirstBlocks[level * k * k + a * k + b]
                        : products.RestEntry(layout.RestTermOffset[t] + level * k + Math.Max(a, b), layout.RestTermOffset[t] + level * k + Math.Min(a, b));
                return sum;
            }
            return Centring(t, term.TermNames, term.GroupName, term.Structure, Sum, parameterization);
        }).OfType<CentredTerm>()]);
    }

    /// <summary>The frame for a GLMM's terms, from their model matrices: a slope's mean and SD over the rows. Any
    /// centre gives the same model, so the GLMM's varying IRLS weights need not enter; the mean only has to bring the
    /// slope near zero. Refuses as <see cref="Of(CrossProducts, CovarianceParameterization)"/> does.</summary>
    public static CentredFrame Of(IReadOnlyList<RandomEffectsDesign> terms, CovarianceParameterization parameterization) =>
        Of(terms, parameterization, null);

    /// <summary>The frame for a GLMM's terms from their Σ zₐ z_b over the rows (<paramref name="sums"/> of term, a, b;
    /// null: from the terms' rows), for terms whose rows are not held (a streamed fit).</summary>
    internal static CentredFrame Of(IReadOnlyList<RandomEffectsDesign> terms, CovarianceParameterization parameterization,
        Func<int, int, int, double>? sums) =>
        new([.. terms.Select((term, t) =>
        {
            int k = term.ColumnCount, n = term.LevelOfRow.Length;
            double Sum(int a, int b)
            {
                if (sums is not null) return sums(t, a, b);
                double sum = 0;
                for (int i = 0; i < n; i++) sum += term.Z[i * k + a] * term.Z[i * k + b];
                return sum;
            }
            return Centring(t, term.TermNames, term.GroupName, term.Structure, Sum, parameterization);
        }).OfType<CentredTerm>()]);

    /// <summary>Term <paramref name="t"/>'s centring, from its columns' sums of products (the intercept's own sum is
    /// the rows' count); null when it keeps lme4's coordinates.</summary>
    private static CentredTerm? Centring(int t, IReadOnlyList<string> names, string group, CovarianceStructure structure,
        Func<int, int, double> sum, CovarianceParameterization parameterization)
    {
        int k = names.Count, intercept = names.ToList().IndexOf("(Intercept)");
        if (k < 2 || intercept < 0 || structure != CovarianceStructure.Unstructured) return null;
        double count = sum(intercept, intercept);
        var means = new double[k];
        var deviations = new double[k];
        bool far = false;
        string text = $"({string.Join(" + ", names.Select(name => name == "(Intercept)" ? "1" : name))} | {group})";
        for (int c = 0; c < k; c++)
        {
            if (c == intercept)
            {
                deviations[c] = 1;
                continue;
            }
            means[c] = sum(intercept, c) / count;
            deviations[c] = Math.Sqrt(Math.Max(sum(c, c) / count - means[c] * means[c], 0));
            // From sums of products no spread means constant or rounded away; a design has refused a constant one.
            if (deviations[c] == 0)
                throw new InputException(
                    $"random-effects term {text}: '{names[c]}' shows no spread beside its mean {means[c]:G6} in the cross-products (it is constant, or so far from zero that rounding took its spread): leave it out of the term, or centre it");
            if (DesignChecks.SlopeProblem(text, names[c], means[c], deviations[c], MaxOffset,
                    "beside the intercept its spread is lost to rounding") is { } problem)
                throw new InputException(problem);
            far |= Math.Abs(means[c]) / deviations[c] > CentringRatio;
        }
        return far ? new CentredTerm(t, parameterization.Offset(t), k, intercept, means, deviations) : null;
    }

    /// <summary>True when some term is searched centred.</summary>
    public bool Active => terms.Length > 0;

    /// <summary>The natural units of the frame's coordinates (<see cref="ThetaScales"/>): a centred term's slope rows
    /// by the slope's SD, not its root mean square.</summary>
    public double[] Units(CrossProducts products, CovarianceParameterization parameterization) =>
        Units(Enumerable.Range(0, products.Layout.Terms.Count).Select(t => ThetaScales.ColumnRootMeanSquares(products, t)).ToList(), parameterization);

    /// <summary>The natural units of the frame's coordinates for a GLMM's terms, from their model matrices, for a linear
    /// predictor whose own unit is <paramref name="linearPredictorUnit"/> (as <see cref="ThetaScales"/>).</summary>
    public double[] Units(IReadOnlyList<RandomEffectsDesign> terms, CovarianceParameterization parameterization, double linearPredictorUnit) =>
        Units(terms.Select(ThetaScales.ColumnRootMeanSquares).ToList(), parameterization, linearPredictorUnit);

    internal double[] Units(IReadOnlyList<double[]> rootMeanSquares, CovarianceParameterization parameterization, double linearPredictorUnit = 1) =>
        ThetaScales.FromRootMeanSquares(rootMeanSquares.Select((rms, t) =>
            ThetaScales.PerUnit(terms.FirstOrDefault(c => c.Term == t)?.Deviations ?? rms, linearPredictorUnit)).ToList(), parameterization);

    /// <summary>θ of the frame's coordinates, into <paramref name="theta"/> (no allocation: once per evaluation).</summary>
    public void ToOriginal(ReadOnlySpan<double> centred, Span<double> theta)
    {
        centred.CopyTo(theta);
        foreach (var term in terms) Transform(theta, term, -1);
    }

    /// <summary>θ of the frame's coordinates, as a new array.</summary>
    public double[] ToOriginal(ReadOnlySpan<double> centred)
    {
        var theta = new double[centred.Length];
        ToOriginal(centred, theta);
        return theta;
    }

    /// <summary>The frame's coordinates of θ, as a new array.</summary>
    public double[] ToCentred(IReadOnlyList<double> theta)
    {
        var centred = theta.ToArray();
        foreach (var term in terms) Transform(centred, term, +1);
        return centred;
    }

    /// <summary>Replaces the term's entries of θ (T's lower triangle, column by column) by those of chol(M M') with
    /// M = (I + sign·e c') T: sign +1 maps to the centred coordinates, −1 back.</summary>
    private void Transform(Span<double> theta, CentredTerm term, int sign)
    {
        int k = term.Size, e = term.Intercept;
        var m = product.AsSpan(0, k * k);
        m.Clear();
        int index = term.Offset;
        for (int column = 0; column < k; column++)
            for (int row = column; row < k; row++) m[row * k + column] = theta[index++];
        // Row e of M gains Σ_j c_j (row j of T).
        for (int j = 0; j < k; j++)
        {
            double shift = sign * term.Centres[j];
            if (j == e || shift == 0) continue;
            for (int c = 0; c <= j; c++) m[e * k + c] += shift * m[j * k + c];
        }
        var s = covariance.AsSpan(0, k * k);
        for (int a = 0; a < k; a++)
            for (int b = 0; b <= a; b++)
            {
                double value = 0;
                for (int c = 0; c < k; c++) value += m[a * k + c] * m[b * k + c];
                s[a * k + b] = value;
            }
        // chol(S) into M's lower triangle; a pivot lost to rounding (a singular Σ) is zero with its column.
        m.Clear();
        for (int j = 0; j < k; j++)
        {
            double d = s[j * k + j];
            for (int c = 0; c < j; c++) d -= m[j * k + c] * m[j * k + c];
            if (!(d > 1e-14 * s[j * k + j])) continue;
            double pivot = Math.Sqrt(d);
            m[j * k + j] = pivot;
            for (int i = j + 1; i < k; i++)
            {
                double value = s[i * k + j];
                for (int c = 0; c < j; c++) value -= m[i * k + c] * m[j * k + c];
                m[i * k + j] = value / pivot;
            }
        }
        index = term.Offset;
        for (int column = 0; column < k; column++)
            for (int row = column; row < k; row++) theta[index++] = m[row * k + column];
    }
}
