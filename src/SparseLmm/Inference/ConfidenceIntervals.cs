using SparseLmm.Numerics;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>Confidence intervals, one per named parameter.</summary>
/// <param name="Names">Parameter names as lme4's confint: <c>sd_(Intercept)|Subject</c>, <c>cor_Days.(Intercept)|Subject</c>,
/// <c>sigma</c>, then the fixed effects.</param>
/// <param name="Lower">Lower limits (NaN when not found).</param>
/// <param name="Upper">Upper limits (NaN when not found).</param>
/// <param name="Level">Confidence level, e.g. 0.95.</param>
/// <param name="Method">profile, Wald or boot.</param>
public sealed record ConfidenceIntervals(IReadOnlyList<string> Names, IReadOnlyList<double> Lower, IReadOnlyList<double> Upper, double Level, string Method)
{
    /// <summary>Parameter names (frozen: see <see cref="MixedModelFit"/>).</summary>
    public IReadOnlyList<string> Names { get; init => field = Frozen.List(value); } = Frozen.List(Names);

    /// <summary>Lower limits.</summary>
    public IReadOnlyList<double> Lower { get; init => field = Frozen.List(value); } = Frozen.List(Lower);

    /// <summary>Upper limits.</summary>
    public IReadOnlyList<double> Upper { get; init => field = Frozen.List(value); } = Frozen.List(Upper);
}

/// <summary>Wald and profile-likelihood confidence intervals for a linear mixed model.</summary>
public static class ConfidenceIntervalMethods
{
    /// <summary>Wald intervals β̂ ± z SE for the fixed effects (as lme4's <c>confint(method = "Wald")</c>).</summary>
    public static ConfidenceIntervals Wald(MixedModelFit fit, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(fit);
        CheckLevel(level);
        double z = Distributions.NormalQuantile(0.5 + level / 2);
        return new ConfidenceIntervals(fit.FixedEffects.Select(e => e.Name).ToList(),
            fit.FixedEffects.Select(e => e.Estimate - z * e.StandardError).ToList(),
            fit.FixedEffects.Select(e => e.Estimate + z * e.StandardError).ToList(), level, "Wald");
    }

    /// <summary>The names of the variance parameters in lme4's order: per term (most levels first) the lower triangle
    /// column by column (<c>sd_</c> on the diagonal, <c>cor_</c> below), then <c>sigma</c>. A structured term names
    /// only its parameters: <c>diag</c> its SDs, <c>cs</c> its SDs and ρ, <c>ar1</c> its SD and ρ (the first
    /// column's <c>sd_</c>, and ρ as the first pair's <c>cor_</c>).</summary>
    public static IReadOnlyList<string> VarianceParameterNames(MixedModelFit fit)
    {
        var names = new List<string>();
        foreach (var component in fit.VarianceComponents)
            foreach (var (r, c) in VarianceEntries(component))
                names.Add(r == c ? $"sd_{component.Terms[c]}|{component.Group}" : $"cor_{component.Terms[r]}.{component.Terms[c]}|{component.Group}");
        names.Add("sigma");
        return names;
    }

    /// <summary>The (row, column) entries of a term's SDs (on the diagonal) and correlations that are its parameters:
    /// the lower triangle by column for an unstructured term; the SDs for diag; the SDs and ρ (as the first pair's
    /// correlation) for cs; the one SD and ρ for ar1.</summary>
    internal static IEnumerable<(int Row, int Column)> VarianceEntries(VarianceComponent component)
    {
        int k = component.Terms.Count;
        switch (component.Structure)
        {
            case CovarianceStructure.Unstructured:
                for (int c = 0; c < k; c++)
                    for (int r = c; r < k; r++) yield return (r, c);
                break;
            case CovarianceStructure.AutoRegressive:
                yield return (0, 0);
                yield return (1, 0);
                break;
            default:
                for (int c = 0; c < k; c++) yield return (c, c);
                if (component.Structure == CovarianceStructure.CompoundSymmetry) yield return (1, 0);
                break;
        }
    }

