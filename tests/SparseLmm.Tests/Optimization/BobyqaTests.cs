using SparseLmm.Optimization;
using Xunit.Abstractions;

namespace SparseLmm.Tests.Optimization;

public class BobyqaTests(ITestOutputHelper output)
{
    private const double Inf = double.PositiveInfinity;

    private static double Rosenbrock(ReadOnlySpan<double> x) =>
        100 * Math.Pow(x[1] - x[0] * x[0], 2) + Math.Pow(1 - x[0], 2);

    /// <summary>Rosenbrock on the independent pairs (x0, x1), (x2, x3), ...</summary>
    private static double ExtendedRosenbrock(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i += 2) sum += Rosenbrock(x.Slice(i, 2));
        return sum;
    }

    /// <summary>The classic chained Rosenbrock, where every variable couples to the next.</summary>
    private static double ChainedRosenbrock(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++) sum += 100 * Math.Pow(x[i + 1] - x[i] * x[i], 2) + Math.Pow(1 - x[i], 2);
        return sum;
    }

    /// <summary>Variance-component style: the first coordinate is a diagonal entry bounded below by 0 whose best value
    /// would be negative, so the minimum (0, 0.2, 0.8) lies exactly on its bound.</summary>
    private static double ThetaLike(ReadOnlySpan<double> t) =>
        Math.Pow(t[0] + 0.3, 2) + 2 * Math.Pow(t[1] - 0.4 * t[0] - 0.2, 2) + Math.Pow(t[2] - 0.8, 2) * (1 + t[1] * t[1]);

    private static double Quadratic3(ReadOnlySpan<double> x) =>
        Math.Pow(x[0] - 1, 2) + 2 * Math.Pow(x[1] + 0.5, 2) + 3 * Math.Pow(x[2] - 0.3, 2) + 0.5 * x[0] * x[1];

    private OptimizationResult Run(ObjectiveFunction f, double[] start, double[] lower, double[] upper, BobyqaOptions? options = null)
    {
        OptimizationResult result = Bobyqa.Minimize(f, start, lower, upper, options);
        output.WriteLine($"n={start.Length}: {result.Evaluations} evaluations, f={result.Minimum:G6}, x=[{string.Join(", ", result.Minimizer.Select(v => v.ToString("G8")))}] {result.Message}");
        return result;
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"x[{i}] = {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void Rosenbrock_2d_unbounded()
    {
        OptimizationResult result = Run(Rosenbrock, [-1.2, 1], [-Inf, -Inf], [Inf, Inf]);
        Assert.True(result.Converged, result.Message);
        AssertClose([1, 1], result.Minimizer, 1e-5);
        Assert.True(result.Minimum < 1e-10);
        Assert.True(result.Evaluations < 300, $"{result.Evaluations} evaluations");
    }

    [Fact]
    public void Rosenbrock_2d_with_active_upper_bound()
    {
        // With x0 ≤ 0.5 the minimum is at x0 = 0.5, x1 = 0.25.
        OptimizationResult result = Run(Rosenbrock, [-1.2, 1], [-Inf, -Inf], [0.5, Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.5, result.Minimizer[0]);
        Assert.Equal(0.25, result.Minimizer[1], 1e-6);
    }

    [Fact]
    public void Rosenbrock_4d_chained_unbounded()
    {
        OptimizationResult result = Run(ChainedRosenbrock, [-1.2, 1, -1.2, 1], [-Inf, -Inf, -Inf, -Inf], [Inf, Inf, Inf, Inf]);
        Assert.True(result.Converged, result.Message);
        AssertClose([1, 1, 1, 1], result.Minimizer, 1e-4);
        Assert.True(result.Evaluations < 1000, $"{result.Evaluations} evaluations");
    }

    [Fact]
    public void Rosenbrock_4d_with_active_lower_bound()
    {
        // Independent pairs; x2 ≥ 1.5 moves the second pair's minimum to (1.5, 2.25).
        OptimizationResult result = Run(ExtendedRosenbrock, [-1.2, 1, 2, 3], [-Inf, -Inf, 1.5, -Inf], [Inf, Inf, Inf, Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(1.5, result.Minimizer[2]);
        AssertClose([1, 1, 1.5, 2.25], result.Minimizer, 1e-4);
    }

    [Fact]
    public void Convex_quadratic_in_10_dimensions_with_active_lower_bounds()
    {
        // f = ½(x − x*)ᵀA(x − x*) + gᵀ(x − x*) with gᵢ > 0 exactly where x*ᵢ sits on its lower bound 0:
        // x* satisfies the KKT conditions and f is strictly convex, so x* is the unique minimiser.
        const int n = 10;
        var random = new Random(7);
        double[,] a = RandomPositiveDefinite(n, random);
        var optimum = new double[n];
        var multipliers = new double[n];
        var lower = new double[n];
        for (int i = 0; i < n; i++)
        {
            bool active = i % 3 == 0;
            lower[i] = active || i % 2 == 0 ? 0 : -Inf;
            optimum[i] = active ? 0 : 0.3 + random.NextDouble();
            multipliers[i] = active ? 0.5 + random.NextDouble() : 0;
        }
        double Quadratic(ReadOnlySpan<double> x)
        {
            double value = 0;
            for (int i = 0; i < n; i++)
            {
                value += multipliers[i] * (x[i] - optimum[i]);
                for (int j = 0; j < n; j++) value += 0.5 * (x[i] - optimum[i]) * a[i, j] * (x[j] - optimum[j]);
            }
            return value;
        }

        OptimizationResult result = Run(Quadratic, Enumerable.Repeat(1.0, n).ToArray(), lower, Enumerable.Repeat(Inf, n).ToArray());
        Assert.True(result.Converged, result.Message);
        AssertClose(optimum, result.Minimizer, 1e-5);
        for (int i = 0; i < n; i += 3) Assert.Equal(0.0, result.Minimizer[i]);
        Assert.True(result.Evaluations < 400, $"{result.Evaluations} evaluations");
    }

    [Fact]
    public void One_dimension_unbounded()
    {
        OptimizationResult result = Run(x => Math.Pow(x[0] - 3, 2) + 1, [0], [-Inf], [Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(3, result.Minimizer[0], 1e-6);
        Assert.Equal(1, result.Minimum, 1e-12);
    }

    [Fact]
    public void One_dimension_non_quadratic()
    {
        OptimizationResult result = Run(x => Math.Cosh(x[0] - 0.7), [5], [-Inf], [Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.7, result.Minimizer[0], 1e-5);
    }

    [Fact]
    public void One_dimension_minimum_on_bound_zero_is_exact()
    {
        double leastArgument = Inf;
        OptimizationResult result = Run(x =>
        {
            leastArgument = Math.Min(leastArgument, x[0]);
            return Math.Pow(x[0] + 1, 2);
        }, [1], [0], [Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.0, result.Minimizer[0]);
        Assert.Equal(1.0, result.Minimum);
        Assert.True(leastArgument >= 0, "the objective was called below the bound");
        Assert.True(result.Evaluations < 30, $"{result.Evaluations} evaluations");
    }

    [Fact]
    public void One_dimension_start_on_bound()
    {
        OptimizationResult result = Run(x => Math.Pow(x[0] - 0.05, 2), [0], [0], [Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.05, result.Minimizer[0], 1e-6);
    }

    [Fact]
    public void Narrow_box_shrinks_the_initial_radius()
    {
        OptimizationResult result = Run(x => Math.Pow(x[0] - 0.02, 2) + Math.Pow(x[1] + 3, 2), [0, 0], [-0.05, -1], [0.05, 1]);
        Assert.True(result.Converged, result.Message);
        AssertClose([0.02, -1], result.Minimizer, 1e-6);
    }

    [Fact]
    public void Theta_like_problem_ends_on_bound_zero()
    {
        // Diagonal entries bounded below by 0 start at 1, the off-diagonal is free and starts at 0, as for lme4's θ.
        OptimizationResult result = Run(ThetaLike, [1, 0, 1], [0, -Inf, 0], [Inf, Inf, Inf]);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.0, result.Minimizer[0]);
        AssertClose([0, 0.2, 0.8], result.Minimizer, 1e-6);
    }

    [Fact]
    public void Three_dimensional_quadratic_needs_few_evaluations()
    {
        OptimizationResult result = Run(Quadratic3, [0, 0, 0], [-Inf, -Inf, -Inf], [Inf, Inf, Inf], new BobyqaOptions(FinalTrustRadius: 1e-6));
        Assert.True(result.Converged, result.Message);
        Assert.True(result.Evaluations < 60, $"{result.Evaluations} evaluations");
    }

    /// <summary>Evaluation counts of Powell's Fortran BOBYQA (R package minqa, npt = 2n + 1, rhobeg 0.2, rhoend 1e-7)
    /// on the same problems. This implementation follows the same iterates, so its counts should stay within a few
    /// percent; a larger count means a heuristic has gone wrong even if the minimum is still found.</summary>
    [Theory]
    [InlineData("rosenbrock", 173)]
    [InlineData("rosenbrock upper bound", 93)]
    [InlineData("chained rosenbrock 4", 317)]
    [InlineData("extended rosenbrock 4 lower bound", 329)]
    [InlineData("theta", 43)]
    [InlineData("quadratic 3", 34)]
    [InlineData("parabola 1", 17)]
    [InlineData("cosh 1", 33)]
    [InlineData("bound 0", 14)]
    public void Evaluation_counts_stay_close_to_Powells(string problem, int powellEvaluations)
    {
        double[] free2 = [-Inf, -Inf], free4 = [-Inf, -Inf, -Inf, -Inf], none2 = [Inf, Inf], none4 = [Inf, Inf, Inf, Inf];
        OptimizationResult result = problem switch
        {
            "rosenbrock" => Run(Rosenbrock, [-1.2, 1], free2, none2),
            "rosenbrock upper bound" => Run(Rosenbrock, [-1.2, 1], free2, [0.5, Inf]),
            "chained rosenbrock 4" => Run(ChainedRosenbrock, [-1.2, 1, -1.2, 1], free4, none4),
            "extended rosenbrock 4 lower bound" => Run(ExtendedRosenbrock, [-1.2, 1, 2, 3], [-Inf, -Inf, 1.5, -Inf], none4),
            "theta" => Run(ThetaLike, [1, 0, 1], [0, -Inf, 0], [Inf, Inf, Inf]),
            "quadratic 3" => Run(Quadratic3, [0, 0, 0], [-Inf, -Inf, -Inf], [Inf, Inf, Inf], new BobyqaOptions(FinalTrustRadius: 1e-6)),
            "parabola 1" => Run(x => Math.Pow(x[0] - 3, 2) + 1, [0], [-Inf], [Inf]),
            "cosh 1" => Run(x => Math.Cosh(x[0] - 0.7), [5], [-Inf], [Inf]),
            "bound 0" => Run(x => Math.Pow(x[0] + 1, 2), [1], [0], [Inf]),
            _ => throw new ArgumentException(problem),
        };
        Assert.True(result.Converged, result.Message);
        Assert.True(result.Evaluations <= 1.06 * powellEvaluations + 1,
            $"{result.Evaluations} evaluations where Powell's BOBYQA needs {powellEvaluations}");
    }

    [Fact]
    public void Budget_exhaustion_is_reported()
    {
        var values = new List<double>();
        double Recorded(ReadOnlySpan<double> x)
        {
            double value = ChainedRosenbrock(x);
            values.Add(value);
            return value;
        }
        OptimizationResult result = Run(Recorded, [-1.2, 1, -1.2, 1], [-Inf, -Inf, -Inf, -Inf], [Inf, Inf, Inf, Inf],
            new BobyqaOptions(MaxEvaluations: 25));
        Assert.False(result.Converged);
        Assert.Equal(25, result.Evaluations);
        Assert.Contains("MaxEvaluations", result.Message);
        // Stopped early, it still reports the best point it evaluated, and that point's own value.
        Assert.Equal(25, values.Count);
        Assert.Equal(values.Min(), result.Minimum);
        Assert.Equal(ChainedRosenbrock(result.Minimizer), result.Minimum);
    }

    [Fact]
    public void Budget_smaller_than_the_interpolation_set_returns_best_so_far()
    {
        OptimizationResult result = Run(Rosenbrock, [-1.2, 1], [-Inf, -Inf], [Inf, Inf], new BobyqaOptions(MaxEvaluations: 2));
        Assert.False(result.Converged);
        Assert.Equal(2, result.Evaluations);
        Assert.Equal(Rosenbrock(result.Minimizer), result.Minimum);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e300)]
    [InlineData(1e12)]
    public void Huge_or_invalid_penalties_are_survived(double penalty)
    {
        // Points with x0 + x1 > 2.5 are "failed factorisations"; the minimum at (1, 1) is nearby.
        double F(ReadOnlySpan<double> x) =>
            x[0] + x[1] > 2.5 ? penalty : Math.Pow(x[0] - 1, 2) + Math.Pow(x[1] - 1, 2) + 0.1 * x[0] * x[1];
        OptimizationResult result = Run(F, [1.8, 0.6], [0, 0], [Inf, Inf]);
        Assert.True(result.Converged, result.Message);
        AssertClose([0.95238095238, 0.95238095238], result.Minimizer, 1e-5);
    }

    [Fact]
    public void Start_is_the_first_evaluation()
    {
        var seen = new List<double[]>();
        Run(x => { seen.Add(x.ToArray()); return x[0] * x[0] + x[1] * x[1]; }, [0.3, -0.1], [0, -1], [1, 1]);
        Assert.Equal([0.3, -0.1], seen[0]);
    }

    [Fact]
    public void More_interpolation_points_also_converge()
    {
        foreach (int points in new[] { 4, 5, 6 })
        {
            OptimizationResult result = Run(Rosenbrock, [-1.2, 1], [-Inf, -Inf], [Inf, Inf], new BobyqaOptions(InterpolationPoints: points));
            Assert.True(result.Converged, result.Message);
            AssertClose([1, 1], result.Minimizer, 1e-4);
        }
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        static double F(ReadOnlySpan<double> x) => x[0] * x[0];
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0, 0], [-1], [1, 1]));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1, 1]));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [2], [-1], [1]));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [1], [1], [1]));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [double.NaN], [-1], [1]));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [], [], []));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1], new BobyqaOptions(InitialTrustRadius: 0)));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1], new BobyqaOptions(FinalTrustRadius: 1)));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1], new BobyqaOptions(FinalTrustRadius: 1e-70)));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1], new BobyqaOptions(InitialTrustRadius: double.NaN)));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1], new BobyqaOptions(MaxEvaluations: 0)));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0], [-1], [1], new BobyqaOptions(InterpolationPoints: 4)));
        Assert.Throws<ArgumentException>(() => Bobyqa.Minimize(F, [0, 0], [-1, -1], [1, 1], new BobyqaOptions(InterpolationPoints: 3)));
    }

    internal static double[,] RandomPositiveDefinite(int n, Random random)
    {
        // BᵀB + I has eigenvalues at least 1; scaling B keeps the condition number modest.
        var b = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            b[i, j] = (random.NextDouble() - 0.5) * 1.2;
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = i == j ? 1 : 0;
            for (int k = 0; k < n; k++) sum += b[k, i] * b[k, j];
            a[i, j] = sum;
        }
        return a;
    }
}
