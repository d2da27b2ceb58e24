using FsCheck;
using FsCheck.Xunit;
using SparseLmm.Optimization;

namespace SparseLmm.Tests.Optimization;

public class BobyqaProperties
{
    /// <summary>
    /// For f(x) = ½xᵀAx − bᵀx with A positive definite and random bounds (some infinite), the result must satisfy the
    /// KKT conditions: the gradient vanishes in free coordinates and points into the box at active bounds.
    /// It must also never evaluate outside the box and report its own value. (Not "no worse than the start": the start
    /// is one of its candidates, so that holds by construction.)
    /// </summary>
    [Property(MaxTest = 150)]
    public bool Random_bounded_quadratics_satisfy_KKT(PositiveInt dimension, int seed)
    {
        int n = (dimension.Get - 1) % 8 + 1;
        var random = new Random(seed);
        double[,] a = BobyqaTests.RandomPositiveDefinite(n, random);
        double[] b = Enumerable.Range(0, n).Select(_ => 4 * (random.NextDouble() - 0.5)).ToArray();
        var lower = new double[n];
        var upper = new double[n];
        var start = new double[n];
        for (int i = 0; i < n; i++)
        {
            int kind = random.Next(4);
            lower[i] = kind is 1 or 3 ? -random.NextDouble() : double.NegativeInfinity;
            upper[i] = kind is 2 or 3 ? random.NextDouble() : double.PositiveInfinity;
            double from = double.IsFinite(lower[i]) ? lower[i] : -1.5, to = double.IsFinite(upper[i]) ? upper[i] : 1.5;
            // Sometimes start exactly on a bound, as lme4's θ often does.
            start[i] = random.Next(5) == 0 && double.IsFinite(lower[i]) ? lower[i] : from + (to - from) * random.NextDouble();
        }

        bool stayedInside = true;
        double F(ReadOnlySpan<double> x)
        {
            for (int i = 0; i < n; i++) stayedInside &= x[i] >= lower[i] && x[i] <= upper[i];
            double value = 0;
            for (int i = 0; i < n; i++)
            {
                value -= b[i] * x[i];
                for (int j = 0; j < n; j++) value += 0.5 * x[i] * a[i, j] * x[j];
            }
            return value;
        }

        OptimizationResult result = Bobyqa.Minimize(F, start, lower, upper);
        double[] x = result.Minimizer;
        const double tolerance = 1e-4;
        for (int i = 0; i < n; i++)
        {
            double gradient = -b[i];
            for (int j = 0; j < n; j++) gradient += a[i, j] * x[j];
            bool atLower = x[i] - lower[i] <= 1e-7, atUpper = upper[i] - x[i] <= 1e-7;
            bool stationary = atLower ? gradient >= -tolerance : atUpper ? gradient <= tolerance : Math.Abs(gradient) <= tolerance;
            if (!stationary) return false;
        }
        return result.Converged && stayedInside && result.Minimum == F(x);
    }
}
