using MathNet.Numerics.LinearAlgebra;
using SparseLmm.Optimization;

namespace SparseLmm.Tests.Optimization;

/// <summary>The stored pieces of H must equal the inverse of W computed from scratch, and the model must interpolate,
/// after initialisation, after point replacements and after shifts of the base.</summary>
public class InterpolationModelTests
{
    private static double Objective(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Exp(0.3 * x[i]) * (i + 1) + x[i] * x[(i + 1) % x.Length];
        return sum;
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 4)]
    [InlineData(3, 5)]
    [InlineData(3, 7)]
    [InlineData(3, 10)]
    [InlineData(4, 9)]
    [InlineData(4, 13)]
    [InlineData(4, 15)]
    public void Initial_inverse_matches_W_and_model_interpolates(int n, int m)
    {
        var (lower, upper, center) = Box(n);
        InterpolationModel model = Build(lower, upper, center, m, step: 0.3);
        AssertInverseMatches(model);
        AssertInterpolates(model);
    }

    [Theory]
    [InlineData(2, 5)]
    [InlineData(3, 7)]
    [InlineData(3, 5)]
    [InlineData(3, 10)]
    [InlineData(5, 11)]
    public void Replacements_and_shifts_keep_inverse_exact(int n, int m)
    {
        var (lower, upper, center) = Box(n);
        InterpolationModel model = Build(lower, upper, center, m, step: 0.3);
        var random = new Random(n * 100 + m);
        var lagrange = new double[m + n];
        var step = new double[n];
        var point = new double[n];
        var absolute = new double[n];
        for (int iteration = 0; iteration < 25; iteration++)
        {
            for (int i = 0; i < n; i++)
            {
                point[i] = Math.Clamp(model.BestPoint[i] + 0.4 * (random.NextDouble() - 0.3), model.LowerRoom[i], model.UpperRoom[i]);
                step[i] = point[i] - model.BestPoint[i];
            }
            double beta = model.ComputeLagrangeValues(step, lagrange);
            int leaving = -1;
            double denominator = 0;
            for (int k = 0; k < m; k++)
            {
                double candidate = beta * model.OmegaDiagonal(k) + lagrange[k] * lagrange[k];
                if (k != model.BestIndex && candidate > denominator) (leaving, denominator) = (k, candidate);
            }
            Assert.True(leaving >= 0);
            model.ToAbsolute(point, absolute);
            double value = Objective(absolute);
            double error = value - model.BestValue - model.PredictedChange(step);
            model.ReplacePoint(leaving, step, point, value, error, beta, denominator, lagrange);
            if (iteration % 6 == 5) model.ShiftBaseToBestPoint(Span<double>.Empty);
            AssertInverseMatches(model);
            AssertInterpolates(model);
        }
    }

    [Fact]
    public void Lagrange_values_are_the_lagrange_functions_at_the_point()
    {
        var (lower, upper, center) = Box(3);
        InterpolationModel model = Build(lower, upper, center, 7, step: 0.3);
        double[] step = [0.1, -0.2, 0.05];
        var lagrange = new double[10];
        double beta = model.ComputeLagrangeValues(step, lagrange);

        Matrix<double> h = BuildW(model).Inverse();
        var x = new double[3];
        for (int i = 0; i < 3; i++) x[i] = model.BestPoint[i] + step[i];
        Vector<double> w = ColumnOfW(model, x);
        Vector<double> hw = h * w;
        for (int k = 0; k < 7; k++) Assert.Equal(hw[k], lagrange[k], 1e-9);
        double xSquared = x.Sum(v => v * v);
        Assert.Equal(0.5 * xSquared * xSquared - w.DotProduct(hw), beta, 1e-9);
    }

    private static (double[] Lower, double[] Upper, double[] Center) Box(int n)
    {
        var lower = new double[n];
        var upper = new double[n];
        var center = new double[n];
        for (int i = 0; i < n; i++)
        {
            // A mix of: on a lower bound, near an upper bound, and unbounded.
            (lower[i], upper[i], center[i]) = (i % 3) switch
            {
                0 => (0.0, double.PositiveInfinity, 0.0),
                1 => (-1.0, 0.65, 0.5),
                _ => (double.NegativeInfinity, double.PositiveInfinity, 0.2 * i),
            };
        }
        return (lower, upper, center);
    }

    private static InterpolationModel Build(double[] lower, double[] upper, double[] center, int m, double step)
    {
        var model = new InterpolationModel(lower, upper, m);
        var absolute = new double[lower.Length];
        model.PlaceAxisPoints(center, step);
        for (int k = 0; k < model.AxisPointCount; k++) model.Values[k] = Evaluate(model, k, absolute);
        model.PlacePlanePoints();
        for (int k = model.AxisPointCount; k < m; k++) model.Values[k] = Evaluate(model, k, absolute);
        model.BuildInitialModel();
        return model;
    }

    private static double Evaluate(InterpolationModel model, int k, double[] absolute)
    {
        model.ToAbsolute(model.Points[k], absolute);
        return Objective(absolute);
    }

    private static Matrix<double> BuildW(InterpolationModel model)
    {
        int n = model.Dimension, m = model.PointCount;
        var w = Matrix<double>.Build.Dense(m + n + 1, m + n + 1);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double dot = VectorMath.Dot(model.Points[i], model.Points[j]);
                w[i, j] = 0.5 * dot * dot;
            }
            w[i, m] = w[m, i] = 1;
            for (int j = 0; j < n; j++) w[i, m + 1 + j] = w[m + 1 + j, i] = model.Points[i][j];
        }
        return w;
    }

    private static Vector<double> ColumnOfW(InterpolationModel model, double[] x)
    {
        int n = model.Dimension, m = model.PointCount;
        var w = Vector<double>.Build.Dense(m + n + 1);
        for (int k = 0; k < m; k++) w[k] = 0.5 * Math.Pow(VectorMath.Dot(model.Points[k], x), 2);
        w[m] = 1;
        for (int j = 0; j < n; j++) w[m + 1 + j] = x[j];
        return w;
    }

    private static void AssertInverseMatches(InterpolationModel model)
    {
        int n = model.Dimension, m = model.PointCount;
        Matrix<double> h = BuildW(model).Inverse();
        double scale = h.Enumerate().Max(Math.Abs);
        double tolerance = 1e-8 * scale;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
                Assert.True(Math.Abs(h[i, j] - VectorMath.Dot(model.OmegaFactor[i], model.OmegaFactor[j])) < tolerance, $"Omega[{i},{j}]");
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(h[m + 1 + j, i] - model.GradientRows[i][j]) < tolerance, $"Xi[{j},{i}]");
        }
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            Assert.True(Math.Abs(h[m + 1 + i, m + 1 + j] - model.GradientRows[m + i][j]) < tolerance, $"Upsilon[{i},{j}]");
    }

    private static void AssertInterpolates(InterpolationModel model)
    {
        int n = model.Dimension;
        var difference = new double[n];
        var product = new double[n];
        for (int k = 0; k < model.PointCount; k++)
        {
            for (int i = 0; i < n; i++) difference[i] = model.Points[k][i] - model.BestPoint[i];
            model.MultiplyHessian(difference, product);
            double predicted = model.BestValue + VectorMath.Dot(model.Gradient, difference) + 0.5 * VectorMath.Dot(difference, product);
            Assert.Equal(model.Values[k], predicted, 1e-8);
        }
    }
}
