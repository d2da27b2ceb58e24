using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>A linear mixed model fit paired with what it was fitted from (<see cref="MixedModelFit.Source"/>), for the
/// inference code: the fit as given (it may be a <c>with</c> copy) and its source.</summary>
internal sealed class FittedMixedModel
{
    private FittedMixedModel(MixedModelFit fit, FitSource source, CancellationToken cancellation)
    {
        Fit = fit;
        Source = source;
        Cancellation = cancellation;
    }

    /// <summary>The fit.</summary>
    public MixedModelFit Fit { get; }

    /// <summary>What it was fitted from.</summary>
    public FitSource Source { get; }

    /// <summary>The caller's token: every evaluator made here looks at it before each factorization, and refits before
    /// each pass over the rows.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>True for a REML fit.</summary>
    public bool Reml => Fit.Method == EstimationMethod.Reml;

    public ModelDesign Design => Source.Design;

    public double[] Response => Source.Response;

    /// <summary>The training table after <see cref="FitOptions.FactorColumns"/> conversions.</summary>
    public DataTable Data => Source.Data;

    public FitOptions Options => Source.Options;

    /// <summary>The fit with its source.</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model fitted by <see cref="MixedModel.Fit(string, DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>.</exception>
    public static FittedMixedModel Of(MixedModelFit fit, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.Source is { } source) return new FittedMixedModel(fit, source, cancellation);
        if (fit.ResidualVariance is not null || fit.ResidualCorrelation is not null)
            throw new InputException(
                "predictions, profile and bootstrap intervals, df and simulation assume independent residuals of one variance; they are not available for a model with a residual structure (varIdent, corAR1)");
        throw new InputException(fit.Family.IsLinearMixedModel
            ? "this fit carries no design: make it with MixedModel.Fit(...)"
            : $"predictions, profile and bootstrap intervals, df and simulation apply to linear mixed models (gaussian family) only, not to a {fit.Family.Name} model (its fitted values on the link and response scales are in the fit: fit --json)");
    }

    /// <summary>The same model refitted by ML over the same cross-products (this object when the fit is already ML).</summary>
    public FittedMixedModel RefitMl() => Reml ? Of(Source.Refit(reml: false, Cancellation), Cancellation) : this;

    /// <summary>The same design refitted to another response (same method), for simulation and bootstrap.</summary>
    public MixedModelFit RefitTo(double[] response) => Source.RefitTo(response, Reml, Cancellation);

    public ThetaEvaluator Evaluator() => Source.Evaluator(Cancellation);
}
