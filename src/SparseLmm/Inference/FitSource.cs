using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Optimization;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>What a linear mixed model fit was fitted from, carried by the fit (<see cref="MixedModelFit.Source"/>): the
/// design (formula, kept rows, X, Z and the coding of every term), the training table after the options' factor
/// conversions, the options, and the cross-products of [Z X y] from the fit's one pass over the rows together with
/// their layout's symbolic analysis. Satterthwaite and Kenward–Roger df, profiles, the ICC's interval, prediction,
/// simulation and the bootstrap start from here instead of parsing the formula and passing over the rows again.
/// <para>Nothing here changes after the fit: the cross-products are only read, so every evaluator (one per thread)
/// factors its own copy of the system over the same ones.</para></summary>
internal sealed class FitSource
{
    public FitSource(ModelDesign design, DataTable data, FitOptions options, CrossProducts products)
    {
        Design = design;
        Data = data;
        Options = options;
        Products = products;
        Response = ((NumericResponse)design.Response).Values;
        Parameterization = new CovarianceParameterization(Terms);
    }

    /// <summary>The design the fit was computed from.</summary>
    public ModelDesign Design { get; }

    /// <summary>The training table after <see cref="FitOptions.FactorColumns"/> conversions.</summary>
    public DataTable Data { get; }

    /// <summary>The options the model was fitted with.</summary>
    public FitOptions Options { get; }

    /// <summary>The accumulated cross-products of [Z X y] (read only).</summary>
    public CrossProducts Products { get; }

    /// <summary>The response per kept row.</summary>
    public double[] Response { get; }

    /// <summary>Random-effects terms in θ order (most levels first, as the fitter orders them).</summary>
    public IReadOnlyList<RandomEffectsDesign> Terms => Products.Layout.Terms;

    /// <summary>The θ ↔ T mapping of <see cref="Terms"/>.</summary>
    public CovarianceParameterization Parameterization { get; }

    /// <summary>The same model fitted by REML or ML over the same cross-products (no pass over the rows); the fit
    /// carries a source with <see cref="FitOptions.Reml"/> set accordingly. <paramref name="cancellation"/> stops the search.</summary>
    public MixedModelFit Refit(bool reml, CancellationToken cancellation = default)
    {
        var source = reml == Options.Reml ? this : new FitSource(Design, Data, Options with { Reml = reml }, Products);
        return StructuredFixedCovariance.Apply(
            LinearMixedModelFitter.Fit(Design, Products, reml, new FitMonitor(cancellation)) with { Source = source });
    }

    /// <summary>The same design fitted to another response (for simulation and the bootstrap): the layout's symbolic
    /// analysis is reused and one pass over the rows accumulates the new response's cross-products. The fit carries no
    /// source. <paramref name="cancellation"/> stops the pass and the search.</summary>
    public MixedModelFit RefitTo(double[] response, bool reml, CancellationToken cancellation = default)
    {
        var design = Design with { Response = new NumericResponse(Design.Response.Label, response) };
        var products = new CrossProducts(Products.Layout);
        products.AccumulateCentred(design, response, cancellation);
        return LinearMixedModelFitter.Fit(design, products, reml, new FitMonitor(cancellation));
    }

    /// <summary>A new evaluator of the likelihood's pieces at any θ (not thread-safe: one per thread), stopped by
    /// <paramref name="cancellation"/>.</summary>
    public ThetaEvaluator Evaluator(CancellationToken cancellation = default) => new(this, cancellation);
}