    /// <summary>Profile-likelihood intervals for every parameter, as lme4's <c>confint(profile(fit))</c>: the
    /// criterion is minimised over the other parameters with one held fixed, and the limits are where it exceeds its
    /// minimum by χ²₁(level), found by root-finding on that exactly optimised profile (no spline: lme4 interpolates
    /// its profile with a spline, which on Orthodont puts σ's upper limit at 1.5885 where its exact ML profile crosses
    /// at 1.5884 and the REML one at 1.5978). The criterion is the REML criterion for the variance parameters of a
    /// REML fit and the ML deviance otherwise (lme4 refits a REML fit by ML for every parameter); fixed effects are
    /// always profiled on the ML deviance. σ is profiled by minimising over θ at fixed σ, from several starts; the other
    /// variance parameters in the (sd, correlation, σ) parameterisation; a fixed effect βⱼ by adding (b − β̂ⱼ(θ))²/[(L_X L_X')⁻¹]ⱼⱼ to r²(θ), the
    /// exact β-profiled residual with βⱼ = b. An sd whose profile stays below the cut-off down to 0 gets lower limit 0;
    /// a correlation that reaches ±1 gets ±1.</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model.</exception>
    public static ConfidenceIntervals Profile(MixedModelFit fit, double level = 0.95) => Profile(fit, level, CancellationToken.None);

    /// <summary>The intervals of <see cref="Profile(MixedModelFit, double)"/>, stopped by <paramref name="cancellation"/>
    /// (looked at before every factorization).</summary>
    internal static ConfidenceIntervals Profile(MixedModelFit fit, double level, CancellationToken cancellation)
    {
        var model = FittedMixedModel.Of(fit, cancellation);
        CheckLevel(level);
        // The profile runs over every term's SDs and correlations, which a structured term does not have as free
        // parameters.
        if (model.Source.Parameterization.IsStructured)
            throw new InputException("profile intervals are not available for diag(), cs() or ar1() terms; use --ci boot (or wald for the fixed effects)");
        var ml = model.RefitMl();
        // The variance parameters of a REML fit are profiled on the REML criterion (the function the fit maximised);
        // the fixed effects always on the ML deviance, as the REML criterion does not compare values of β.
        var varianceModel = model.Reml ? model : ml;
        var names = VarianceParameterNames(varianceModel.Fit).Concat(ml.Fit.FixedEffects.Select(e => e.Name)).ToList();
        int varianceCount = names.Count - ml.Fit.FixedEffects.Count;
        int count = names.Count;
        var lower = new double[count];
        var upper = new double[count];
        double cut = Distributions.NormalQuantile(0.5 + level / 2);
        CancellableParallel.For(count, cancellation, i =>
        {
            var worker = i < varianceCount ? new Profiler(varianceModel, model.Reml) : new Profiler(ml, reml: false);
            (lower[i], upper[i]) = worker.Interval(i, cut);
        });
        return new ConfidenceIntervals(names, lower, upper, level, "profile");
    }

    internal static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1)) throw new InputException($"confidence level {level} must be between 0 and 1");
    }
}

/// <summary>The profile of the ML deviance over one parameter at a time.</summary>
internal sealed class Profiler
{
    private readonly ThetaEvaluator evaluator;
    private readonly MixedModelFit fit;
    private readonly int n, p, m;
    private readonly int[] termOf; // φ index → term (−1 for σ)
    private readonly int[] rowOf, columnOf;
    private readonly double[] estimate; // φ̂
    private readonly double[] scale;
    private readonly double[] lowerBound, upperBound;
    private readonly double baseDeviance;
    private readonly bool reml;

