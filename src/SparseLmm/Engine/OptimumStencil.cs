using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The likelihood's pieces on one <see cref="CentralStencil{T}"/> around θ̂. Every derivative the fit and its
/// inference need at θ̂ comes from these points: the gradient and Hessian of the profiled criterion that confirm the
/// optimum (<see cref="Results.OptimumCheck"/>), and the Hessians of the log-determinants and r² and the Jacobian of
/// Cov(β̂) that Satterthwaite's df are made of, so the df cost no factorization of their own.
/// <para>The step, 5·10⁻⁴ of each θ (at least 2.5·10⁻⁵ of its unit, <see cref="ThetaScales"/>), balances the
/// stencil's O(h²) truncation against the rounding of the factor's log-determinants and r²: on the reference cases
/// the df agree with lmerTest's (numDeriv, Richardson extrapolated) to better than 10⁻⁵ relative. Points on the far
/// side of a bound are fine: the criterion is smooth through θᵢ = 0 (even in a scalar term's θ).</para></summary>
internal sealed class OptimumStencil
{
    private readonly CentralStencil<ThetaPieces> stencil;

    private OptimumStencil(IReadOnlyList<double> theta, IReadOnlyList<double> serves, CentralStencil<ThetaPieces> stencil)
    {
        Theta = theta;
        Serves = serves;
        this.stencil = stencil;
    }

    /// <summary>The stencil's centre.</summary>
    public IReadOnlyList<double> Theta { get; }

    /// <summary>The θ̂ whose derivatives these are taken to be, in lme4's coordinates: the centre (mapped back when the
    /// search ran in a <see cref="CentredFrame"/>), or the point a polishing Newton step of at most 10⁻⁴ of each
    /// parameter's size moved the fit to from it, where the derivatives differ by about half that step's relative size
    /// (the stencil holds no third derivatives to move them).</summary>
    public IReadOnlyList<double> Serves { get; }

    /// <summary>The same stencil, serving <paramref name="theta"/>.</summary>
    public OptimumStencil Serving(double[] theta) => new(Theta, theta, stencil);

    /// <summary>The pieces at θ̂, with (L_X L_X')⁻¹.</summary>
    public ThetaPieces Centre => stencil.Centre;

    /// <summary>Evaluates the stencil around <paramref name="theta"/> (entries in <paramref name="units"/>) with
    /// <paramref name="evaluate"/> (θ, whether (L_X L_X')⁻¹ is wanted ↦ the pieces, null where the system is not
    /// positive definite). Null when some point cannot be evaluated. The centre and the single steps carry
    /// (L_X L_X')⁻¹, the pair steps do not.</summary>
    public static OptimumStencil? Compute(Func<double[], bool, ThetaPieces?> evaluate, IReadOnlyList<double> theta,
        IReadOnlyList<double> units)
    {
        var centre = theta.ToArray();
        var steps = Steps(centre, units);
        bool Evaluate(double[] point, bool singleStep, out ThetaPieces pieces)
        {
            pieces = evaluate(point, singleStep)!;
            return pieces is not null;
        }
        return CentralStencil<ThetaPieces>.Compute(Evaluate, centre, steps) is { } stencil ? new OptimumStencil(centre, centre, stencil) : null;
    }

    /// <summary>The step in each parameter: 5·10⁻⁴ of its value, at least 2.5·10⁻⁵ of its unit (see the class).</summary>
    public static double[] Steps(IReadOnlyList<double> x, IReadOnlyList<double> units) =>
        x.Select((v, i) => 5e-4 * Math.Max(Math.Abs(v), 0.05 * units[i])).ToArray();

    /// <summary>The central-difference gradient of <paramref name="f"/> (a function of the pieces) in θ.</summary>
    public double[] Gradient(Func<ThetaPieces, double> f) => stencil.Gradient(f);

    /// <summary>The central-difference Hessian of <paramref name="f"/> in θ, row-major m×m.</summary>
    public double[] Hessian(Func<ThetaPieces, double> f) => stencil.Hessian(f);

    /// <summary>The central-difference Jacobian of the diagonal of (L_X L_X')⁻¹ in θ: row i holds ∂/∂θᵢ of the p
    /// diagonal entries.</summary>
    public double[] CovarianceDiagonalJacobian(int p)
    {
        int m = Theta.Count;
        var jacobian = new double[m * p];
        for (int j = 0; j < p; j++)
        {
            int diagonal = j * p + j;
            var column = stencil.Gradient(pieces => pieces.UnscaledCovariance![diagonal]);
            for (int i = 0; i < m; i++) jacobian[i * p + j] = column[i];
        }
        return jacobian;
    }
}
