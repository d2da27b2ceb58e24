namespace SparseLmm.Results;

/// <summary>The criterion a model is fitted by.</summary>
public enum EstimationMethod
{
    /// <summary>Restricted maximum likelihood (the default for linear mixed models, as lme4).</summary>
    Reml,
    /// <summary>Maximum likelihood.</summary>
    MaximumLikelihood,
    /// <summary>Laplace approximation to the GLMM likelihood.</summary>
    Laplace,
    /// <summary>Adaptive Gauss–Hermite quadrature.</summary>
    AdaptiveGaussHermite,
}
