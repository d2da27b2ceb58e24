using System.Runtime.CompilerServices;
using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>A linear mixed model fit together with what inference needs beyond the immutable result: the design
/// (X, Z, the coding of every term) and the training table. Create it with <see cref="Create(string, DataTable, FitOptions?)"/>
/// (fits the model) or <see cref="For"/> (attaches data to a fit made elsewhere).</summary>
public sealed class FittedMixedModel
{
    private static readonly ConditionalWeakTable<MixedModelFit, FittedMixedModel> Registry = new();

    private FittedMixedModel(MixedModelFit fit, ModelDesign design, double[] response, DataTable data, FitOptions options)
    {
        Fit = fit;
        Design = design;
        Response = response;
        Data = data;
        Options = options;
        Registry.AddOrUpdate(fit, this);
    }

    /// <summary>The fit.</summary>
    public MixedModelFit Fit { get; }

    /// <summary>The options the model was fitted with.</summary>
    public FitOptions Options { get; }

    /// <summary>True for a REML fit.</summary>
    public bool Reml => Fit.Method == EstimationMethod.Reml;

    internal ModelDesign Design { get; }

    internal double[] Response { get; }

    /// <summary>The training table after <see cref="FitOptions.FactorColumns"/> conversions.</summary>
    internal DataTable Data { get; }

    /// <summary>Fits <paramref name="formula"/> (a gaussian linear mixed model) to <paramref name="data"/>.</summary>
    /// <exception cref="InputException">The formula, data or options are not usable.</exception>
    public static FittedMixedModel Create(string formula, DataTable data, FitOptions? options = null)
    {
        options ??= FitOptions.Default;
        RequireGaussian(options);
        var parsed = FormulaParser.Parse(formula);
        data = ConvertFactors(data, options);
        var design = ModelDesignBuilder.Build(parsed, data, gaussian: true);
        var fit = LinearMixedModelFitter.Fit(design, options.Reml, new ThreadBudget(options.Threads));
        return new FittedMixedModel(fit, design, NumericResponse(design), data, options);
    }

    /// <summary>Attaches the training data to a linear mixed model fit made by <see cref="MixedModel.Fit(string, DataTable, FitOptions?)"/>:
    /// rebuilds the design (no refit).</summary>
    /// <exception cref="InputException">The fit is not a linear mixed model or the data do not give the fit's rows.</exception>
    public static FittedMixedModel For(MixedModelFit fit, DataTable data, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (Registry.TryGetValue(fit, out var known)) return known;
        options ??= new FitOptions(Reml: fit.Method == EstimationMethod.Reml);
        if (fit.Family != "gaussian" || fit.Method is not (EstimationMethod.Reml or EstimationMethod.MaximumLikelihood))
            throw new InputException("this inference applies to linear mixed models (gaussian family, REML or ML fits)");
        data = ConvertFactors(data, options);
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(fit.Formula), data, gaussian: true);
        if (design.RowCount != fit.ObservationCount || design.FixedEffectCount != fit.FixedEffects.Count)
            throw new InputException($"the data give {design.RowCount} rows and {design.FixedEffectCount} fixed effects; the fit has {fit.ObservationCount} and {fit.FixedEffects.Count}: pass the data the model was fitted to");
        return new FittedMixedModel(fit, design, NumericResponse(design), data, options);
    }

    /// <summary>The model registered for <paramref name="fit"/> by <see cref="Create(string, DataTable, FitOptions?)"/> or <see cref="For"/>.</summary>
    internal static FittedMixedModel Lookup(MixedModelFit fit) =>
        Registry.TryGetValue(fit, out var model)
            ? model
            : throw new InvalidOperationException(
                "this fit carries no design: create it with FittedMixedModel.Create(...) or attach its data with FittedMixedModel.For(fit, data)");

    /// <summary>The same model refitted by ML (this object when the fit is already ML).</summary>
    public FittedMixedModel RefitMl()
    {
        if (!Reml) return this;
        var fit = LinearMixedModelFitter.Fit(Design, reml: false, new ThreadBudget(Options.Threads));
        return new FittedMixedModel(fit, Design, Response, Data, Options with { Reml = false });
    }

    /// <summary>The same design refitted to another response (same method), for simulation and bootstrap.</summary>
    internal MixedModelFit RefitTo(double[] response)
    {
        var design = Design with { Response = new NumericResponse(Design.Response.Label, response) };
        return LinearMixedModelFitter.Fit(design, Reml);
    }

    internal ThetaEvaluator Evaluator() => new(Design, Response);

    private static void RequireGaussian(FitOptions options)
    {
        var family = options.EffectiveFamily();
        if (!family.IsLinearMixedModel)
            throw new InputException(
                $"predictions, profile and bootstrap intervals, df and simulation apply to linear mixed models (gaussian family) only, not to a {family.Name} model (its fitted values on the link and response scales are in the fit: fit --json)");
        if (options.WeightsColumn is not null)
            throw new InputException("prior weights are supported for the binomial, poisson and Gamma families only, not for a gaussian model");
        if (options.QuadratureNodes != 1)
            throw new InputException(
                $"nAGQ = {options.QuadratureNodes} applies to binomial, poisson and Gamma models; a gaussian model is fitted by REML or ML");
    }

    private static DataTable ConvertFactors(DataTable data, FitOptions options)
    {
        foreach (var column in options.FactorColumns ?? [])
            data = ColumnConversions.ToCategorical(data, column);
        return data;
    }

    private static double[] NumericResponse(ModelDesign design) =>
        design.Response is NumericResponse numeric
            ? numeric.Values
            : throw new InputException($"response '{design.Response.Label}' is not numeric; a linear mixed model needs a numeric response");
}
