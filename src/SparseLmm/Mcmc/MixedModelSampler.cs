using System.Diagnostics;
using SparseLmm.Inference;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Mcmc;

/// <summary>Markov chain Monte Carlo for a linear mixed model, over the cross-products and the factor of its fit.</summary>
/// <example><code>
/// var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", "sleepstudy");
/// var posterior = MixedModelSampler.Sample(fit, new McmcOptions(Draws: 1000, Chains: 4, Seed: 1));
/// Console.WriteLine(posterior.Summary());
/// </code></example>
public static class MixedModelSampler
{
    /// <summary>Random effects are kept (summarised and written) while chains × draws × their number stays below this.</summary>
    private const long RandomEffectValueLimit = 20_000_000;

    /// <summary>Draws from the posterior of the model <paramref name="fit"/> was fitted to (collapsed Gibbs: θ by slice
    /// sampling on its exact marginal posterior, then σ² and (β, u) exactly from their conditionals; see the README).
    /// The chains run in parallel; chain c uses its own random stream of (seed, c), so the draws do not depend on the
    /// number of threads. Each chain starts near the fit's θ̂.</summary>
    /// <param name="fit">A linear mixed model fit.</param>
    /// <param name="options">Draws, chains, warmup, seed, prior, level, threads; <see cref="McmcOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Stops the chains: each looks at it before every iteration.</param>
    /// <exception cref="InputException">The fit is not a linear mixed model from <see cref="MixedModel.Fit(string, Data.DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>,
    /// or an option is out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static McmcResult Sample(MixedModelFit fit, McmcOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= McmcOptions.Default;
        if (!fit.Family.IsLinearMixedModel)
            throw new InputException($"MCMC is implemented for linear mixed models (gaussian family), not for a {fit.Family.Name} model");
        var model = FittedMixedModel.Of(fit);
        // The priors are densities over an unstructured T (SDs and an LKJ correlation); a structured term's θ is not.
        if (model.Source.Parameterization.IsStructured)
            throw new InputException("MCMC is implemented for unstructured covariances, not for diag(), cs() or ar1() terms");
        if (options.Draws < 4) throw new InputException("MCMC needs at least 4 draws per chain");
        if (options.Chains < 1) throw new InputException("MCMC needs at least one chain");
        if (options.Warmup < 0) throw new InputException("the MCMC warmup cannot be negative");
        if (options.Seed < 0) throw new InputException("the MCMC seed cannot be negative");
        if (!(options.Level > 0 && options.Level < 1)) throw new InputException("the interval level must be between 0 and 1");
        int warmup = options.Warmup ?? options.Draws;
        var source = model.Source;
        var terms = source.Terms;
        long randomValues = (long)options.Chains * options.Draws * terms.Sum(t => (long)t.Size);
        bool keepRandom = randomValues <= RandomEffectValueLimit;
        var names = fit.FixedEffects.Select(e => e.Name).ToList();
        // Names and counts from this one; each chain fills its draws through its own (it owns buffers).
        var layout = new ParameterLayout(terms, source.Parameterization, names, keepRandom);
        var theta = fit.Theta.ToArray();
        var budget = new ThreadBudget(options.Threads ?? source.Options.Threads);

        var clock = Stopwatch.StartNew();
        var draws = new double[options.Chains][];
        CancellableParallel.For(options.Chains, cancellationToken, c =>
        {
            var random = new RandomStream((ulong)options.Seed, c);
            var chainLayout = new ParameterLayout(terms, source.Parameterization, names, keepRandom);
            var chain = new LinearChain(source.Products, options.Prior, chainLayout, Start(theta, source.Parameterization, random), random);
            draws[c] = new double[options.Draws * layout.Count];
            chain.Run(warmup, options.Draws, draws[c], cancellationToken);
        }, budget.Degree);
        double milliseconds = clock.Elapsed.TotalMilliseconds;

        var summaries = new McmcParameterSummary[layout.Count];
        Parallel.For(0, layout.Count, new ParallelOptions { MaxDegreeOfParallelism = budget.Degree }, j =>
            summaries[j] = Summarise(layout.Names[j], draws, options.Draws, layout.Count, j, options.Level));
        var notes = new List<string>();
        if (!keepRandom)
            notes.Add($"random effects not kept: {randomValues:N0} values is more than {RandomEffectValueLimit:N0}; use fewer draws or chains to keep them");
        if (!McmcResult.MeetsThresholds(summaries, options.Chains))
            notes.Add($"some parameters have R-hat >= {McmcResult.RhatThreshold} or ESS below {McmcResult.EssPerChain * options.Chains}: run longer chains before trusting these numbers");
        return new McmcResult(layout.Names, layout.HyperparameterCount, draws, options.Draws, options, warmup, milliseconds, summaries, notes);
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
        var sorted = pooled.Order().ToArray();
        var (rhat, bulk, tail) = ConvergenceDiagnostics.Compute(chains);
        return new McmcParameterSummary(name, mean, sd, SortedSample.Quantile(sorted, (1 - level) / 2),
            SortedSample.Quantile(sorted, (1 + level) / 2), rhat, bulk, tail);
    }
}
