using SparseLmm.Optimization;

namespace SparseLmm.Tests.Optimization;

/// <summary>The trust-region step must stay in the ball and the box, and reduce the model nearly as much as the true
/// minimum over their intersection, found here by brute force in two dimensions.</summary>
public class TrustRegionSubproblemTests
{
    [Fact]
    public void Convex_model_with_interior_minimum_is_solved_exactly()
    {
        // q(x) = gᵀx + ½xᵀHx with H = [[2, 0.5], [0.5, 1]] and minimum at x = −H⁻¹g = (0.1, −0.2).
        double[,] hessian = { { 2, 0.5 }, { 0.5, 1 } };
        double[] gradient = [-(2 * 0.1 + 0.5 * -0.2), -(0.5 * 0.1 + 1 * -0.2)];
        InterpolationModel model = QuadraticModel(hessian, gradient, [-10, -10], [10, 10]);
        var subproblem = new TrustRegionSubproblem(model);
        subproblem.Solve(1);
        Assert.Equal(0.1, model.Base[0] + model.BestPoint[0] + subproblem.Step[0], 1e-10);
        Assert.Equal(-0.2, model.Base[1] + model.BestPoint[1] + subproblem.Step[1], 1e-10);
        Assert.True(subproblem.Curvature > 0);
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 0.3)]
    [InlineData(3, 1.0)]
    [InlineData(4, 0.2)]
    [InlineData(5, 0.6)]
    [InlineData(6, 0.4)]
    [InlineData(7, 0.5)]
    [InlineData(8, 0.8)]
    [InlineData(9, 0.25)]
    [InlineData(10, 0.7)]
    [InlineData(11, 0.45)]
    [InlineData(12, 0.9)]
    public void Random_models_are_reduced_nearly_optimally(int seed, double radius)
    {
        var random = new Random(seed);
        // Indefinite Hessians half of the time, and bounds that often cut the ball.
        double[,] hessian = new double[2, 2];
        hessian[0, 0] = 4 * random.NextDouble() - (seed % 2 == 0 ? 2 : 0.5);
        hessian[1, 1] = 4 * random.NextDouble() - (seed % 2 == 0 ? 2 : 0.5);
        hessian[0, 1] = hessian[1, 0] = 2 * random.NextDouble() - 1;
        double[] gradient = [2 * random.NextDouble() - 1, 2 * random.NextDouble() - 1];
        double[] lower = [seed % 3 == 0 ? 0 : -0.1 - random.NextDouble(), -0.1 - random.NextDouble()];
        double[] upper = [0.1 + random.NextDouble(), seed % 4 == 0 ? 0 : 0.1 + random.NextDouble()];
        InterpolationModel model = QuadraticModel(hessian, gradient, lower, upper);
        var subproblem = new TrustRegionSubproblem(model);

        subproblem.Solve(radius);

        double[] step = subproblem.Step;
        Assert.True(Math.Sqrt(VectorMath.Dot(step, step)) <= radius * (1 + 1e-12), "step leaves the trust region");
        for (int i = 0; i < 2; i++)
        {
            double position = model.BestPoint[i] + step[i];
            Assert.True(position >= model.LowerRoom[i] && position <= model.UpperRoom[i], "step leaves the box");
            Assert.Equal(position, subproblem.Trial[i], 1e-15);
        }
        double reduction = -model.PredictedChange(step);
        double bestReduction = BruteForceReduction(model, radius);
        Assert.True(reduction >= 0.9 * bestReduction, $"reduction {reduction} against {bestReduction} possible");
    }

    /// <summary>A model that reproduces q(x) = gᵀx + ½xᵀHx exactly: with the full (n + 1)(n + 2)/2 points, interpolation
    /// determines a quadratic uniquely.</summary>
    private static InterpolationModel QuadraticModel(double[,] hessian, double[] gradient, double[] lower, double[] upper)
    {
        double Q(ReadOnlySpan<double> x) =>
            gradient[0] * x[0] + gradient[1] * x[1]
            + 0.5 * (hessian[0, 0] * x[0] * x[0] + 2 * hessian[0, 1] * x[0] * x[1] + hessian[1, 1] * x[1] * x[1]);
        var model = new InterpolationModel(lower, upper, 6);
        var absolute = new double[2];
        double[] center = [Math.Clamp(0.0, lower[0], upper[0]), Math.Clamp(0.0, lower[1], upper[1])];
        model.PlaceAxisPoints(center, 0.05);
        for (int k = 0; k < model.AxisPointCount; k++) model.Values[k] = ValueAt(model, k);
        model.PlacePlanePoints();
        for (int k = model.AxisPointCount; k < 6; k++) model.Values[k] = ValueAt(model, k);
        model.BuildInitialModel();
        return model;

        double ValueAt(InterpolationModel m, int k)
        {
            m.ToAbsolute(m.Points[k], absolute);
            return Q(absolute);
        }
    }

    private static double BruteForceReduction(InterpolationModel model, double radius)
    {
        double best = 0;
        var step = new double[2];
        const int rings = 300, angles = 1440;
        for (int r = 1; r <= rings; r++)
        for (int a = 0; a < angles; a++)
        {
            double length = radius * r / rings, angle = 2 * Math.PI * a / angles;
            step[0] = length * Math.Cos(angle);
            step[1] = length * Math.Sin(angle);
            bool inside = true;
            for (int i = 0; i < 2; i++)
            {
                double position = model.BestPoint[i] + step[i];
                inside &= position >= model.LowerRoom[i] && position <= model.UpperRoom[i];
            }
            if (inside) best = Math.Max(best, -model.PredictedChange(step));
        }
        return best;
    }
}
