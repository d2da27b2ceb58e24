namespace SparseLmm.Plotting;

/// <summary>The residual variance of a binomial GLMM on its latent scale, so that its variance components and ICC
/// can be read as a linear model's (Nakagawa and Schielzeth 2010; Snijders and Bosker's threshold model): the
/// response is a latent continuous variable crossing a threshold, whose residual is logistic (variance π²/3) for the
/// logit link, standard normal (1) for probit, and extreme-value (π²/6) for cloglog.</summary>
internal static class LatentScale
{
    /// <summary>The latent residual variance and how to name it, or null when the model has no latent scale of this
    /// kind (a linear model, a Poisson or Gamma GLMM, a binomial one with another link).</summary>
    public static (double Variance, string Description)? Residual(Results.MixedModelFit fit)
    {
        if (fit.Family.Kind != FamilyKind.Binomial) return null;
        return fit.Family.Link.Name switch
        {
            "logit" => (Math.PI * Math.PI / 3, "π²/3, the logistic distribution's variance"),
            "probit" => (1.0, "1, the standard normal's variance"),
            "cloglog" => (Math.PI * Math.PI / 6, "π²/6, the extreme-value distribution's variance"),
            _ => null,
        };
    }
}
