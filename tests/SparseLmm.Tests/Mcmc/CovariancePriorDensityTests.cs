using SparseLmm.Design;
using MathNet.Numerics.LinearAlgebra;
using SparseLmm.Engine;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>The prior density on θ against the priors as stated, through a numerical change of variables: for
/// parameters φ in which the prior is written (SDs and correlations for half-t with LKJ(2); rstanarm's τ, variance
/// shares and correlations for decov), log p_θ(θ(φ)) + log |det ∂θ/∂φ| must equal log p(φ) up to one constant.</summary>
public class CovariancePriorDensityTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Half_t_with_lkj_2_changes_variables_correctly(int k) =>
        AssertConstant(k, McmcPrior.HalfStudentT, phi =>
        {
            var sds = phi[..k];
            var omega = Correlation(k, phi[k..]);
            double logDensity = sds.Sum(s => -2 * Math.Log(1 + s * s / 3));
            return (Theta(sds, omega), logDensity + (2 - 1) * Math.Log(omega.Determinant()));
        }, random => Enumerable.Range(0, k).Select(_ => 0.2 + 2 * random.NextDouble()).Concat(Correlations(k, random)).ToArray());

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Rstanarm_decov_changes_variables_correctly(int k) =>
        AssertConstant(k, McmcPrior.RstanarmDecov, phi =>
        {
            // φ = (τ, the first k − 1 variance shares, the correlations): τ ~ Gamma(1, 1), shares ~ Dirichlet(1), LKJ(1).
            double tau = phi[0];
            var shares = phi[1..k].Append(1 - phi[1..k].Sum()).ToArray();
            var sds = shares.Select(share => Math.Sqrt(share * k * tau * tau)).ToArray();
            return (Theta(sds, Correlation(k, phi[k..])), -tau);
        }, random =>
        {
            var raw = Enumerable.Range(0, k).Select(_ => 0.3 + random.NextDouble()).ToArray();
            return new[] { 0.2 + 2 * random.NextDouble() }.Concat(raw[..^1].Select(r => r / raw.Sum())).Concat(Correlations(k, random)).ToArray();
        });

    private static void AssertConstant(int k, McmcPrior prior, Func<double[], (double[] Theta, double LogDensity)> map, Func<Random, double[]> draw)
    {
        var density = new CovariancePriorDensity(prior, new CovarianceParameterization(
            [new RandomEffectsDesign("g", Enumerable.Range(0, k).Select(c => $"t{c}").ToList(), [0], ["a"], new double[k])]));
        var random = new Random(k);
        var differences = new List<double>();
        for (int trial = 0; trial < 6; trial++)
        {
            var phi = draw(random);
            var (theta, logDensity) = map(phi);
            int m = phi.Length;
            var jacobian = Matrix<double>.Build.Dense(m, m);
            for (int j = 0; j < m; j++)
            {
                double h = 1e-6;
                var up = (double[])phi.Clone();
                var down = (double[])phi.Clone();
                up[j] += h;
                down[j] -= h;
                var thetaUp = map(up).Theta;
                var thetaDown = map(down).Theta;
                for (int i = 0; i < m; i++) jacobian[i, j] = (thetaUp[i] - thetaDown[i]) / (2 * h);
            }
            differences.Add(density.LogDensity(theta) + Math.Log(Math.Abs(jacobian.Determinant())) - logDensity);
        }
        foreach (var difference in differences) Assert.Equal(differences[0], difference, 1e-6);
    }

    /// <summary>θ (lower triangle by column) of T = diag(s) chol(Ω).</summary>
    private static double[] Theta(double[] sds, Matrix<double> omega)
    {
        int k = sds.Length;
        var factor = omega.Cholesky().Factor;
        var theta = new List<double>();
        for (int c = 0; c < k; c++)
            for (int r = c; r < k; r++) theta.Add(sds[r] * factor[r, c]);
        return theta.ToArray();
    }

    /// <summary>Ω from its lower off-diagonal correlations, by column.</summary>
    private static Matrix<double> Correlation(int k, double[] correlations)
    {
        var omega = Matrix<double>.Build.DenseIdentity(k);
        int index = 0;
        for (int c = 0; c < k; c++)
            for (int r = c + 1; r < k; r++)
                omega[r, c] = omega[c, r] = correlations[index++];
        return omega;
    }

    private static IEnumerable<double> Correlations(int k, Random random) =>
        Enumerable.Range(0, k * (k - 1) / 2).Select(_ => 0.5 * (random.NextDouble() - 0.5));
}
