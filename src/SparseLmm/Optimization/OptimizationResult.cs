namespace SparseLmm.Optimization;

/// <summary>What a minimisation found.</summary>
/// <param name="Minimizer">The best point evaluated.</param>
/// <param name="Minimum">The objective value at <paramref name="Minimizer"/>.</param>
/// <param name="Evaluations">Number of objective evaluations used.</param>
/// <param name="Converged">True when the trust region radius reached its final value; false when the evaluation budget
/// ran out first or rounding errors stopped progress.</param>
/// <param name="Message">One line saying why the minimisation stopped.</param>
internal sealed record OptimizationResult(double[] Minimizer, double Minimum, int Evaluations, bool Converged, string Message);
