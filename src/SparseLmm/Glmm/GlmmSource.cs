using SparseLmm.Design;

namespace SparseLmm.Glmm;

/// <summary>What a GLMM was fitted from, kept on the fit for the posterior sampler (which runs PIRLS again at every θ
/// it visits): the design (X in the original coordinates), the response with its prior weights, the random-effects
/// terms in the fitter's order (most levels first) and the fit's thread limit.</summary>
internal sealed record GlmmSource(ModelDesign Design, GlmmResponse Response, IReadOnlyList<RandomEffectsDesign> Terms, int? Threads);
