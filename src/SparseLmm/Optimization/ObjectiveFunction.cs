namespace SparseLmm.Optimization;

/// <summary>A function to minimise. It reads the point <paramref name="x"/> and returns f(x).
/// The span is only valid during the call: the function must not keep it.</summary>
/// <param name="x">The point at which to evaluate the function.</param>
/// <returns>The function value. A failed evaluation may return NaN or +∞: the optimiser reads those, like any value
/// beyond ±1e100, as ±1e100, so that a penalty can never overflow its arithmetic.</returns>
internal delegate double ObjectiveFunction(ReadOnlySpan<double> x);
