namespace SparseLmm.Design;

/// <summary>The data-dependent formula functions, <c>scale(x)</c> and <c>poly(x, k)</c>, as R computes them: their
/// statistics (centre and scale; the recurrence coefficients of the orthogonal polynomials) come from the data the
/// model is fitted to and are kept with the design, so that new data are transformed with the fitted ones (R's
/// <c>makepredictcall</c>, <c>predict(poly)</c> with <c>coefs</c>).</summary>
internal static class FittedTransforms
{
    /// <summary>scale's statistics [centre, scale] of <paramref name="x"/>: centre the mean (or 0 when not centring);
    /// scale the standard deviation after centring, √(Σ x²/(n − 1)) (or 1 when not scaling), as R's
    /// <c>scale.default</c>.</summary>
    public static double[] ScaleStatistics(ReadOnlySpan<double> x, bool center, bool scale)
    {
        double mean = 0;
        if (center)
        {
            foreach (double value in x) mean += value;
            mean /= x.Length;
        }
        double spread = 1;
        if (scale)
        {
            double squares = 0;
            foreach (double value in x) squares += (value - mean) * (value - mean);
            spread = Math.Sqrt(squares / Math.Max(1, x.Length - 1));
        }
        return [mean, spread];
    }

    /// <summary>Applies scale's <paramref name="statistics"/> to <paramref name="x"/> in place.</summary>
    public static double[] Scale(double[] x, double[] statistics)
    {
        for (int i = 0; i < x.Length; i++) x[i] = (x[i] - statistics[0]) / statistics[1];
        return x;
    }

    /// <summary>poly's coefficients for <paramref name="degree"/>: α₁..α_k then R's norm2 = (1, n₀, n₁, .., n_k)
    /// (n_j = Σ P_j² of the monic orthogonal polynomials P_j over <paramref name="x"/>). R finds them by a QR
    /// decomposition of the centred powers; the three-term (Stieltjes) recurrence on centred x gives the same
    /// polynomials, the monic ones Q·diag(R) is made of.</summary>
    /// <exception cref="InputException">Fewer distinct values than <paramref name="degree"/> + 1 (R: "'degree' must be
    /// less than number of unique points").</exception>
    public static double[] PolyStatistics(ReadOnlySpan<double> x, int degree, string label)
    {
        int n = x.Length;
        if (x.ToArray().Distinct().Count() <= degree)
            throw new InputException($"{label}: the degree must be less than the number of distinct values of its variable");
        double mean = 0;
        foreach (double value in x) mean += value;
        mean /= n;
        var centred = new double[n];
        for (int i = 0; i < n; i++) centred[i] = x[i] - mean;
        var alpha = new double[degree];
        var norm2 = new double[degree + 2];
        norm2[0] = 1;
        var previous = new double[n];
        var current = Enumerable.Repeat(1.0, n).ToArray();
        var next = new double[n];
        for (int j = 0; j <= degree; j++)
        {
            double squares = 0, weighted = 0;
            for (int i = 0; i < n; i++)
            {
                squares += current[i] * current[i];
                weighted += centred[i] * current[i] * current[i];
            }
            norm2[j + 1] = squares;
            if (j == degree) break;
            double a = weighted / squares;
            alpha[j] = a + mean;
            double b = j == 0 ? 0 : norm2[j + 1] / norm2[j];
            for (int i = 0; i < n; i++) next[i] = (centred[i] - a) * current[i] - b * previous[i];
            (previous, current, next) = (current, next, previous);
        }
        return [.. alpha, .. norm2];
    }

    /// <summary>The columns of <c>poly(x, degree)</c> at <paramref name="x"/> from fitted coefficients (R's
    /// <c>predict.poly</c>: the recurrence, each column divided by √n_j).</summary>
    public static double[][] Poly(double[] x, int degree, double[] statistics)
    {
        int n = x.Length;
        var alpha = statistics.AsSpan(0, degree);
        var norm2 = statistics.AsSpan(degree);
        var columns = new double[degree][];
        var previous = Enumerable.Repeat(1.0, n).ToArray();
        var current = new double[n];
        for (int i = 0; i < n; i++) current[i] = x[i] - alpha[0];
        for (int j = 1; j <= degree; j++)
        {
            if (j > 1)
            {
                var next = new double[n];
                double b = norm2[j] / norm2[j - 1];
                for (int i = 0; i < n; i++) next[i] = (x[i] - alpha[j - 1]) * current[i] - b * previous[i];
                (previous, current) = (current, next);
            }
            double scale = Math.Sqrt(norm2[j + 1]);
            var column = new double[n];
            for (int i = 0; i < n; i++) column[i] = current[i] / scale;
            columns[j - 1] = column;
        }
        return columns;
    }

    /// <summary>log(1 + x), accurate for small x (the correction of Goldberg's "What every computer scientist should
    /// know", theorem 4).</summary>
    public static double LogOnePlus(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }
}
