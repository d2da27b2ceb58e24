using SparseLmm.Numerics;

namespace SparseLmm.Glmm;

/// <summary>The centred-and-scaled fixed-effects coordinates a GLMM is fitted in: X_t = X A with X_t's columns
/// (x_j − s_j)·d_j when X has a constant column (the intercept), and x_j·d_j otherwise, so that X β = X_t β_t with
/// β = A β_t and Cov(β̂) = A Cov(β̂_t) A'.
/// <para>Why: the Laplace and quadrature deviances depend on β only through Xβ, so they are invariant to this
/// reparameterization, but everything numerical about the fit is not. With an uncentred covariate (a year near 2010)
/// the intercept and the slope are correlated to −0.9999, BOBYQA's stage two crawls along that ridge and stops short,
/// and lme4's Hessian step of 1e-4 in β moves η by 0.2 per row: the estimates and standard errors come out wrong
/// (lme4 only warns "Rescale variables?"). In these coordinates the columns are uncorrelated with the intercept and of
/// unit spread, the search is well conditioned and the finite-difference step is one ten-thousandth of a covariate's
/// standard deviation whatever its units, so β̂ and its standard errors do not change when a covariate is shifted or
/// rescaled.</para></summary>
internal sealed class FixedEffectsReparameterization
{
    private readonly int p;

    // Row-major p × p: β = A β_t.
    private readonly double[] a;

    private FixedEffectsReparameterization(int p, double[] a, double[] transformedX)
    {
        this.p = p;
        this.a = a;
        TransformedX = transformedX;
    }

    /// <summary>X_t, row-major n × p.</summary>
    public double[] TransformedX { get; }

    /// <summary>The coordinates for the row-major n × p matrix <paramref name="x"/>.</summary>
    public static FixedEffectsReparameterization For(double[] x, int n, int p)
    {
        var a = new double[p * p];
        for (int j = 0; j < p; j++) a[j * p + j] = 1;
        var transformed = (double[])x.Clone();
        if (n == 0 || p == 0) return new FixedEffectsReparameterization(p, a, transformed);

        // The first column whose entries are all one (nonzero) value plays the intercept.
        int constant = -1;
        for (int j = 0; j < p && constant < 0; j++)
        {
            double first = x[j];
            if (first == 0 || !double.IsFinite(first)) continue;
            bool same = true;
            for (int i = 1; i < n && same; i++) same = x[i * p + j] == first;
            if (same) constant = j;
        }

        for (int j = 0; j < p; j++)
        {
            if (j == constant) continue;
            // Two-pass mean (the second pass corrects the rounding of the first) and spread about it.
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x[i * p + j];
            double mean = sum / n, correction = 0;
            for (int i = 0; i < n; i++) correction += x[i * p + j] - mean;
            mean += correction / n;
            double shift = constant >= 0 ? mean : 0;
            double squares = 0;
            for (int i = 0; i < n; i++)
            {
                double d = x[i * p + j] - shift;
                squares += d * d;
            }
            double spread = Math.Sqrt(squares / n);
            double scale = spread > 0 && double.IsFinite(spread) ? 1 / spread : 1;
            if (!double.IsFinite(scale)) scale = 1;
            for (int i = 0; i < n; i++) transformed[i * p + j] = (x[i * p + j] - shift) * scale;
            // x_t,j = d_j x_j − (s_j d_j / c) x_c, with c the constant column's value.
            a[j * p + j] = scale;
            if (constant >= 0) a[constant * p + j] = -shift * scale / x[constant];
        }
        return new FixedEffectsReparameterization(p, a, transformed);
    }

    /// <summary>β = A β_t.</summary>
    public double[] ToOriginal(ReadOnlySpan<double> transformedBeta) => SmallMatrix.Multiply(a, transformedBeta, p, p, 1);

    /// <summary>β = A β_t into <paramref name="beta"/>, allocating nothing (a sampler maps every draw).</summary>
    public void ToOriginal(ReadOnlySpan<double> transformedBeta, Span<double> beta)
    {
        for (int i = 0; i < p; i++)
        {
            double value = 0;
            for (int j = 0; j < p; j++) value += a[i * p + j] * transformedBeta[j];
            beta[i] = value;
        }
    }

    /// <summary>A C A' for a row-major p × p covariance C of β_t.</summary>
    public double[] CovarianceToOriginal(ReadOnlySpan<double> transformedCovariance) =>
        SmallMatrix.Congruence(a, transformedCovariance, p);
}
