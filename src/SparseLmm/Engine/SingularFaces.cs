using SparseLmm.Results;
using SparseLmm.Optimization;

namespace SparseLmm.Engine;

/// <summary>Leaves a singular optimum that only looks like one in lme4's parameterisation. When a diagonal entry
/// T_jj of an unstructured term's factor is 0 and a column follows it, T is not the only lower-triangular factor of
/// its covariance TT': columns j and j+1 are both zero down to row j, so any rotation of the two (that keeps T_{j+1,j+1}
/// ≥ 0), and a change of column j's sign, leaves TT' and so the criterion unchanged. The criterion's slope along
/// T_jj, 2 Σᵢ₍ᵢ₌ⱼ₊₁…₎ Gⱼᵢ Tᵢⱼ (G its gradient in TT'), is not: it changes sign with column j. A check of the point's
/// neighbourhood holds T_jj on its bound where that slope is positive, and cannot see that the same covariance, written
/// with column j negated, descends into the interior of the face T_{j+1,j+1} = 0 (a rank-deficient TT' of another
/// direction). At T_jj = T_{j+1,j} = 0 the slope is 0 for every sign and the rotation is flat: a saddle of the
/// criterion in (T_jj, T_{j+1,j}) that no first- or second-order test at the point resolves.
/// <para>So each such point is probed where that slope is largest: the rotation that moves row j+1 of the two columns
/// wholly into column j (T_{j+1,j+1} = 0), with either sign, and T_jj a small step (<see cref="Step"/> of its unit) off
/// its bound: one evaluation each. (Where column j is zero even so, as at T = 0, the criterion is of second order in
/// it, and the probes step further, along column j's pairs of entries.) A probe that lowers the criterion restarts the local search there, at most
/// <see cref="MaxRestarts"/> times, and the better optimum is kept. A fit none of whose terms has such a zero spends
/// nothing (every reference fit of lme4's that is singular has its zero in a scalar term or a term's last
/// column).</para>
/// <para>Binomial, 240 rows, 20 groups, y ~ x + (1 + x | g): the search ended at θ (0, 0.109, 0.053), an intercept
/// variance 0 whose check passed, with −2 log L 308.105; with column 1 rotated to (0, −0.121, 0) and T₁₁ = 0.001 the
/// deviance is 308.103, and the restart ends at lme4's 308.021, θ (0.075, −0.194, 0).</para></summary>
internal static class SingularFaces
{
    /// <summary>T_jj of a probe, in units of T_jj (<see cref="ThetaScales"/>): large enough that the slope it reads
    /// stands well above the criterion's rounding (a slope of 10⁻³ per unit lowers it by 10⁻⁶), small enough that the
    /// curvature does not hide a slope (the probe reads g δ + H δ²/2).</summary>
    public const double Step = 1e-3;

    /// <summary>The step of a probe of a zero column, in units of its entries: the criterion changes by its square
    /// there, so a tenth of <see cref="RestartRadius"/>'s reach would read nothing a step of <see cref="Step"/> could.
    /// (At θ = 0 of a binomial (1 + x | g) fit, where G is indefinite, 0.05 lowers the deviance by 0.03.)</summary>
    public const double ZeroColumnStep = 0.05;

    /// <summary>The most restarts one fit may spend: each can end on another such point.</summary>
    public const int MaxRestarts = 2;

    /// <summary>The initial trust radius of a restart in a search over θ in its units: a tenth of a unit, as the probe
    /// starts at the optimum's covariance, near where the restart will end.</summary>
    public const double RestartRadius = 0.1;

    /// <summary>How far below the search's minimum a probe must lie to restart: 10⁻⁶, or 10⁻⁹ of the criterion when
    /// larger (the criterion's rounding grows with the rows, as for the search's own tolerance).</summary>
    public static double Tolerance(double minimum) => Math.Max(1e-6, 1e-9 * Math.Abs(minimum));

