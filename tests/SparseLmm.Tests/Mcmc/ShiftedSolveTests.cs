using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Tests.Engine;

namespace SparseLmm.Tests.Mcmc;

/// <summary>The shifted solve behind the posterior draws: x(s) = L'⁻¹(ℓ + s), so the unit shifts' responses
/// M = [x(eᵢ) − x(0)] satisfy M M' = (LL')⁻¹: checked against the inverse of the dense system
/// [ZΛ X]'[ZΛ X] + diag(I, 0) built from the design, and its β block against Cov(β̂)/σ² from the tail. Random
/// designs, both storages of the rest, random θ.</summary>
public class ShiftedSolveTests
{
    private static readonly string[] Formulas =
    [
        "y ~ 1 + x + (1 | a) + (1 | b)",
        "y ~ 1 + x + (1 + x | a) + (1 | b) + (1 | c)",
        "y ~ 1 + x + (1 | a) + (1 + x | b)",
    ];

    [Property(MaxTest = 30)]
    public Property Unit_shifts_give_the_posterior_covariance() => Prop.ForAll(
        Gen.Choose(0, 1_000_000).ToArbitrary(), Gen.Choose(0, 2).ToArbitrary(), Gen.Choose(0, 2 * Formulas.Length - 1).ToArbitrary(),
        (seed, shape, choice) => Check(seed, shape, choice));

    private static void Check(int seed, int shape, int choice)
        {
            int formulaIndex = choice / 2;
            bool supernodal = choice % 2 == 1;
            var design = ModelDesignBuilder.Build(FormulaParser.Parse(Formulas[formulaIndex]), SparseRestTests.RandomDesign(seed, shape));
            var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
            var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, supernodal ? RestStorage.Supernodal : RestStorage.Dense);
            var products = new CrossProducts(layout);
            products.Accumulate(design.X, ((NumericResponse)design.Response).Values, ReadOnlySpan<double>.Empty);
            var deviance = new ProfiledDeviance(products, reml: false);
            var random = new Random(seed);
            var theta = Enumerable.Range(0, deviance.Parameterization.Length)
                .Select(j => deviance.Parameterization.IsDiagonal(j) ? 0.3 + random.NextDouble() : random.NextDouble() - 0.5).ToArray();
            var solution = ModeSolution.Compute(deviance, theta);
            Assert.True(deviance.FactorAt(theta));
            var solver = new PenalizedSolver(deviance);
            int q = terms.Sum(t => t.Size), p = design.FixedEffectCount, size = layout.First.Size + layout.RestSize - 1;
            var u0 = new double[q];
            var beta0 = new double[p];
            solver.Solve(u0, beta0);
            // Columns of M in (u, β) order; the shift's own order is the first term's u, then the rest rows.
            var columns = new double[size][];
            var shift = new double[size];
            var u = new double[q];
            var beta = new double[p];
            for (int i = 0; i < size; i++)
            {
                Array.Clear(shift);
                shift[i] = 1;
                solver.SolveShifted(u, beta, shift);
                columns[i] = u.Select((v, j) => v - u0[j]).Concat(beta.Select((v, j) => v - beta0[j])).ToArray();
            }
            double Covariance(int a, int b) => columns.Sum(c => c[a] * c[b]);
            var inverse = DenseSystem(design, terms, deviance.Parameterization, theta, solver.TermOffsets).Inverse();
            for (int a = 0; a < q + p; a++)
                for (int b = 0; b < q + p; b++)
                {
                    double expected = inverse[a, b], actual = Covariance(a, b);
                    Assert.True(Math.Abs(expected - actual) <= 1e-8 * (1 + Math.Abs(expected)), $"({a},{b}): {expected} vs {actual}");
                }
            // The fixed-effect block is Cov(β̂)/σ² as the engine computes it from the tail alone.
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++)
                    Assert.Equal(solution.UnscaledFixedCovariance[a * p + b], Covariance(q + a, q + b), 1e-8 * (1 + Math.Abs(solution.UnscaledFixedCovariance[a * p + b])));
            Assert.Equal(solution.Beta, beta0);
        }

    /// <summary>The dense penalized system in (u, β) order, u as <see cref="PenalizedSolver.TermOffsets"/> lays it out.</summary>
    private static MathNet.Numerics.LinearAlgebra.Matrix<double> DenseSystem(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms,
        CovarianceParameterization parameterization, double[] theta, int[] offsets)
    {
        int n = design.RowCount, p = design.FixedEffectCount, q = terms.Sum(t => t.Size);
        var columns = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, q + p);
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            var factor = new double[k * k];
            parameterization.FillFactor(theta, t, factor);
            for (int i = 0; i < n; i++)
            {
                int level = terms[t].LevelOfRow[i];
                for (int c = 0; c < k; c++)
                {
                    double value = 0;
                    for (int d = c; d < k; d++) value += terms[t].Z[i * k + d] * factor[d * k + c];
                    columns[i, offsets[t] + level * k + c] = value;
                }
            }
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++) columns[i, q + j] = design.X[i * p + j];
        var system = columns.TransposeThisAndMultiply(columns);
        for (int j = 0; j < q; j++) system[j, j] += 1;
        return system;
    }
}
