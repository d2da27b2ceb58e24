using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>Simulation from a fitted linear mixed model and the parametric bootstrap built on it.</summary>
public static class Simulation
{
    /// <summary>The seed of replicate <paramref name="index"/>: SplitMix64 of (seed, index), so a replicate's draws
    /// do not depend on which thread runs it or on how many replicates there are.</summary>
    public static int ReplicateSeed(int seed, int index)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(index + 1) * 0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary><paramref name="count"/> responses drawn from the fitted model: y* = Xβ̂ + Zb* + ε* (+ the offset),
    /// b* ~ N(0, σ̂²ΛΛ'), ε*ᵢ ~ N(0, σ̂²/wᵢ) with wᵢ the prior weights (1 without) (as lme4's <c>simulate</c>). Replicate i uses <see cref="ReplicateSeed"/>(seed, i).</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model, or <paramref name="count"/> is below 1.</exception>
    public static IReadOnlyList<double[]> Simulate(this MixedModelFit fit, int count, int seed) =>
        Simulate(fit, count, seed, CancellationToken.None);

    /// <summary>The draws of <see cref="Simulate(MixedModelFit, int, int)"/>, stopped by
    /// <paramref name="cancellationToken"/> (looked at before each replicate): the same draws when it does not fire.</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model, or <paramref name="count"/> is below 1.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static IReadOnlyList<double[]> Simulate(this MixedModelFit fit, int count, int seed, CancellationToken cancellationToken)
    {
        var model = FittedMixedModel.Of(fit, cancellationToken);
        if (count < 1) throw new InputException("the number of simulations must be at least 1");
        var result = new double[count][];
        var sampler = new Sampler(model);
        CancellableParallel.For(count, cancellationToken, i => result[i] = sampler.Draw(ReplicateSeed(seed, i), withOffset: true));
        return result;
    }

    /// <summary>Parametric bootstrap: <paramref name="count"/> responses simulated from the fit, each refitted by the
    /// fit's method (on all cores); the estimates of every parameter (names as <see cref="ConfidenceIntervalMethods.Profile"/>)
    /// per replicate. Reproducible by <paramref name="seed"/>.</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model, or <paramref name="count"/> is below 2.</exception>
    public static BootstrapResult Bootstrap(MixedModelFit fit, int count, int seed) => Bootstrap(fit, count, seed, null);

    /// <summary>The parametric bootstrap of <see cref="Bootstrap(MixedModelFit, int, int)"/>, telling
    /// <paramref name="progress"/> how many replicates are done after each one (from the worker threads; the same
    /// replicates and result whether or not it is given).</summary>
    /// <param name="fit">A linear mixed model fit.</param>
    /// <param name="count">Number of replicates.</param>
    /// <param name="seed">Seed of the first replicate; replicate i uses <see cref="ReplicateSeed"/>(seed, i).</param>
    /// <param name="progress">Hears the number of replicates done, 1 to <paramref name="count"/>; may be null.</param>
    public static BootstrapResult Bootstrap(MixedModelFit fit, int count, int seed, IProgress<int>? progress) =>
        Bootstrap(fit, count, seed, progress, CancellationToken.None);

    /// <summary>The bootstrap of <see cref="Bootstrap(MixedModelFit, int, int, IProgress{int})"/>, stopped by
    /// <paramref name="cancellation"/> (looked at before each replicate and in each replicate's pass over the rows).</summary>
    internal static BootstrapResult Bootstrap(MixedModelFit fit, int count, int seed, IProgress<int>? progress, CancellationToken cancellation)
    {
        var model = FittedMixedModel.Of(fit, cancellation);
        if (count < 2) throw new InputException("the bootstrap needs at least 2 simulations (--nsim)");
        var sampler = new Sampler(model);
        var names = ConfidenceIntervalMethods.VarianceParameterNames(model.Fit).Concat(model.Fit.FixedEffects.Select(e => e.Name)).ToList();
        var estimates = new double[count][];
        var converged = new bool[count];
        int done = 0;
        CancellableParallel.For(count, cancellation, i =>
        {
            // The design's response is y − offset, so the replicate is drawn without it.
            var y = sampler.Draw(ReplicateSeed(seed, i), withOffset: false);
            var refit = model.RefitTo(y);
            estimates[i] = Parameters(refit);
            converged[i] = refit.Converged;
            progress?.Report(Interlocked.Increment(ref done));
        });
        return new BootstrapResult(names, Parameters(model.Fit), estimates, converged.Count(c => !c));
    }

    /// <summary>Percentile intervals from a bootstrap.</summary>
    public static ConfidenceIntervals PercentileIntervals(BootstrapResult bootstrap, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ConfidenceIntervalMethods.CheckLevel(level);
        int count = bootstrap.Names.Count;
        var lower = new double[count];
        var upper = new double[count];
        for (int j = 0; j < count; j++)
        {
            var values = bootstrap.Replicates.Select(r => r[j]).Where(double.IsFinite).Order().ToArray();
            lower[j] = SortedSample.Quantile(values, (1 - level) / 2);
            upper[j] = SortedSample.Quantile(values, (1 + level) / 2);
        }
        return new ConfidenceIntervals(bootstrap.Names, lower, upper, level, "boot");
    }

