using SparseLmm.Engine;

namespace SparseLmm.Mcmc;

/// <summary>The log prior density of θ (up to a constant) with respect to Lebesgue measure on θ's entries, for the
/// priors of <see cref="McmcPrior"/>, which are stated on each term's relative SDs s_j and correlation matrix Ω.
/// <para>Row j of a term's T is s_j times a unit vector ω_j (row j of Ω's Cholesky factor), so dT_j = s_j^j ds_j dω_j
/// (polar coordinates in j + 1 dimensions); an LKJ(η) density on Ω is, per row of its factor, ω_jj^(k − j + 2η − 3)
/// with respect to the row's free entries (Stan's lkj_corr_cholesky, ∏ L_ii^(k − i + 2η − 2) for 1-based i, here with
/// 0-based j) and ω_jj times that with respect to the sphere's surface measure. Hence
/// log p(θ) = Σ_terms [log p(s) − Σ_j j log s_j + Σ_{j≥1} (k − j + 2η − 2) log ω_jj].</para>
/// Allocates nothing after construction.</summary>
internal sealed class CovariancePriorDensity
{
    private const double StudentDegrees = 3;
    private const double StudentScale = 1;
    private readonly McmcPrior prior;
    private readonly CovarianceParameterization parameterization;
    private readonly double[] factor;
    private readonly double[] sds;

    public CovariancePriorDensity(McmcPrior prior, CovarianceParameterization parameterization)
    {
        this.prior = prior;
        this.parameterization = parameterization;
        int largest = parameterization.ColumnCounts.Max();
        factor = new double[largest * largest];
        sds = new double[largest];
    }

    /// <summary>The LKJ shape η of the prior.</summary>
    private double LkjShape => prior == McmcPrior.HalfStudentT ? 2 : 1;

    /// <summary>log p(θ) up to a constant; −∞ outside the support (a negative diagonal entry).</summary>
    public double LogDensity(ReadOnlySpan<double> theta)
    {
        double total = 0;
        for (int t = 0; t < parameterization.ColumnCounts.Length; t++)
        {
            int k = parameterization.ColumnCounts[t];
            parameterization.FillFactor(theta, t, factor);
            for (int j = 0; j < k; j++)
            {
                if (factor[j * k + j] < 0) return double.NegativeInfinity;
                double squares = 0;
                for (int c = 0; c <= j; c++) squares += factor[j * k + c] * factor[j * k + c];
                sds[j] = Math.Sqrt(squares);
            }
            total += LogSdDensity(sds.AsSpan(0, k));
            for (int j = 1; j < k; j++)
            {
                if (sds[j] == 0) return double.NegativeInfinity;
                total += -j * Math.Log(sds[j]) + (k - j + 2 * LkjShape - 2) * Math.Log(factor[j * k + j] / sds[j]);
            }
        }
        return total;
    }

    /// <summary>log p(s_1, …, s_k) of one term's relative SDs.</summary>
    private double LogSdDensity(ReadOnlySpan<double> s)
    {
        int k = s.Length;
        if (prior == McmcPrior.HalfStudentT)
        {
            double sum = 0;
            foreach (double value in s)
            {
                double z = value / StudentScale;
                sum -= 0.5 * (StudentDegrees + 1) * Math.Log(1 + z * z / StudentDegrees);
            }
            return sum;
        }
        // decov(shape 1, concentration 1): τ = √(T/k) ~ Gamma(1, 1) with T = Σ s_j², shares s_j²/T ~ Dirichlet(1) (a
        // constant density); p(v) = p(T) p(shares) / T^(k−1) for v_j = s_j², p(T) = p(τ) / (2√(kT)), and dv_j = 2 s_j ds_j.
        double trace = 0, logS = 0;
        foreach (double value in s)
        {
            trace += value * value;
            logS += Math.Log(value);
        }
        if (!(trace > 0)) return double.NegativeInfinity;
        double tau = Math.Sqrt(trace / k);
        return -tau - 0.5 * Math.Log(trace) - (k - 1) * Math.Log(trace) + logS;
    }
}
