using SkiaSharp;
using ScottPlot;

namespace SparseLmm.Plotting;

/// <summary>Fonts and colours shared by every figure.</summary>
public static class PlotStyle
{
    private static readonly string[] PreferredFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];
    private static readonly Lazy<string?> Family = new(FindFamily);

    /// <summary>The font family the figures use: the first installed of DejaVu Sans, Liberation Sans, Noto Sans,
    /// Arial and Helvetica; null when none is (then Skia's default typeface is used).</summary>
    public static string? FontFamily => Family.Value;

    /// <summary>True when Skia sees at least one installed font. Without one, text in the figures is not drawn: on
    /// Debian, <c>apt-get install fonts-dejavu-core</c>.</summary>
    public static bool FontsAvailable => SKFontManager.Default.FontFamilyCount > 0;

    /// <summary>Colour of the population (fixed-effects) line and value.</summary>
    internal static readonly Color Population = new(0x11, 0x11, 0x11);

    /// <summary>Colour of BLUPs and model-based values.</summary>
    internal static readonly Color Model = new(0x1f, 0x77, 0xb4);

    /// <summary>Colour of the observed data and no-pooling estimates.</summary>
    internal static readonly Color Data = new(0x88, 0x88, 0x88);

    /// <summary>Colour of reference lines (zero, identity).</summary>
    internal static readonly Color Reference = new(0xd6, 0x27, 0x28);

    internal static SKTypeface Typeface(bool bold)
    {
        var style = bold ? SKFontStyle.Bold : SKFontStyle.Normal;
        return (FontFamily is { } family ? SKTypeface.FromFamilyName(family, style) : null) ?? SKTypeface.Default;
    }

    /// <summary>A new panel with the common look: white background, the chosen font, light grid.</summary>
    internal static Plot NewPanel(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (FontFamily is { } family) plot.Font.Set(family);
        plot.Title(title, 14);
        plot.XLabel(xLabel, 13);
        plot.YLabel(yLabel, 13);
        plot.Axes.Title.Label.Bold = false;
        plot.Axes.Bottom.Label.Bold = false;
        plot.Axes.Left.Label.Bold = false;
        plot.Grid.MajorLineColor = new Color(0, 0, 0, 24);
        return plot;
    }

    /// <summary>Okabe and Ito's colour-blind-safe palette without its yellow (pale on white) and black (the population).</summary>
    private static readonly Color[] Highlights =
    [
        new(0x00, 0x72, 0xb2), new(0xd5, 0x5e, 0x00), new(0x00, 0x9e, 0x73), new(0xcc, 0x79, 0xa7), new(0x56, 0xb4, 0xe9),
        new(0xe6, 0x9f, 0x00),
    ];

    /// <summary>The colour of highlighted group <paramref name="index"/>.</summary>
    internal static Color HighlightColor(int index) => Highlights[index % Highlights.Length];

    /// <summary>Opacity of one point among <paramref name="count"/>: opaque for a few hundred, fading as 1/√n so that
    /// tens of thousands of points show where they are dense instead of merging into solid bands.</summary>
    internal static double PointAlpha(int count) => Math.Clamp(12 / Math.Sqrt(Math.Max(count, 1)), 0.08, 0.8);

    private static string? FindFamily()
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        return PreferredFamilies.FirstOrDefault(installed.Contains);
    }
}