    public Profiler(FittedMixedModel ml, bool reml)
    {
        this.reml = reml;
        fit = ml.Fit;
        evaluator = ml.Evaluator();
        n = evaluator.RowCount;
        p = evaluator.FixedCount;
        m = fit.Theta.Count;
        var terms = new List<int>();
        var rows = new List<int>();
        var columns = new List<int>();
        var values = new List<double>();
        for (int t = 0; t < fit.VarianceComponents.Count; t++)
        {
            var component = fit.VarianceComponents[t];
            int k = component.Terms.Count;
            for (int c = 0; c < k; c++)
                for (int r = c; r < k; r++)
                {
                    terms.Add(t); rows.Add(r); columns.Add(c);
                    values.Add(r == c ? component.StandardDeviations[c] : component.Correlations[r][c]);
                }
        }
        terms.Add(-1); rows.Add(0); columns.Add(0);
        double sigma = fit.Sigma ?? 1;
        values.Add(sigma);
        termOf = terms.ToArray();
        rowOf = rows.ToArray();
        columnOf = columns.ToArray();
        estimate = values.ToArray();
        int count = estimate.Length;
        scale = new double[count];
        lowerBound = new double[count];
        upperBound = new double[count];
        for (int i = 0; i < count; i++)
        {
            bool correlation = termOf[i] >= 0 && rowOf[i] != columnOf[i];
            scale[i] = correlation ? 0.5 : Math.Max(estimate[i], 0.05 * sigma);
            lowerBound[i] = correlation ? -1 : termOf[i] < 0 ? 1e-6 * sigma : 0;
            upperBound[i] = correlation ? 1 : double.PositiveInfinity;
        }
        baseDeviance = -2 * fit.LogLikelihood;
    }

    private int VarianceCount => estimate.Length;

    /// <summary>ML deviance at φ (sds, correlations, σ), β profiled; NaN when the covariances are not valid.</summary>
    public double DevianceAt(ReadOnlySpan<double> phi)
    {
        var theta = new double[m];
        int index = 0, offset = 0;
        double sigma = phi[VarianceCount - 1];
        if (!(sigma > 0)) return double.NaN;
        for (int t = 0; t < fit.VarianceComponents.Count; t++)
        {
            int k = fit.VarianceComponents[t].Terms.Count;
            var covariance = new double[k * k];
            var sd = new double[k];
            var cor = new double[k * k];
            for (int c = 0; c < k; c++)
                for (int r = c; r < k; r++)
                {
                    if (r == c) sd[c] = phi[index]; else cor[r * k + c] = cor[c * k + r] = phi[index];
                    index++;
                }
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    covariance[a * k + b] = sd[a] * sd[b] * (a == b ? 1 : cor[a * k + b]) / (sigma * sigma);
            var factor = SmallMatrix.SemidefiniteCholesky(covariance, k);
            if (factor is null) return double.NaN;
            for (int c = 0; c < k; c++)
                for (int r = c; r < k; r++) theta[offset++] = factor[r * k + c];
        }
        return evaluator.Evaluate(theta, withCovariance: false) is { } pieces ? ThetaEvaluator.AtSigma(pieces, n, p, sigma, reml) : double.NaN;
    }

    /// <summary>The criterion at θ and σ, β profiled; NaN when θ cannot be evaluated.</summary>
    private double CriterionAt(ReadOnlySpan<double> theta, double sigma) =>
        evaluator.Evaluate(theta, withCovariance: false) is { } pieces ? ThetaEvaluator.AtSigma(pieces, n, p, sigma, reml) : double.NaN;

