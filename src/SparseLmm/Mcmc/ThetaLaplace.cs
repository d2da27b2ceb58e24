using SparseLmm.Numerics;

namespace SparseLmm.Mcmc;

/// <summary>A Gaussian approximation N(mode, H⁻¹) of θ's collapsed posterior (<see cref="ThetaPosterior"/>) in the
/// coordinates φ (the log of each diagonal entry of a term's T, whose posterior is skewed in θ; the off-diagonal entries
/// as they are), kept only where it has been checked to hold: the independence proposal that lets a large model's chain move θ with one
/// factorization per iteration (its θ posterior is then close to Gaussian) instead of a slice update's several per θ
/// entry. <paramref name="Precision"/> is H = −∇² log p at <paramref name="Mode"/>, and <paramref name="Factor"/> its
/// lower Cholesky factor R (H = R R'), both d × d row-major.</summary>
internal sealed record ThetaLaplace(double[] Mode, double[] Precision, double[] Factor, bool[] Logarithmic)
{
    /// <summary>Where, along each of the approximation's d principal directions, the check compares the posterior with
    /// the Gaussian: ± these many standard deviations from the mode, where the Gaussian predicts log p lower by s²/2.
    /// The tails matter: an independence sampler sticks where the target's tails are heavier than its proposal's.</summary>
    private static ReadOnlySpan<double> CheckDistances => [2, 3];

    /// <summary>The largest relative gap allowed at a check point between the drop of log p from the mode and the
    /// Gaussian's s²/2. Calibrated so that sleepstudy's skewed θ posterior (gaps up to 0.22 at 3 SD) stays with slice
    /// sampling while the bench's nested design at 100,000 rows (up to 0.13) and more uses the proposal.</summary>
    private const double CheckTolerance = 0.15;

    /// <summary>Newton iterations from the fit's θ̂ toward the posterior mode (θ̂ maximizes the likelihood, not the
    /// posterior; the two differ by O(1/n) for large n, where this approximation is used).</summary>
    private const int NewtonIterations = 2;

    /// <summary>The checked approximation from <paramref name="start"/> (the fit's θ̂), or null where the posterior is
    /// not close enough to Gaussian (small data, θ near the boundary, a Hessian that is not negative definite). Costs
    /// d² + d + 1 evaluations per Newton iteration (<see cref="CentralStencil{T}"/>) plus 4 d + 1 for the check, all deterministic (no random draws), so
    /// the sampler's random stream is the same whichever way it goes.</summary>
    public static ThetaLaplace? Find(ThetaPosterior posterior, Engine.CovarianceParameterization parameterization, ReadOnlySpan<double> start,
        CancellationToken cancellation = default) =>
        Approximate(posterior, parameterization, start, cancellation) is { } laplace && laplace.Holds(new Density(posterior, laplace.Logarithmic, cancellation))
            ? laplace
            : null;

    /// <summary>The approximation from <paramref name="start"/> without the check (null where a Hessian is not negative
    /// definite or an evaluation fails): any proposal leaves the independence sampler exact, only slower.</summary>
    internal static ThetaLaplace? Approximate(ThetaPosterior posterior, Engine.CovarianceParameterization parameterization, ReadOnlySpan<double> start,
        CancellationToken cancellation = default)
    {
        int d = start.Length;
        var logarithmic = new bool[d];
        var mode = new double[d];
        var steps = new double[d];
        for (int j = 0; j < d; j++)
        {
            logarithmic[j] = parameterization.IsDiagonal(j);
            if (logarithmic[j] && !(start[j] > 0)) return null;
            mode[j] = logarithmic[j] ? Math.Log(start[j]) : start[j];
            steps[j] = logarithmic[j] ? 1e-3 : 1e-3 * Math.Max(Math.Abs(start[j]), 0.1);
        }
        var density = new Density(posterior, logarithmic, cancellation);
        double[]? precision = null, factor = null;
        for (int iteration = 0; iteration < NewtonIterations; iteration++)
        {
            var (gradient, hessian) = Derivatives(density, mode, steps);
            if (gradient is null) return null;
            factor = (double[])hessian.Clone();
            if (!SmallMatrix.Cholesky(factor, d)) return null;
            precision = hessian;
            // Newton: mode += H⁻¹ g; then differences at a tenth of each posterior SD, the scale the proposal works on.
            var move = (double[])gradient.Clone();
            SmallMatrix.SolveLower(factor, d, move);
            SmallMatrix.SolveLowerTransposed(factor, d, move);
            for (int j = 0; j < d; j++) mode[j] += move[j];
            var inverse = SmallMatrix.Inverse(hessian, d);
            if (inverse is null) return null;
            for (int j = 0; j < d; j++) steps[j] = 0.1 * Math.Sqrt(inverse[j * d + j]);
        }
        return new ThetaLaplace(mode, precision!, factor!, logarithmic);
    }

