using System.Diagnostics;
using SparseLmm.Inference;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Mcmc;

/// <summary>Markov chain Monte Carlo for a linear mixed model (over the cross-products and the factor of its fit) and for
/// a binomial (logit) or Poisson (log) GLMM (over its PIRLS systems).</summary>
/// <example><code>
/// var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", "sleepstudy");
/// var posterior = MixedModelSampler.Sample(fit, new McmcOptions(Draws: 1000, Chains: 4, Seed: 1));
/// Console.WriteLine(posterior.Summary());
/// </code></example>
public static class MixedModelSampler
{
    /// <summary>Random effects are kept (summarised and written) while chains × draws × their number stays below this.</summary>
    private const long RandomEffectValueLimit = 20_000_000;

    /// <summary>Draws from the posterior of the model <paramref name="fit"/> was fitted to. A linear mixed model:
    /// collapsed Gibbs (θ by slice sampling on its exact marginal posterior, then σ² and (β, u) exactly from their
    /// conditionals). A binomial (logit) or Poisson (log) GLMM: Metropolis–Hastings in coordinates a Gaussian
    /// approximation whitens ((β, u) = m(θ) + L⁻ᵀz through the factor at θ of the model linearized at the fit's modes),
    /// θ by random-walk and independence moves with z kept, z by independence and preconditioned Crank–Nicolson moves at
    /// fixed θ, accepted by the exact posterior (see the README). The chains run in parallel; chain c uses its own
    /// random stream of (seed, c), so the draws do not depend on the number of threads. Each chain starts near the
    /// fit's θ̂.</summary>
    /// <param name="fit">A linear mixed model or GLMM fit.</param>
    /// <param name="options">Draws, chains, warmup, seed, prior, level, threads; <see cref="McmcOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Stops the chains: each looks at it before every iteration.</param>
    /// <exception cref="InputException">The fit is not from <see cref="MixedModel.Fit(string, Data.DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>,
    /// its family or link has no sampler (Gamma; binomial other than logit; Poisson other than log), or an option is
    /// out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static McmcResult Sample(MixedModelFit fit, McmcOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= McmcOptions.Default;
        var model = fit.Family.IsLinearMixedModel ? Linear(fit, options, cancellationToken) : Generalized(fit, cancellationToken);
        // The priors are densities over an unstructured T (SDs and an LKJ correlation); a structured term's θ is not.
        if (model.Parameterization.IsStructured)
            throw new InputException("MCMC is implemented for unstructured covariances, not for diag(), cs() or ar1() terms");
        if (options.Draws < 4) throw new InputException("MCMC needs at least 4 draws per chain");
        if (options.Chains < 1) throw new InputException("MCMC needs at least one chain");
        if (options.Warmup < 0) throw new InputException("the MCMC warmup cannot be negative");
        if (options.Seed < 0) throw new InputException("the MCMC seed cannot be negative");
        if (!(options.Level > 0 && options.Level < 1)) throw new InputException("the interval level must be between 0 and 1");
        int warmup = options.Warmup ?? options.Draws;
        var terms = model.Terms;
        long randomValues = (long)options.Chains * options.Draws * terms.Sum(t => (long)t.Size);
        bool keepRandom = randomValues <= RandomEffectValueLimit;
        var names = fit.FixedEffects.Select(e => e.Name).ToList();
        // Names and counts from this one; each chain fills its draws through its own (it owns buffers).
        ParameterLayout NewLayout() => new(terms, model.Parameterization, names, keepRandom, model.HasSigma);
        var layout = NewLayout();
        var theta = fit.Theta.ToArray();
        var budget = new ThreadBudget(options.Threads ?? model.Threads);
        int chainThreads = Math.Max(1, budget.Degree / options.Chains);

        var clock = Stopwatch.StartNew();
        var draws = new double[options.Chains][];
        var acceptance = new (int Accepted, int Proposed)[options.Chains];
        CancellableParallel.For(options.Chains, cancellationToken, c =>
        {
            var random = new RandomStream((ulong)options.Seed, c);
            draws[c] = new double[options.Draws * layout.Count];
            acceptance[c] = model.Run(Start(theta, model.Parameterization, random), random, NewLayout(), new ThreadBudget(chainThreads),
                options, warmup, draws[c]);
        }, budget.Degree);
        double milliseconds = clock.Elapsed.TotalMilliseconds;

