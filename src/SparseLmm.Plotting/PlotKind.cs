namespace SparseLmm.Plotting;

/// <summary>The figures that can be drawn for a fitted mixed model.</summary>
public enum PlotKind
{
    /// <summary>Per group, the no-pooling estimate (a separate least-squares fit to the group's rows) against the
    /// model's group-specific coefficient (fixed effect + BLUP), with an arrow toward the population value; points
    /// coloured by group size. Linear mixed models only; needs the data.</summary>
    Shrinkage,

    /// <summary>Group-specific lines (population intercept + the group's random intercept) with the common fixed
    /// slope of a numeric covariate, around the population line, over the data. Linear mixed models with a numeric
    /// covariate in the fixed part; needs the data.</summary>
    Intercepts,

    /// <summary>The between-group variance components (random intercepts) and the within-group (residual) variance,
    /// with each one's share of the total and the intraclass correlation. Linear mixed models only.</summary>
    Variance,

    /// <summary>Group-specific trajectories (fixed effects + the group's random intercept and slope) around the
    /// population line, over the data. Needs a random slope on a numeric covariate; needs the data.</summary>
    Slopes,

    /// <summary>The BLUPs of every grouping factor and term with 95% conditional intervals (± 1.96 conditional SD),
    /// sorted. Linear and generalized models.</summary>
    Caterpillar,

    /// <summary>Conditional residuals against fitted values (on the response scale for a GLMM).</summary>
    Residuals,

    /// <summary>Normal quantile–quantile plots of the conditional residuals (linear models) and of each random
    /// effect.</summary>
    QQ,

    /// <summary>MCMC traces: each chain's draws of every variance parameter, σ and fixed effect against the draw
    /// index. Needs posterior draws (<see cref="Mcmc.MixedModelSampler.Sample"/>, <c>--mcmc N</c>).</summary>
    Trace,

    /// <summary>MCMC posterior densities: each chain's kernel density of every variance parameter, σ and fixed effect,
    /// with the central interval. Needs posterior draws (<see cref="Mcmc.MixedModelSampler.Sample"/>,
    /// <c>--mcmc N</c>).</summary>
    Density,
}

/// <summary>Names of the plot kinds as the command line spells them (<c>shrinkage</c>, <c>qq</c>, ...).</summary>
public static class PlotKinds
{
    /// <summary>Every kind, in the order the HTML report shows them.</summary>
    public static IReadOnlyList<PlotKind> All { get; } = Enum.GetValues<PlotKind>();

    /// <summary>The kind's lower-case name, e.g. <c>caterpillar</c>.</summary>
    /// <param name="kind">The kind.</param>
    public static string Name(this PlotKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The kind named <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">A name such as <c>shrinkage</c> or <c>qq</c>.</param>
    /// <exception cref="InputException">No kind has that name; the message lists the kinds.</exception>
    public static PlotKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var kind in All)
            if (string.Equals(kind.Name(), name.Trim(), StringComparison.OrdinalIgnoreCase))
                return kind;
        throw new InputException($"unknown plot kind '{name}' (kinds: {string.Join(", ", All.Select(k => k.Name()))})");
    }
}