    /// <summary>The probes of <paramref name="theta"/> (θ in the coordinates the search's bounds are on, each entry's
    /// unit in <paramref name="units"/>): for every diagonal entry of an unstructured term within
    /// <paramref name="tolerance"/> of its unit of 0 that has a column after it, two when its column, once rotated,
    /// has an entry below it (the first-order probes), else two for each row below it (<see cref="ZeroColumnStep"/>).
    /// Empty when there is no such entry.</summary>
    public static List<double[]> Probes(CovarianceParameterization parameterization, IReadOnlyList<double> theta,
        IReadOnlyList<double> units, double tolerance)
    {
        var probes = new List<double[]>();
        for (int t = 0; t < parameterization.ColumnCounts.Length; t++)
        {
            int k = parameterization.ColumnCounts[t], offset = parameterization.Offset(t);
            if (parameterization.Structure(t) != CovarianceStructure.Unstructured) continue;
            // θ holds T's lower triangle column by column.
            int Index(int row, int column) => offset + column * k - column * (column - 1) / 2 + row - column;
            for (int j = 0; j + 1 < k; j++)
            {
                int diagonal = Index(j, j);
                if (!(theta[diagonal] < tolerance * units[diagonal])) continue;
                var rotated = theta.ToArray();
                double a = theta[Index(j + 1, j)], b = theta[Index(j + 1, j + 1)], r = Math.Sqrt(a * a + b * b);
                if (r > 0)
                {
                    // The Givens rotation of columns j and j+1 taking row j+1's (a, b) to (r, 0).
                    double cos = a / r, sin = b / r;
                    for (int row = j + 1; row < k; row++)
                    {
                        double x = theta[Index(row, j)], y = theta[Index(row, j + 1)];
                        rotated[Index(row, j)] = cos * x + sin * y;
                        rotated[Index(row, j + 1)] = -sin * x + cos * y;
                    }
                    rotated[Index(j + 1, j + 1)] = 0;
                }
                bool below = false;
                for (int row = j + 1; row < k; row++) below |= Math.Abs(rotated[Index(row, j)]) >= tolerance * units[Index(row, j)];
                if (!below)
                {
                    // A zero column j: the criterion is even in the column, its slope 0 in every factor of TT', and
                    // its change t²dᵀGd along column j = t d of second order, so the probes step further, along
                    // the pairs (T_jj, ±T_ij) where an indefinite G descends.
                    for (int row = j + 1; row < k; row++)
                        foreach (int sign in (ReadOnlySpan<int>)[1, -1])
                        {
                            var probe = (double[])rotated.Clone();
                            probe[diagonal] = ZeroColumnStep * units[diagonal];
                            probe[Index(row, j)] = sign * ZeroColumnStep * units[Index(row, j)];
                            probes.Add(probe);
                        }
                    continue;
                }
                foreach (int sign in (ReadOnlySpan<int>)[1, -1])
                {
                    var probe = (double[])rotated.Clone();
                    for (int row = j + 1; row < k; row++) probe[Index(row, j)] *= sign;
                    probe[diagonal] = Step * units[diagonal];
                    probes.Add(probe);
                }
            }
        }
        return probes;
    }

    /// <summary><see cref="Probes(CovarianceParameterization, IReadOnlyList{double}, IReadOnlyList{double}, double)"/>
    /// in a search's coordinates, θ over its units.</summary>
    public static List<double[]> Probes(CovarianceParameterization parameterization, IReadOnlyList<double> scaled, double tolerance) =>
        Probes(parameterization, scaled, Enumerable.Repeat(1.0, scaled.Count).ToArray(), tolerance);

    /// <summary>BOBYQA again from <paramref name="probe"/>, whose value <paramref name="value"/> is known: its first
    /// evaluation, at the probe, is not repeated.</summary>
    public static OptimizationResult Restart(ObjectiveFunction objective, double[] probe, double value, double[] lower,
        double[] upper, BobyqaOptions options)
    {
        bool started = false;
        int reused = 0;
        double Known(ReadOnlySpan<double> point)
        {
            bool first = !started;
            started = true;
            if (first && point.SequenceEqual(probe))
            {
                reused = 1;
                return value;
            }
            return objective(point);
        }
        var result = Bobyqa.Minimize(Known, probe, lower, upper, options);
        return result with { Evaluations = result.Evaluations - reused };
    }

    /// <summary>What <see cref="Leave"/> found: the point and its value, the evaluations its probes and restarts spent,
    /// the restarts, and the message of the last restart that did not converge (null when all did).</summary>
    public sealed record Outcome(double[] Point, double Minimum, int Evaluations, int Restarts, string? Failure, double Gain);

    /// <summary>Probes <paramref name="point"/> (value <paramref name="minimum"/> of <paramref name="objective"/>, in
    /// the search's coordinates) at <paramref name="probes"/> of it and, when one lies more than
    /// <paramref name="tolerance"/> below, restarts the search from the lowest (<paramref name="restart"/>: the probe
    /// and its value ↦ the search's result, which starts at the probe and so ends at most at its value); then probes the point it
    /// ended at, up to <see cref="MaxRestarts"/> restarts. A restart that does not converge ends the rounds.</summary>
    public static Outcome Leave(ObjectiveFunction objective, double[] point, double minimum,
        Func<double[], List<double[]>> probes, Func<double[], double, OptimizationResult> restart, double tolerance)
    {
        int evaluations = 0, restarts = 0;
        double start = minimum;
        for (; restarts < MaxRestarts; restarts++)
        {
            double[]? best = null;
            double bestValue = minimum - tolerance;
            foreach (var probe in probes(point))
            {
                evaluations++;
                double value = objective(probe);
                if (value < bestValue) (best, bestValue) = (probe, value);
            }
            if (best is null) break;
            var result = restart(best, bestValue);
            evaluations += result.Evaluations;
            (point, minimum) = (result.Minimizer, result.Minimum);
            if (!result.Converged) return new Outcome(point, minimum, evaluations, restarts + 1, result.Message, start - minimum);
        }
        return new Outcome(point, minimum, evaluations, restarts, null, start - minimum);
    }

    /// <summary>The fit's note on restarts that moved <paramref name="search"/>'s optimum (null when none did), with
    /// what it lowered <paramref name="criterion"/> by.</summary>
    public static string? Note(Outcome outcome, string search, string criterion) => outcome.Restarts == 0 ? null :
        $"{search} ended at a singular covariance beside which a probe on another factor or face of it descended; restarted there {(outcome.Restarts == 1 ? "once" : $"{outcome.Restarts} times")} ({outcome.Evaluations} evaluations), lowering the {criterion} by {outcome.Gain:G4}";
}
