using MathNet.Numerics.LinearAlgebra;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Engine;

/// <summary>The blocked factorization's objective against a dense reference built straight from the formulas of lme4's
/// penalized least squares (the ML deviance and REML criterion in terms of log|L|² and r²).</summary>
public sealed class ProfiledDevianceTests
{
    [Theory]
    [InlineData("y ~ 1 + x + (1 | g)", false)]
    [InlineData("y ~ 1 + x + c + (1 + x | g)", true)]
    [InlineData("y ~ 1 + x + (1 | g) + (1 | h)", false)]
    [InlineData("y ~ 1 + x + z + (1 + x | g) + (1 | h)", true)]
    [InlineData("y ~ 1 + (1 | g) + (0 + x | h) + (1 | h)", true)]
    [InlineData("y ~ 1 + x + (1 + x | h) + (1 | g)", false)]
    [InlineData("y ~ 1 + x + z + c + (1 + x + z | g) + (1 | h)", false)]
    public void BlockedObjectiveEqualsDenseReference(string formula, bool reml) =>
        AssertEqualsDenseReference(SimulatedDesigns.Crossed(seed: 7), formula, reml, denseRest: null, seed: 3);

    /// <summary>Levels that meet most of a few dozen crossed levels: the dense rest updates their rows as whole vectors
    /// over the columns they span (and k₁ = 3 scattered, as before).</summary>
    [Theory]
    [InlineData("y ~ 1 + x + (1 | g) + (1 | h)", false)]
    [InlineData("y ~ 1 + x + z + (1 + x | g) + (1 | h)", true)]
    [InlineData("y ~ 1 + x + (1 + x + z | g) + (1 | h)", false)]
    public void DenselyCrossedObjectiveEqualsDenseReference(string formula, bool reml) =>
        AssertEqualsDenseReference(SimulatedDesigns.Crossed(seed: 11, rows: 1_800, firstLevels: 30, secondLevels: 24),
            formula, reml, denseRest: true, seed: 5);

    /// <summary>The objective at four random θ against <see cref="DenseObjective"/>; <paramref name="denseRest"/>, when
    /// given, is whether the layout must store the rest dense.</summary>
    private static void AssertEqualsDenseReference(DataTable table, string formula, bool reml, bool? denseRest, int seed)
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(formula), table);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var products = new CrossProducts(new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount));
        if (denseRest is bool dense) Assert.Equal(dense, products.Layout.Supernodal is null);
        var response = ((NumericResponse)design.Response).Values;
        products.Accumulate(design.X, response, ReadOnlySpan<double>.Empty);
        var deviance = new ProfiledDeviance(products, reml);
        var random = new Random(seed);
        for (int trial = 0; trial < 4; trial++)
        {
            var theta = deviance.Parameterization.Start();
            for (int i = 0; i < theta.Length; i++)
                theta[i] = deviance.Parameterization.IsDiagonal(i) ? 0.2 + random.NextDouble() * 1.5 : random.NextDouble() - 0.5;
            double expected = DenseObjective(design, terms, deviance.Parameterization, theta, response, reml);
            Assert.Equal(expected, deviance.Evaluate(theta), 8);
        }
    }

    private static double DenseObjective(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms,
        CovarianceParameterization parameterization, double[] theta, double[] response, bool reml)
    {
        int n = design.RowCount, p = design.FixedEffectCount, q = terms.Sum(t => t.Size);
        var z = Matrix<double>.Build.Dense(n, q);
        var lambda = Matrix<double>.Build.Dense(q, q);
        int offset = 0;
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount;
            var factor = new double[k * k];
            parameterization.FillFactor(theta, t, factor);
            for (int i = 0; i < n; i++)
                for (int c = 0; c < k; c++) z[i, offset + term.LevelOfRow[i] * k + c] = term.Z[i * k + c];
            for (int level = 0; level < term.LevelCount; level++)
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++) lambda[offset + level * k + a, offset + level * k + b] = factor[a * k + b];
            offset += term.Size;
        }
        var x = Matrix<double>.Build.Dense(n, p, (i, j) => design.X[i * p + j]);
        var y = Vector<double>.Build.DenseOfArray(response);
        var zl = z * lambda;
        var top = zl.TransposeThisAndMultiply(zl) + Matrix<double>.Build.DenseIdentity(q);
        var full = Matrix<double>.Build.Dense(q + p, q + p);
        full.SetSubMatrix(0, 0, top);
        full.SetSubMatrix(0, q, zl.TransposeThisAndMultiply(x));
        full.SetSubMatrix(q, 0, x.TransposeThisAndMultiply(zl));
        full.SetSubMatrix(q, q, x.TransposeThisAndMultiply(x));
        var rhs = Vector<double>.Build.Dense(q + p);
        rhs.SetSubVector(0, q, zl.TransposeThisAndMultiply(y));
        rhs.SetSubVector(q, p, x.TransposeThisAndMultiply(y));
        var solution = full.Cholesky().Solve(rhs);
        var u = solution.SubVector(0, q);
        var beta = solution.SubVector(q, p);
        var residual = y - zl * u - x * beta;
        double penalized = residual.DotProduct(residual) + u.DotProduct(u);
        double logDetZ = top.Cholesky().DeterminantLn;
        if (!reml) return logDetZ + n * (1 + Math.Log(2 * Math.PI * penalized / n));
        double logDetX = full.Cholesky().DeterminantLn - logDetZ;
        return logDetZ + logDetX + (n - p) * (1 + Math.Log(2 * Math.PI * penalized / (n - p)));
    }
}
