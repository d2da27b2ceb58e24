using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>How confidence intervals beyond the fixed effects' Wald intervals are found.</summary>
public enum IntervalMethod
{
    /// <summary>Wald intervals β̂ ± z SE of the fixed effects only (lme4's <c>confint(method = "Wald")</c>).</summary>
    Wald = 0,

    /// <summary>Profile-likelihood intervals for every parameter (lme4's <c>confint(profile(fit))</c>); linear mixed
    /// models only.</summary>
    Profile = 1,

    /// <summary>Percentile intervals of a parametric bootstrap (lme4's <c>confint(method = "boot")</c>); linear mixed
    /// models only.</summary>
    Bootstrap = 2,
}

/// <summary>What inference to compute for a fit (see <see cref="MixedModelFitExtensions.Inference"/>).</summary>
/// <param name="Ddf">The df of the fixed-effect tests; null for the default: Satterthwaite for a linear mixed model that
/// carries its design (at any size: the df cost a few factorizations), z tests otherwise. A GLMM has z tests only.</param>
/// <param name="Intervals">Wald (the default), profile or bootstrap intervals.</param>
/// <param name="Level">Confidence level of every interval.</param>
/// <param name="BootstrapReplicates">Replicates of the bootstrap.</param>
/// <param name="Seed">Random seed of the bootstrap.</param>
public sealed record InferenceOptions(DdfMethod? Ddf = null, IntervalMethod Intervals = IntervalMethod.Wald, double Level = 0.95,
    int BootstrapReplicates = 1000, int Seed = 1)
{
    /// <summary>The defaults.</summary>
    public static InferenceOptions Default { get; } = new();
}

/// <summary>A fit's inference: tests of the fixed effects with their df and p-values, intervals, and the ICC's
/// interval, as the CLI's <c>fit</c> prints them. Made by <see cref="MixedModelFitExtensions.Inference"/>.</summary>
public sealed class FitInference
{
    private FitInference(MixedModelFit fit, MixedModelFit reportedFit, DdfMethod method, IReadOnlyList<FixedEffectTest> tests,
        ConfidenceIntervals wald, ConfidenceIntervals? intervals, BootstrapResult? bootstrap, IntraclassCorrelation? icc)
    {
        Fit = fit;
        ReportedFit = reportedFit;
        Method = method;
        FixedEffectTests = tests;
        WaldIntervals = wald;
        Intervals = intervals;
        Bootstrap = bootstrap;
        IntraclassCorrelation = icc;
    }

    /// <summary>The fit as estimated.</summary>
    public MixedModelFit Fit { get; }

    /// <summary>The fit as reported: with Kenward–Roger's adjusted standard errors when those were asked for, and a
    /// note when the default df fell back to z (a fit that carries no design).</summary>
    public MixedModelFit ReportedFit { get; }

    /// <summary>The df method used.</summary>
    public DdfMethod Method { get; }

    /// <summary>One test per fixed effect: estimate, standard error, df, statistic and two-sided p-value.</summary>
    public IReadOnlyList<FixedEffectTest> FixedEffectTests { get; }

    /// <summary>Wald intervals of the fixed effects.</summary>
    public ConfidenceIntervals WaldIntervals { get; }

    /// <summary>Profile or bootstrap intervals of every parameter, when asked for; null otherwise.</summary>
    public ConfidenceIntervals? Intervals { get; }

    /// <summary>The bootstrap replicates behind <see cref="Intervals"/> when they are bootstrap intervals.</summary>
    public BootstrapResult? Bootstrap { get; }

    /// <summary>The ICC with its profile or bootstrap interval, for a single random intercept when those intervals were
    /// asked for; null otherwise (the ICC's estimate alone is <see cref="MixedModelFit.IntraclassCorrelation"/>).</summary>
    public IntraclassCorrelation? IntraclassCorrelation { get; }