    /// <summary>σ's interval: the profile at σ is the criterion minimised over θ with σ fixed (θ is relative to σ, so
    /// each minimisation starts from the last one's θ, from θ̂σ̂/σ, which keeps the random effects' covariance at its
    /// estimate, and from θ̂, and keeps the best).</summary>
    private (double, double) SigmaInterval(int i, double cut)
    {
        var thetaHat = fit.Theta.ToArray();
        double sigmaHat = estimate[i];
        var lowerTheta = evaluator.Parameterization.LowerBounds();
        var upperTheta = Enumerable.Repeat(double.PositiveInfinity, m).ToArray();
        double[]? warm = null;
        double Profile(double sigma)
        {
            var starts = new List<double[]> { thetaHat.Select(t => t * sigmaHat / sigma).ToArray(), thetaHat };
            if (warm is not null) starts.Insert(0, warm);
            double best = double.PositiveInfinity;
            double[]? bestTheta = null;
            foreach (var start in starts)
            {
                var clamped = start.Select((v, a) => Math.Max(v, lowerTheta[a])).ToArray();
                var result = Minimize(theta =>
                {
                    double value = CriterionAt(theta, sigma);
                    return double.IsNaN(value) ? baseDeviance + 1e6 : value;
                }, clamped, lowerTheta, upperTheta);
                if (result.Minimum < best)
                {
                    best = result.Minimum;
                    bestTheta = result.Minimizer;
                }
            }
            warm = bestTheta;
            return best;
        }
        double Zeta(double v) => Math.Sign(v - sigmaHat) * Math.Sqrt(Math.Max(0, Profile(v) - baseDeviance));
        double upper = FindLimit(Zeta, sigmaHat, +1, cut, scale[i], lowerBound[i], upperBound[i]);
        warm = null;
        double lower = FindLimit(Zeta, sigmaHat, -1, cut, scale[i], lowerBound[i], upperBound[i]);
        return (lower, upper);
    }

    /// <summary>The profiled deviance for fixed effect j at βⱼ = b: min over θ.</summary>
    private double FixedDevianceAt(ReadOnlySpan<double> theta, int j, double b)
    {
        if (evaluator.Evaluate(theta) is not { UnscaledCovariance: { } covariance } pieces) return double.NaN;
        double d = b - pieces.Beta[j];
        double r2 = pieces.PenalizedResidualSquares + d * d / covariance[j * p + j];
        return pieces.LogDetRandom + n * (1 + Math.Log(2 * Math.PI * r2 / n));
    }

    public (double Lower, double Upper) Interval(int parameter, double cut)
    {
        if (parameter < VarianceCount) return VarianceInterval(parameter, cut);
        return FixedInterval(parameter - VarianceCount, cut);
    }

    private (double, double) VarianceInterval(int i, double cut)
    {
        if (termOf[i] < 0) return SigmaInterval(i, cut);
        int count = VarianceCount;
        var others = Enumerable.Range(0, count).Where(j => j != i).ToArray();
        var warm = others.Select(j => estimate[j]).ToArray();
        double Profile(double v)
        {
            var lo = others.Select(j => lowerBound[j] / scale[j]).ToArray();
            var hi = others.Select(j => upperBound[j] / scale[j]).ToArray();
            var start = others.Select((j, a) => Math.Clamp(warm[a] / scale[j], lo[a], hi[a])).ToArray();
            var phi = new double[count];
            phi[i] = v;
            double Objective(ReadOnlySpan<double> x)
            {
                for (int a = 0; a < others.Length; a++) phi[others[a]] = x[a] * scale[others[a]];
                double value = DevianceAt(phi);
                return double.IsNaN(value) ? baseDeviance + 1e6 : value;
            }
            var result = Minimize(Objective, start, lo, hi);
            for (int a = 0; a < others.Length; a++) warm[a] = result.Minimizer[a] * scale[others[a]];
            return result.Minimum;
        }
        double Zeta(double v) => Math.Sign(v - estimate[i]) * Math.Sqrt(Math.Max(0, Profile(v) - baseDeviance));
        var initial = warm.ToArray();
        double upper = FindLimit(Zeta, estimate[i], +1, cut, scale[i], lowerBound[i], upperBound[i]);
        warm = initial;
        double lower = FindLimit(Zeta, estimate[i], -1, cut, scale[i], lowerBound[i], upperBound[i]);
        return (lower, upper);
    }

