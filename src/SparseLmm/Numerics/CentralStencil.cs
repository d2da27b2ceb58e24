namespace SparseLmm.Numerics;

/// <summary>Evaluates a function at <paramref name="point"/>, into <paramref name="value"/>; false where it cannot be
/// evaluated there. <paramref name="singleStep"/> is true at the centre and the one-coordinate steps, false at the
/// two-coordinate ones (where a caller may compute less).</summary>
internal delegate bool StencilFunction<T>(double[] point, bool singleStep, out T value);

/// <summary>A function's values on one second-order central stencil around x: x, x ± hᵢeᵢ for every coordinate, and
/// x ± (hᵢeᵢ + hₖeₖ) for every pair, 1 + 2m + m(m − 1) evaluations for m coordinates. The value may be anything the
/// caller differences (a number, or the pieces of a factorization), so that one set of evaluations gives the gradient
/// and Hessian of several functions of it. The pair formula f(+i+k) + f(−i−k) − f(±i) − f(±k) + 2f₀ = 2hᵢhₖ ∂²f/∂xᵢ∂xₖ
/// + O(h⁴) is as accurate as the four-point one (both O(h²)) for half its evaluations.</summary>
internal sealed class CentralStencil<T>
{
    private readonly T[] plus, minus, both, neither;
    private readonly double[] steps;

    private CentralStencil(double[] steps, T centre, T[] plus, T[] minus, T[] both, T[] neither)
    {
        this.steps = steps;
        Centre = centre;
        this.plus = plus;
        this.minus = minus;
        this.both = both;
        this.neither = neither;
    }

    /// <summary>The value at the centre.</summary>
    public T Centre { get; }

    /// <summary>Number of evaluations a stencil over <paramref name="coordinates"/> coordinates takes.</summary>
    public static int EvaluationCount(int coordinates) => 1 + 2 * coordinates + coordinates * (coordinates - 1);

    /// <summary>Evaluates the stencil around <paramref name="centre"/> with steps <paramref name="steps"/>; null when
    /// some point cannot be evaluated.</summary>
    public static CentralStencil<T>? Compute(StencilFunction<T> evaluate, IReadOnlyList<double> centre, IReadOnlyList<double> steps)
    {
        int m = centre.Count;
        var x = centre.ToArray();
        var h = steps.ToArray();
        bool At(int i, double di, int k, double dk, out T value)
        {
            var point = (double[])x.Clone();
            if (i >= 0) point[i] += di * h[i];
            if (k >= 0) point[k] += dk * h[k];
            return evaluate(point, k < 0, out value);
        }

        if (!At(-1, 0, -1, 0, out var atCentre)) return null;
        var plus = new T[m];
        var minus = new T[m];
        var both = new T[m * m];
        var neither = new T[m * m];
        for (int i = 0; i < m; i++)
        {
            if (!At(i, 1, -1, 0, out plus[i]) || !At(i, -1, -1, 0, out minus[i])) return null;
            for (int k = 0; k < i; k++)
                if (!At(i, 1, k, 1, out both[i * m + k]) || !At(i, -1, k, -1, out neither[i * m + k])) return null;
        }
        return new CentralStencil<T>(h, atCentre, plus, minus, both, neither);
    }

    /// <summary>The central-difference gradient of <paramref name="f"/> (a function of the values).</summary>
    public double[] Gradient(Func<T, double> f)
    {
        int m = plus.Length;
        var gradient = new double[m];
        for (int i = 0; i < m; i++) gradient[i] = (f(plus[i]) - f(minus[i])) / (2 * steps[i]);
        return gradient;
    }

    /// <summary>The central-difference Hessian of <paramref name="f"/>, row-major m×m.</summary>
    public double[] Hessian(Func<T, double> f)
    {
        int m = plus.Length;
        var hessian = new double[m * m];
        double f0 = f(Centre);
        for (int i = 0; i < m; i++)
        {
            double h = steps[i];
            hessian[i * m + i] = (f(plus[i]) - 2 * f0 + f(minus[i])) / (h * h);
            for (int k = 0; k < i; k++)
                hessian[i * m + k] = hessian[k * m + i] = (f(both[i * m + k]) + f(neither[i * m + k])
                    - f(plus[i]) - f(minus[i]) - f(plus[k]) - f(minus[k]) + 2 * f0) / (2 * h * steps[k]);
        }
        return hessian;
    }
}