    /// <summary>sds, correlations (per term, as <see cref="ConfidenceIntervalMethods.VarianceEntries"/>), σ, then β̂ of a fit.</summary>
    internal static double[] Parameters(MixedModelFit fit)
    {
        var values = new List<double>();
        foreach (var component in fit.VarianceComponents)
            foreach (var (r, c) in ConfidenceIntervalMethods.VarianceEntries(component))
                values.Add(r == c ? component.StandardDeviations[c] : component.Correlations[r][c]);
        values.Add(fit.Sigma ?? double.NaN);
        values.AddRange(fit.FixedEffects.Select(e => e.Estimate));
        return values.ToArray();
    }

    /// <summary>Draws responses from the fitted model.</summary>
    internal sealed class Sampler
    {
        private readonly FittedMixedModel model;
        private readonly double[] mean;
        private readonly double[][] factors;
        private readonly double sigma;

        public Sampler(FittedMixedModel model)
        {
            this.model = model;
            var design = model.Design;
            var fit = model.Fit;
            int n = design.RowCount, p = design.FixedEffectCount;
            mean = new double[n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < p; j++) mean[i] += design.X[i * p + j] * fit.FixedEffects[j].Estimate;
            Terms = model.Source.Terms;
            factors = new double[Terms.Count][];
            var theta = fit.Theta.ToArray();
            for (int t = 0; t < Terms.Count; t++)
            {
                int k = Terms[t].ColumnCount;
                factors[t] = new double[k * k];
                model.Source.Parameterization.FillFactor(theta, t, factors[t]);
            }
            sigma = fit.Sigma ?? 1;
        }

        public IReadOnlyList<Design.RandomEffectsDesign> Terms { get; }

        /// <summary>One draw; <paramref name="withOffset"/> adds the design's offset (for the user), without it the draw is
        /// on the scale of the design's response (for a refit).</summary>
        public double[] Draw(int seed, bool withOffset)
        {
            var random = new Random(seed);
            int n = mean.Length;
            var y = (double[])mean.Clone();
            for (int t = 0; t < Terms.Count; t++)
            {
                var term = Terms[t];
                int k = term.ColumnCount;
                var b = new double[term.LevelCount * k];
                var u = new double[k];
                for (int level = 0; level < term.LevelCount; level++)
                {
                    for (int c = 0; c < k; c++) u[c] = Normal(random);
                    for (int a = 0; a < k; a++)
                    {
                        double v = 0;
                        for (int c = 0; c <= a; c++) v += factors[t][a * k + c] * u[c];
                        b[level * k + a] = sigma * v;
                    }
                }
                for (int i = 0; i < n; i++)
                {
                    int level = term.LevelOfRow[i];
                    for (int c = 0; c < k; c++) y[i] += term.Z[i * k + c] * b[level * k + c];
                }
            }
            var weights = model.Design.Weights;
            for (int i = 0; i < n; i++) y[i] += (weights is null ? sigma : sigma / Math.Sqrt(weights[i])) * Normal(random);
            if (withOffset && model.Design.Offset is { } offset)
                for (int i = 0; i < n; i++) y[i] += offset[i];
            return y;
        }

        private static double Normal(Random random)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}

/// <summary>The estimates of every parameter over bootstrap replicates.</summary>
/// <param name="Names">Parameter names (sds, correlations, sigma, fixed effects).</param>
/// <param name="Estimates">The estimates of the original fit.</param>
/// <param name="Replicates">Replicates[i][j]: parameter j in replicate i.</param>
/// <param name="NotConverged">Replicates whose optimiser did not converge.</param>
public sealed record BootstrapResult(IReadOnlyList<string> Names, IReadOnlyList<double> Estimates, IReadOnlyList<IReadOnlyList<double>> Replicates, int NotConverged)
{
    /// <summary>Parameter names (frozen: see <see cref="MixedModelFit"/>).</summary>
    public IReadOnlyList<string> Names { get; init => field = Frozen.List(value); } = Frozen.List(Names);

    /// <summary>The estimates of the original fit.</summary>
    public IReadOnlyList<double> Estimates { get; init => field = Frozen.List(value); } = Frozen.List(Estimates);