    private (double, double) FixedInterval(int j, double cut)
    {
        var warm = fit.Theta.ToArray();
        var lowerTheta = evaluator.Parameterization.LowerBounds();
        var upperTheta = Enumerable.Repeat(double.PositiveInfinity, m).ToArray();
        double Profile(double b)
        {
            var start = warm.Select((v, a) => Math.Max(v, lowerTheta[a])).ToArray();
            var result = Minimize(theta =>
            {
                double value = FixedDevianceAt(theta, j, b);
                return double.IsNaN(value) ? baseDeviance + 1e6 : value;
            }, start, lowerTheta, upperTheta);
            warm = result.Minimizer;
            return result.Minimum;
        }
        double estimateJ = fit.FixedEffects[j].Estimate;
        double Zeta(double b) => Math.Sign(b - estimateJ) * Math.Sqrt(Math.Max(0, Profile(b) - baseDeviance));
        double se = fit.FixedEffects[j].StandardError;
        var initial = warm.ToArray();
        double upper = FindLimit(Zeta, estimateJ, +1, cut, se, double.NegativeInfinity, double.PositiveInfinity);
        warm = initial;
        double lower = FindLimit(Zeta, estimateJ, -1, cut, se, double.NegativeInfinity, double.PositiveInfinity);
        return (lower, upper);
    }

    private static OptimizationResult Minimize(ObjectiveFunction objective, double[] start, double[] lower, double[] upper)
    {
        if (start.Length == 0) return new OptimizationResult(start, objective(start), 1, true, "");
        double gap = double.PositiveInfinity;
        for (int a = 0; a < start.Length; a++) gap = Math.Min(gap, upper[a] - lower[a]);
        double radius = Math.Min(0.1, gap / 4);
        return Bobyqa.Minimize(objective, start, lower, upper,
            new BobyqaOptions(InitialTrustRadius: radius, FinalTrustRadius: Math.Min(1e-7, radius), MaxEvaluations: 5000));
    }

    /// <summary>The v on side <paramref name="direction"/> of <paramref name="center"/> where ζ(v) = direction·cut:
    /// steps out with a secant on ζ until the target is bracketed, then the Illinois method. A bound reached first is
    /// the limit.</summary>
    private static double FindLimit(Func<double, double> zeta, double center, int direction, double cut, double step,
        double lowerBound, double upperBound)
    {
        double target = direction * cut;
        double bound = direction > 0 ? upperBound : lowerBound;
        if (!(step > 0) || !double.IsFinite(step)) step = Math.Max(Math.Abs(center), 1) * 0.1;
        double probe = center + direction * Math.Min(step * 0.5, Math.Abs(bound - center) * 0.5);
        if (probe == center) return bound;
        double zProbe = zeta(probe);
        double x0 = center, z0 = 0, x1 = probe, z1 = zProbe;
        for (int iteration = 0; iteration < 60 && direction * (z1 - target) < 0; iteration++)
        {
            // Secant on (x0, z0), (x1, z1), stepping at most 4× and at least 1.2× further out.
            double slope = (z1 - z0) / (x1 - x0);
            double distance = x1 - center;
            double next = slope * direction > 1e-12 ? x1 + (target - z1) / slope : center + 2 * distance;
            double d = next - center;
            if (direction * d < 1.2 * direction * distance) d = 1.2 * distance;
            if (direction * d > 4 * direction * distance) d = 4 * distance;
            next = center + d;
            if (double.IsFinite(bound) && direction * (next - bound) >= 0)
            {
                double zBound = zeta(bound);
                if (direction * (zBound - target) < 0) return bound;
                x0 = x1; z0 = z1; x1 = bound; z1 = zBound;
                break;
            }
            x0 = x1; z0 = z1;
            x1 = next; z1 = zeta(next);
        }
        if (direction * (z1 - target) < 0) return double.NaN;
        // Bracket [x0, x1] with z0 short of the target and z1 past it: Illinois.
        double fa = z0 - target, fb = z1 - target, a = x0, b = x1;
        int side = 0;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double c = (a * fb - b * fa) / (fb - fa);
            double fc = zeta(c) - target;
            if (Math.Abs(fc) < 1e-7 || Math.Abs(b - a) < 1e-10 * Math.Max(1, Math.Abs(c))) return c;
            if (Math.Sign(fc) == Math.Sign(fb))
            {
                b = c; fb = fc;
                if (side == -1) fa /= 2;
                side = -1;
            }
            else
            {
                a = c; fa = fc;
                if (side == +1) fb /= 2;
                side = +1;
            }
        }
        return (a + b) / 2;
    }
}
