using System.Collections.Concurrent;

namespace SparseLmm.Glmm;

/// <summary>Gauss–Hermite rules for the standard normal density: Σ wₖ f(zₖ) ≈ ∫ f(z) φ(z) dz, exact for polynomials of
/// degree below 2N. The weights sum to 1.
/// <para>The nodes are the eigenvalues of the Jacobi matrix of the orthonormal (probabilists') Hermite polynomials,
/// the symmetric tridiagonal matrix with zero diagonal and off-diagonal √1, √2, …, √(N−1) (Golub and Welsch). They are
/// isolated one by one by bisection on the Sturm sequence count of that matrix, then polished by Newton's method on
/// the orthonormal polynomial p_N, whose derivative is √N p_{N−1}. The weight of a node x is the Christoffel number
/// 1 / Σ_{k&lt;N} p_k(x)², which is what the squared first components of the normalized eigenvectors equal.</para></summary>
internal static class GaussHermite
{
    /// <summary>The largest number of nodes supported.</summary>
    public const int MaxNodes = 100;

    private static readonly ConcurrentDictionary<int, (double[] Nodes, double[] Weights)> Cache = new();

    /// <summary>The N-node rule: nodes ascending, symmetric about 0, and their weights.</summary>
    public static (double[] Nodes, double[] Weights) Rule(int nodeCount)
    {
        if (nodeCount < 1 || nodeCount > MaxNodes)
            throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount, $"between 1 and {MaxNodes} nodes");
        var (nodes, weights) = Cache.GetOrAdd(nodeCount, Compute);
        return ((double[])nodes.Clone(), (double[])weights.Clone());
    }

    private static (double[] Nodes, double[] Weights) Compute(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        if (n == 1)
        {
            weights[0] = 1;
            return (nodes, weights);
        }
        // Gershgorin: every eigenvalue lies within ±(√(n−1) + √(n−2)) < 2√n.
        double bound = 2 * Math.Sqrt(n);
        for (int k = 0; k < n; k++)
        {
            // The k-th smallest eigenvalue: the least x with at least k + 1 eigenvalues below it.
            double low = -bound, high = bound;
            for (int iteration = 0; iteration < 200 && high - low > 1e-15 * Math.Max(1, Math.Abs(low)); iteration++)
            {
                double middle = 0.5 * (low + high);
                if (CountBelow(middle, n) > k) high = middle;
                else low = middle;
            }
            double x = 0.5 * (low + high);
            for (int step = 0; step < 3; step++)
            {
                var (pn, pnMinus1, _) = Orthonormal(x, n);
                double derivative = Math.Sqrt(n) * pnMinus1;
                if (derivative == 0) break;
                double next = x - pn / derivative;
                if (!(next > low - 1e-12 && next < high + 1e-12)) break;
                x = next;
            }
            nodes[k] = x;
        }
        // Exact symmetry, and an exact 0 in the middle when n is odd.
        for (int k = 0; k < n / 2; k++)
        {
            double magnitude = 0.5 * (nodes[n - 1 - k] - nodes[k]);
            nodes[k] = -magnitude;
            nodes[n - 1 - k] = magnitude;
        }
        if (n % 2 == 1) nodes[n / 2] = 0;
        double total = 0;
        for (int k = 0; k < n; k++)
        {
            weights[k] = 1 / Orthonormal(nodes[k], n).SumOfSquaresBelowN;
            total += weights[k];
        }
        for (int k = 0; k < n; k++) weights[k] /= total;
        for (int k = 0; k < n / 2; k++)
        {
            double w = 0.5 * (weights[k] + weights[n - 1 - k]);
            weights[k] = weights[n - 1 - k] = w;
        }
        return (nodes, weights);
    }

    /// <summary>Number of eigenvalues of the Jacobi matrix below x: the negative pivots of J − xI (Sturm count).</summary>
    private static int CountBelow(double x, int n)
    {
        int count = 0;
        double pivot = -x;
        if (pivot < 0) count++;
        for (int i = 1; i < n; i++)
        {
            if (pivot == 0) pivot = 1e-300;
            pivot = -x - i / pivot;
            if (pivot < 0) count++;
        }
        return count;
    }

    /// <summary>p_N(x), p_{N−1}(x) and Σ_{k&lt;N} p_k(x)² for the orthonormal Hermite polynomials
    /// (x p_k = √(k+1) p_{k+1} + √k p_{k−1}, p₀ = 1).</summary>
    private static (double Pn, double PnMinus1, double SumOfSquaresBelowN) Orthonormal(double x, int n)
    {
        double previous = 0, current = 1, sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += current * current;
            double next = (x * current - Math.Sqrt(k) * previous) / Math.Sqrt(k + 1);
            previous = current;
            current = next;
        }
        return (current, previous, sum);
    }
}