    /// <summary>Replicates[i][j]: parameter j in replicate i.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Replicates { get; init => field = Frozen.Rows(value); } = Frozen.Rows(Replicates);
}

/// <summary>The share of variance at each level of a random-intercept model.</summary>
/// <param name="Group">Grouping factor, or <c>Residual</c>.</param>
/// <param name="Variance">Its variance.</param>
/// <param name="Proportion">Its share of the total variance (the ICC for a single grouping factor).</param>
public sealed record VarianceShare(string Group, double Variance, double Proportion);

/// <summary>The intraclass correlation with an interval.</summary>
/// <param name="Estimate">σ_b² / (σ_b² + σ²).</param>
/// <param name="Lower">Lower limit.</param>
/// <param name="Upper">Upper limit.</param>
/// <param name="Level">Confidence level.</param>
/// <param name="Method">How the interval was found (profile: the ICC is monotone in σ_b/σ, whose profile interval is used).</param>
public sealed record IntraclassCorrelation(double Estimate, double Lower, double Upper, double Level, string Method);

/// <summary>Variance decomposition and the ICC.</summary>
public static class VarianceDecomposition
{
    /// <summary>The variance at each grouping level (random intercepts only) and of the residual, with their shares of
    /// the total: for students in classes in schools, the school, class-within-school and residual shares. The
    /// correlation of two observations sharing the first k levels is the sum of those levels' shares.</summary>
    /// <exception cref="InputException">Some term has random slopes (the variance then depends on the covariates).</exception>
    public static IReadOnlyList<VarianceShare> ByLevel(MixedModelFit fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.VarianceComponents.Any(c => c.Terms.Count != 1 || c.Terms[0] != "(Intercept)"))
            throw new InputException("the variance decomposition by level needs a model with random intercepts only");
        double residual = (fit.Sigma ?? double.NaN) * (fit.Sigma ?? double.NaN);
        var rows = fit.VarianceComponents.Select(c => (c.Group, Variance: c.Variances[0])).ToList();
        double total = rows.Sum(r => r.Variance) + residual;
        return rows.Select(r => new VarianceShare(r.Group, r.Variance, r.Variance / total))
            .Append(new VarianceShare("Residual", residual, residual / total)).ToList();
    }

    /// <summary>The ICC of a model with a single random intercept, with its interval: the ICC is an increasing
    /// function of the ratio ρ = σ_b/σ, so the interval is the image of ρ's profile-likelihood interval (the ML deviance
    /// profiled over σ with θ = ρ fixed: for a single scalar term θ is exactly that ratio), or a bootstrap percentile
    /// interval when <paramref name="bootstrap"/> is given.</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model with a single random intercept.</exception>
    public static IntraclassCorrelation Icc(MixedModelFit fit, double level = 0.95, BootstrapResult? bootstrap = null) =>
        Icc(fit, level, bootstrap, CancellationToken.None);

    /// <summary>The ICC of <see cref="Icc(MixedModelFit, double, BootstrapResult?)"/>, its profile stopped by
    /// <paramref name="cancellation"/>.</summary>
    internal static IntraclassCorrelation Icc(MixedModelFit fit, double level, BootstrapResult? bootstrap, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.VarianceComponents.Count != 1 || fit.VarianceComponents[0].Terms.Count != 1 || fit.VarianceComponents[0].Terms[0] != "(Intercept)")
            throw new InputException("the ICC is defined here for a model with a single random intercept, e.g. y ~ x + (1 | g)");
        static double Icc(double sd, double sigma) => sd * sd / (sd * sd + sigma * sigma);
        double estimate = Icc(fit.VarianceComponents[0].StandardDeviations[0], fit.Sigma ?? double.NaN);
        if (bootstrap is not null)
        {
            var values = bootstrap.Replicates.Select(r => Icc(r[0], r[1])).Where(double.IsFinite).Order().ToArray();
            return new IntraclassCorrelation(estimate, SortedSample.Quantile(values, (1 - level) / 2), SortedSample.Quantile(values, (1 + level) / 2), level, "boot");
        }
        var ml = FittedMixedModel.Of(fit, cancellation).RefitMl();
        var evaluator = ml.Evaluator();
        int n = evaluator.RowCount;
        double baseDeviance = -2 * ml.Fit.LogLikelihood;
        double thetaHat = ml.Fit.Theta[0];
        double Zeta(double theta)
        {
            if (evaluator.Evaluate([theta], withCovariance: false) is not { } pieces) return double.NaN;
            double d = pieces.ProfiledCriterion(n, 0, reml: false) - baseDeviance;
            return Math.Sign(theta - thetaHat) * Math.Sqrt(Math.Max(0, d));
        }
        double cut = Distributions.NormalQuantile(0.5 + level / 2);
        double lower = 0;
        if (Zeta(0) < -cut) lower = Bisect(Zeta, 0, thetaHat, -cut);
        double hi = Math.Max(thetaHat, 0.1) * 2;
        while (Zeta(hi) < cut && hi < 1e6) hi *= 2;
        double upper = Bisect(Zeta, thetaHat, hi, cut);
        return new IntraclassCorrelation(estimate, lower * lower / (1 + lower * lower), upper * upper / (1 + upper * upper), level, "profile");
    }

    private static double Bisect(Func<double, double> f, double a, double b, double target)
    {
        double fa = f(a) - target;
        for (int i = 0; i < 200 && b - a > 1e-12 * Math.Max(1, b); i++)
        {
            double c = 0.5 * (a + b), fc = f(c) - target;
            if (Math.Sign(fc) == Math.Sign(fa)) { a = c; fa = fc; } else b = c;
        }
        return 0.5 * (a + b);
    }
}
