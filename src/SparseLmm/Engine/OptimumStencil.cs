namespace SparseLmm.Engine;

/// <summary>The likelihood's pieces on one second-order central stencil around θ̂: the centre, θ̂ ± hᵢeᵢ for every
/// parameter, and θ̂ ± (hᵢeᵢ + hₖeₖ) for every pair, 1 + 2m + m(m − 1) factorizations for m parameters. Every
/// derivative the fit and its inference need at θ̂ comes from these points: the gradient and Hessian of the profiled
/// criterion that confirm the optimum (<see cref="Results.OptimumCheck"/>), and the Hessians of the log-determinants and r²
/// and the Jacobian of Cov(β̂) that Satterthwaite's df are made of, so the df cost no factorization of their own.
/// <para>The step, 5·10⁻⁴ of each θ (at least 2.5·10⁻⁵ of its unit, <see cref="ThetaScales"/>), balances the stencil's O(h²) truncation against the
/// rounding of the factor's log-determinants and r²: on the reference cases the df agree with lmerTest's (numDeriv,
/// Richardson extrapolated) to better than 10⁻⁵ relative. Points on the far side of a bound are fine: the criterion is
/// smooth through θᵢ = 0 (even in a scalar term's θ).</para></summary>
internal sealed class OptimumStencil
{
    private readonly ThetaPieces[] plus, minus, both, neither;

    private OptimumStencil(double[] theta, double[] steps, ThetaPieces centre, ThetaPieces[] plus, ThetaPieces[] minus,
        ThetaPieces[] both, ThetaPieces[] neither)
    {
        Theta = theta;
        Steps = steps;
        Centre = centre;
        this.plus = plus;
        this.minus = minus;
        this.both = both;
        this.neither = neither;
    }

    /// <summary>θ̂, the stencil's centre.</summary>
    public IReadOnlyList<double> Theta { get; }

    /// <summary>The step hᵢ per parameter.</summary>
    public IReadOnlyList<double> Steps { get; }

    /// <summary>The pieces at θ̂, with (L_X L_X')⁻¹.</summary>
    public ThetaPieces Centre { get; }

    /// <summary>Number of factorizations a stencil over <paramref name="parameters"/> parameters takes.</summary>
    public static int EvaluationCount(int parameters) => 1 + 2 * parameters + parameters * (parameters - 1);

    /// <summary>Evaluates the stencil around <paramref name="theta"/> (entries in <paramref name="units"/>) with
    /// <paramref name="evaluate"/> (θ, whether (L_X L_X')⁻¹ is wanted ↦ the pieces, null where the system is not
    /// positive definite). Null when some point cannot be evaluated. The centre and the single steps carry
    /// (L_X L_X')⁻¹, the pair steps do not.</summary>
    public static OptimumStencil? Compute(Func<double[], bool, ThetaPieces?> evaluate, IReadOnlyList<double> theta,
        IReadOnlyList<double> units)
    {
        int m = theta.Count;
        var centreTheta = theta.ToArray();
        var steps = centreTheta.Select((v, i) => 5e-4 * Math.Max(Math.Abs(v), 0.05 * units[i])).ToArray();
        ThetaPieces? At(int i, double di, int k, double dk, bool withCovariance)
        {
            var point = (double[])centreTheta.Clone();
            if (i >= 0) point[i] += di;
            if (k >= 0) point[k] += dk;
            return evaluate(point, withCovariance);
        }

        if (At(-1, 0, -1, 0, true) is not { } centre) return null;
        var plus = new ThetaPieces[m];
        var minus = new ThetaPieces[m];
        var both = new ThetaPieces[m * m];
        var neither = new ThetaPieces[m * m];
        for (int i = 0; i < m; i++)
        {
            if (At(i, steps[i], -1, 0, true) is not { } up || At(i, -steps[i], -1, 0, true) is not { } down) return null;
            plus[i] = up;
            minus[i] = down;
            for (int k = 0; k < i; k++)
            {
                if (At(i, steps[i], k, steps[k], false) is not { } upBoth || At(i, -steps[i], k, -steps[k], false) is not { } downBoth)
                    return null;
                both[i * m + k] = upBoth;
                neither[i * m + k] = downBoth;
            }
        }
        return new OptimumStencil(centreTheta, steps, centre, plus, minus, both, neither);
    }

    /// <summary>The central-difference gradient of <paramref name="f"/> (a function of the pieces) in θ.</summary>
    public double[] Gradient(Func<ThetaPieces, double> f)
    {
        int m = plus.Length;
        var gradient = new double[m];
        for (int i = 0; i < m; i++) gradient[i] = (f(plus[i]) - f(minus[i])) / (2 * Steps[i]);
        return gradient;
    }

    /// <summary>The central-difference Hessian of <paramref name="f"/> in θ, row-major m×m.</summary>
    public double[] Hessian(Func<ThetaPieces, double> f)
    {
        int m = plus.Length;
        var hessian = new double[m * m];
        double f0 = f(Centre);
        for (int i = 0; i < m; i++)
        {
            double h = Steps[i];
            hessian[i * m + i] = (f(plus[i]) - 2 * f0 + f(minus[i])) / (h * h);
            for (int k = 0; k < i; k++)
            {
                // f(+i+k) + f(−i−k) − f(±i) − f(±k) + 2f₀ = 2 hᵢ hₖ ∂²f/∂θᵢ∂θₖ + O(h⁴).
                hessian[i * m + k] = hessian[k * m + i] = (f(both[i * m + k]) + f(neither[i * m + k])
                    - f(plus[i]) - f(minus[i]) - f(plus[k]) - f(minus[k]) + 2 * f0) / (2 * h * Steps[k]);
            }
        }
        return hessian;
    }

    /// <summary>The central-difference Jacobian of the diagonal of (L_X L_X')⁻¹ in θ: row i holds ∂/∂θᵢ of the p
    /// diagonal entries.</summary>
    public double[] CovarianceDiagonalJacobian(int p)
    {
        int m = plus.Length;
        var jacobian = new double[m * p];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < p; j++)
                jacobian[i * p + j] = (plus[i].UnscaledCovariance![j * p + j] - minus[i].UnscaledCovariance![j * p + j]) / (2 * Steps[i]);
        return jacobian;
    }
}
