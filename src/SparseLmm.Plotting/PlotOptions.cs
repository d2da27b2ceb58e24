namespace SparseLmm.Plotting;

/// <summary>Choices for drawing a figure. Every member has a sensible default.</summary>
/// <param name="Width">Image width in pixels; null picks one for the kind (about 1000).</param>
/// <param name="Height">Image height in pixels; null picks one from the kind and the number of panels and levels.</param>
/// <param name="Group">For <see cref="PlotKind.Shrinkage"/>, <see cref="PlotKind.Intercepts"/> and
/// <see cref="PlotKind.Slopes"/>: the grouping factor to show (e.g. <c>Subject</c>); null picks the first that applies
/// (shrinkage shows every factor when null).</param>
/// <param name="Covariate">For <see cref="PlotKind.Intercepts"/> and <see cref="PlotKind.Slopes"/>: the numeric
/// column on the x axis; null picks the random slope's column (slopes) or the first numeric fixed-effect column.</param>
/// <param name="MaxLabeledLevels">Level names are written on the axis of shrinkage and caterpillar panels with at
/// most this many levels; larger factors name only the levels at each end.</param>
public sealed record PlotOptions(
    int? Width = null,
    int? Height = null,
    string? Group = null,
    string? Covariate = null,
    int MaxLabeledLevels = 40)
{
    /// <summary>The defaults.</summary>
    public static PlotOptions Default { get; } = new();
}