    /// <summary>lme4's summary with lmerTest's df and Pr(&gt;|t|) columns (z and Pr(&gt;|z|) for z tests), then the
    /// intervals and the ICC's interval: the text the CLI's <c>fit</c> prints.</summary>
    /// <param name="dataName">The data's name, shown as <c>Data:</c> when given.</param>
    public string Summary(string? dataName = null) =>
        // A GLMM's summary already has lme4's z tests.
        InferenceReport.Summary(ReportedFit, dataName, Fit.Family.IsLinearMixedModel ? FixedEffectTests : null, Method,
            [Intervals ?? WaldIntervals], IntraclassCorrelation);

    /// <summary>Computes the inference <paramref name="options"/> ask for.</summary>
    internal static FitInference Compute(MixedModelFit fit, InferenceOptions options) => Compute(fit, options, null, null, default);

    /// <summary>Computes the inference <paramref name="options"/> ask for, telling <paramref name="stages"/> each long
    /// step before it starts ("Satterthwaite df", "Kenward-Roger df", "profiling", "boot") and
    /// <paramref name="replicates"/> the bootstrap's replicates done (the command line's progress line), and stopping
    /// when <paramref name="cancellation"/> fires.</summary>
    internal static FitInference Compute(MixedModelFit fit, InferenceOptions options, IProgress<string>? stages, IProgress<int>? replicates,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        // Looked at here too: Satterthwaite's df from the stencil the fit carries need no factorization to look at it.
        cancellation.ThrowIfCancellationRequested();
        bool linear = fit.Family.IsLinearMixedModel;
        if (!linear && (options.Ddf is DdfMethod.Satterthwaite or DdfMethod.KenwardRoger || options.Intervals != IntervalMethod.Wald))
            throw new InputException(
                $"df (Satterthwaite, Kenward-Roger) and profile or bootstrap intervals apply to linear mixed models; a {fit.Family.Name} model has z tests and Wald intervals");
        var notes = new List<string>();
        var method = options.Ddf ?? DefaultMethod(fit);
        if (options.Ddf is null && method == DdfMethod.None && linear)
            notes.Add("fixed-effect p-values use the normal distribution (the fit carries no design for Satterthwaite df)");
        if (method is DdfMethod.Satterthwaite or DdfMethod.KenwardRoger)
            stages?.Report(method == DdfMethod.KenwardRoger ? "Kenward-Roger df" : "Satterthwaite df");
        var tests = Inference.FixedEffectTests.Compute(fit, method, cancellation);
        var reported = notes.Count == 0 ? fit : fit with { Notes = [.. fit.Notes, .. notes] };
        if (method == DdfMethod.KenwardRoger)
            reported = reported with { FixedEffects = fit.FixedEffects.Select((e, j) => e with { StandardError = tests[j].StandardError }).ToList() };
        var wald = ConfidenceIntervalMethods.Wald(fit, options.Level);
        BootstrapResult? bootstrap = null;
        if (options.Intervals != IntervalMethod.Wald)
            stages?.Report(options.Intervals == IntervalMethod.Profile ? "profiling" : "boot");
        var intervals = options.Intervals switch
        {
            IntervalMethod.Profile => ConfidenceIntervalMethods.Profile(fit, options.Level, cancellation),
            IntervalMethod.Bootstrap => Simulation.PercentileIntervals(
                bootstrap = Simulation.Bootstrap(fit, options.BootstrapReplicates, options.Seed, replicates, cancellation), options.Level),
            _ => null,
        };
        var icc = intervals is not null && fit.IntraclassCorrelation is not null
            ? VarianceDecomposition.Icc(fit, options.Level, bootstrap, cancellation)
            : null;
        return new FitInference(fit, reported, method, tests, wald, intervals, bootstrap, icc);
    }

    private static DdfMethod DefaultMethod(MixedModelFit fit) =>
        fit.Family.IsLinearMixedModel && fit.Source is not null
            ? DdfMethod.Satterthwaite
            : DdfMethod.None;
}