    /// <summary>θ of the coordinates <paramref name="point"/>.</summary>
    public void ToTheta(ReadOnlySpan<double> point, Span<double> theta)
    {
        for (int j = 0; j < point.Length; j++) theta[j] = Logarithmic[j] ? Math.Exp(point[j]) : point[j];
    }

    /// <summary>The coordinates of <paramref name="theta"/> (every diagonal entry positive).</summary>
    public void FromTheta(ReadOnlySpan<double> theta, Span<double> point)
    {
        for (int j = 0; j < theta.Length; j++) point[j] = Logarithmic[j] ? Math.Log(theta[j]) : theta[j];
    }

    /// <summary>log |dθ/dφ| at the coordinates <paramref name="point"/>: the sum of the logarithmic ones.</summary>
    public double LogJacobian(ReadOnlySpan<double> point)
    {
        double total = 0;
        for (int j = 0; j < point.Length; j++) if (Logarithmic[j]) total += point[j];
        return total;
    }

    /// <summary>log p(φ | y) + constant: θ's posterior density at θ(φ) times the Jacobian.</summary>
    private sealed class Density(ThetaPosterior posterior, bool[] logarithmic, CancellationToken cancellation)
    {
        private readonly double[] theta = new double[logarithmic.Length];

        public double At(ReadOnlySpan<double> point)
        {
            cancellation.ThrowIfCancellationRequested();
            double jacobian = 0;
            for (int j = 0; j < point.Length; j++)
            {
                theta[j] = logarithmic[j] ? Math.Exp(point[j]) : point[j];
                if (logarithmic[j]) jacobian += point[j];
            }
            return posterior.LogDensity(theta) + jacobian;
        }
    }

    /// <summary>The quadratic form (φ − mode)' H (φ − mode) of the coordinates <paramref name="theta"/>: the squared
    /// distance in the approximation's SDs.</summary>
    public double Distance(ReadOnlySpan<double> theta)
    {
        int d = Mode.Length;
        double total = 0;
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                total += (theta[a] - Mode[a]) * Precision[a * d + b] * (theta[b] - Mode[b]);
        return total;
    }

    /// <summary>The coordinates mode + R'⁻¹ <paramref name="standard"/> into <paramref name="point"/> (covariance H⁻¹
    /// when the input is standard normal; <paramref name="standard"/> is overwritten).</summary>
    public void Map(Span<double> standard, Span<double> point)
    {
        SmallMatrix.SolveLowerTransposed(Factor, Mode.Length, standard);
        for (int j = 0; j < Mode.Length; j++) point[j] = Mode[j] + standard[j];
    }

    private bool Holds(Density density)
    {
        int d = Mode.Length;
        double atMode = density.At(Mode);
        if (!double.IsFinite(atMode)) return false;
        var standard = new double[d];
        var theta = new double[d];
        for (int direction = 0; direction < d; direction++)
            foreach (double distance in CheckDistances)
                foreach (double sign in (ReadOnlySpan<double>)[-1, 1])
                {
                    Array.Clear(standard);
                    standard[direction] = sign * distance;
                    Map(standard, theta);
                    double predicted = distance * distance / 2;
                    double drop = atMode - density.At(theta);
                    if (!(Math.Abs(drop - predicted) <= CheckTolerance * predicted)) return false;
                }
        return true;
    }

    /// <summary>Gradient and H = −∇² of log p at <paramref name="at"/> by central differences (null gradient where some
    /// evaluation is not finite).</summary>
    private static (double[]? Gradient, double[] Hessian) Derivatives(Density density, double[] at, double[] steps)
    {
        bool Evaluate(double[] point, bool singleStep, out double value)
        {
            value = density.At(point);
            return double.IsFinite(value);
        }
        if (CentralStencil<double>.Compute(Evaluate, at, steps) is not { } stencil) return (null, []);
        return (stencil.Gradient(value => value), stencil.Hessian(value => -value));
    }
}
