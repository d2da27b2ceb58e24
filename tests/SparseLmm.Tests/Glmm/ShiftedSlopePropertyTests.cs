using FsCheck.Xunit;
using SparseLmm.Data;

namespace SparseLmm.Tests.Glmm;

/// <summary>Shifting a GLMM's random-slope covariate moves the random intercept's origin only (an unstructured covariance
/// follows the shift): the maximum of the likelihood, the fixed slope, its SE and the slope's SD stay put, for shifts up
/// to the 10³ SDs the centred search reaches (Engine/CentredFrame). Checked on random binomial and Poisson data.</summary>
public sealed class ShiftedSlopePropertyTests
{
    private const string Model = "y ~ 1 + x + (1 + x | g)";

    /// <summary>20 groups of 12 rows, x ~ N(0, 1), random intercepts (SD 0.8) and slopes (SD 0.4); Bernoulli rows with
    /// a logit link for an even seed, Poisson counts with a log link for an odd one.</summary>
    private static (DataTable Data, Family Family) Simulate(int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        const int groups = 20, size = 12;
        bool binomial = (seed & 1) == 0;
        var intercepts = Enumerable.Range(0, groups).Select(_ => 0.8 * Normal()).ToArray();
        var slopes = Enumerable.Range(0, groups).Select(_ => 0.4 * Normal()).ToArray();
        var x = new double[groups * size];
        var y = new double[groups * size];
        var labels = new string[groups * size];
        for (int i = 0; i < x.Length; i++)
        {
            int g = i / size;
            x[i] = Normal();
            labels[i] = $"g{g}";
            double eta = (binomial ? -0.2 : 0.3) + 0.6 * x[i] + intercepts[g] + slopes[g] * x[i];
            if (binomial) y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0;
            else
            {
                // Knuth's Poisson draw: the means here are small.
                double limit = Math.Exp(-Math.Exp(eta)), product = random.NextDouble();
                int count = 0;
                for (; product > limit; count++) product *= random.NextDouble();
                y[i] = count;
            }
        }
        var data = new DataTable([new NumericColumn("y", y), new NumericColumn("x", x), CategoricalColumn.FromStrings("g", labels)], "simulated");
        return (data, binomial ? Family.Binomial() : Family.Poisson());
    }

    [Property(MaxTest = 30)]
    public void ShiftingARandomSlopeCovariateLeavesTheFitUnchanged(int seed)
    {
        var (data, family) = Simulate(seed);
        var x = ((NumericColumn)data["x"]).Values;
        double mean = x.Average(), sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Length);
        double shift = (new Random(seed + 1).NextDouble() * 2 - 1) * 900 * sd;
        var shifted = data.WithColumns([new NumericColumn("x", x.Select(v => v + shift).ToArray())]);
        var options = new FitOptions(Family: family);
        var original = MixedModel.Fit(Model, data, options);
        var moved = MixedModel.Fit(Model, shifted, options);
        // Right or not converged: the centred search reported converged is not below the unshifted fit (PIRLS stops by
        // lme4's rule, so the criterion is lme4's to a few 10⁻⁵ and the paths to the two optima differ). The converse
        // is not asserted: the unshifted search, in lme4's coordinates, can stop at a lower point of the boundary (seed
        // 22 did, singular, 0.042 below the centred fit, passing the check, until Engine/SingularFaces probed the
        // other factors of such a covariance), which the values below then skip.
        string where = $"seed {seed}, shift {shift:G4}: {original.LogLikelihood} ({original.OptimizerMessage}), shifted {moved.LogLikelihood} ({moved.OptimizerMessage})";
        if (moved.Converged) Assert.True(moved.LogLikelihood >= original.LogLikelihood - 2e-4, where);
        if (!(original.Converged && moved.Converged) || moved.LogLikelihood > original.LogLikelihood + 2e-4) return;
        var slope = original.FixedEffects[1];
        Assert.Equal(slope.Estimate, moved.FixedEffects[1].Estimate, 2e-3 * slope.StandardError);
        // The SE comes from a finite-difference Hessian, whose evaluations at a far shift lose digits in ZΛ (an
        // intercept's entry of hundreds against the slope's times x): up to 4·10⁻³ of itself at 760 SDs.
        Assert.Equal(slope.StandardError, moved.FixedEffects[1].StandardError, 1e-2 * slope.StandardError);
        var deviations = original.VarianceComponents.Single().StandardDeviations;
        Assert.Equal(deviations[1], moved.VarianceComponents.Single().StandardDeviations[1], 2e-3 * Math.Max(deviations.Max(), 1e-2));
    }
}