        var summaries = new McmcParameterSummary[layout.Count];
        Parallel.For(0, layout.Count, new ParallelOptions { MaxDegreeOfParallelism = budget.Degree }, j =>
            summaries[j] = Summarise(layout.Names[j], draws, options.Draws, layout.Count, j, options.Level));
        var notes = new List<string>();
        double? acceptanceRate = acceptance.Sum(a => a.Proposed) == 0 ? null : acceptance.Sum(a => a.Accepted) / (double)acceptance.Sum(a => a.Proposed);
        if (acceptanceRate < LowAcceptance)
            notes.Add($"only {acceptanceRate:P0} of the Metropolis moves were accepted: the Laplace proposal fits this posterior poorly, so the chains move slowly");
        if (!keepRandom)
            notes.Add($"random effects not kept: {randomValues:N0} values is more than {RandomEffectValueLimit:N0}; use fewer draws or chains to keep them");
        if (!McmcResult.MeetsThresholds(summaries, options.Chains))
            notes.Add($"some parameters have R-hat >= {McmcResult.RhatThreshold} or ESS below {McmcResult.EssPerChain * options.Chains}: run longer chains before trusting these numbers");
        return new McmcResult(layout.Names, layout.HyperparameterCount, draws, options.Draws, options, warmup, milliseconds, summaries, notes,
            model.Algorithm, acceptanceRate);
    }

    /// <summary>Below this acceptance rate of the GLMM sampler's moves, a note says the proposal fits poorly.</summary>
    private const double LowAcceptance = 0.1;

    /// <summary>What the sampler needs of a model: its terms and θ mapping, whether it has a residual SD, the fit's
    /// thread limit, the algorithm's name for the output, and how one chain runs (returning its accepted and proposed
    /// Metropolis moves after the warmup, 0 of 0 for the Gibbs sampler; stopped by the caller's token).</summary>
    private sealed record SamplerModel(
        IReadOnlyList<Design.RandomEffectsDesign> Terms, Engine.CovarianceParameterization Parameterization, bool HasSigma, int? Threads,
        string Algorithm, Func<double[], RandomStream, ParameterLayout, ThreadBudget, McmcOptions, int, double[], (int, int)> Run);

    private static SamplerModel Linear(MixedModelFit fit, McmcOptions options, CancellationToken cancellation)
    {
        var source = FittedMixedModel.Of(fit).Source;
        // One deterministic check per model, shared by the chains: where θ's posterior is close to Gaussian, the chains
        // move θ by independence Metropolis with one factorization per iteration.
        var laplace = source.Parameterization.IsStructured ? null
            : ThetaLaplace.Find(new ThetaPosterior(source.Products, options.Prior), source.Parameterization, fit.Theta.ToArray(), cancellation);
        return new SamplerModel(source.Terms, source.Parameterization, true, source.Options.Threads,
            laplace is null
                ? "collapsed Gibbs: slice-sampled theta, exact sigma and (beta, u)"
                : "collapsed Gibbs: theta by independence Metropolis (t proposal around the posterior's Gaussian approximation), exact sigma and (beta, u)",
            (start, random, layout, _, options, warmup, output) =>
            {
                var chain = new LinearChain(source.Products, options.Prior, layout, start, random, laplace);
                chain.Run(warmup, options.Draws, output, cancellation);
                return chain.Moves;
            });
    }

    /// <summary>Null when the sampler applies to models of <paramref name="family"/>; else the one-line reason.</summary>
    internal static string? WhyNot(Family family) =>
        family.IsLinearMixedModel || (family.Kind == FamilyKind.Binomial && family.Link == Link.Logit)
            || (family.Kind == FamilyKind.Poisson && family.Link == Link.Log)
            ? null
            : $"MCMC is implemented for gaussian models, binomial models with the logit link and Poisson models with the log link, not for a {family.Name} model with the {family.Link.Name} link";

    private static SamplerModel Generalized(MixedModelFit fit, CancellationToken cancellation)
    {
        if (WhyNot(fit.Family) is { } reason) throw new InputException(reason);
        var source = fit.GlmmSource ?? throw new InputException("this fit carries no design: make it with MixedModel.Fit(...)");
        var design = source.Design;
        // The chains work in the fitter's centred coordinates (see FixedEffectScaling.Standardized); a flat prior on β
        // is flat in them too, and each draw is mapped back.
        var coordinates = Engine.FixedEffectScaling.Standardized(design.X, design.RowCount, design.FixedEffectCount);
        var centred = design with { X = coordinates.Transform(design.X) };
        var anchor = fit.Theta.ToArray();
        return new SamplerModel(source.Terms, new Engine.CovarianceParameterization(source.Terms), false, source.Threads,
            "Metropolis-Hastings in coordinates whitened by the model linearized at the fit's modes: random-walk and independence moves of theta, independence and pCN moves of (beta, u)",
            (start, random, layout, threads, options, warmup, output) =>
            {
                var chain = new GeneralizedChain(centred, coordinates, source.Terms, source.Response, options.Prior, layout, anchor, start, random, threads);
                chain.Run(warmup, options.Draws, output, cancellation);
                return (chain.Accepted, chain.Proposed);
            });
    }

    /// <summary>A chain's start: θ̂ with each diagonal entry (at least 0.05) times e^(0.3 z) and each off-diagonal entry
    /// moved by 0.1 z, so that the chains start apart (R-hat compares them) but in the posterior's bulk.</summary>
    private static double[] Start(double[] theta, Engine.CovarianceParameterization parameterization, RandomStream random)
    {
        var start = new double[theta.Length];
        for (int j = 0; j < theta.Length; j++)
            start[j] = parameterization.IsDiagonal(j)
                ? Math.Max(theta[j], 0.05) * Math.Exp(0.3 * random.Normal())
                : theta[j] + 0.1 * random.Normal();
        return start;
    }

    private static McmcParameterSummary Summarise(string name, double[][] draws, int count, int stride, int parameter, double level)
    {
        var chains = draws.Select(chain =>
        {
            var values = new double[count];
            for (int d = 0; d < count; d++) values[d] = chain[d * stride + parameter];
            return values;
        }).ToList();
        var pooled = chains.SelectMany(c => c).ToArray();
        double mean = pooled.Average();
        double sd = Math.Sqrt(pooled.Sum(x => (x - mean) * (x - mean)) / (pooled.Length - 1));
        Array.Sort(pooled);
        var sorted = pooled;
        var (rhat, bulk, tail) = ConvergenceDiagnostics.Compute(chains);
        return new McmcParameterSummary(name, mean, sd, SortedSample.Quantile(sorted, (1 - level) / 2),
            SortedSample.Quantile(sorted, (1 + level) / 2), rhat, bulk, tail);
    }
}
