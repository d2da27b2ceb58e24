using System.Text;
using SkiaSharp;

namespace SparseLmm.Plotting;

/// <summary>A drawn figure: a title, a subtitle and one or more ScottPlot panels in a grid. Render it with
/// <see cref="ToPng"/>, <see cref="ToSvg"/> or <see cref="Save"/>; the panels (<see cref="Panels"/>) can be restyled
/// with ScottPlot's API before rendering. Dispose it when done.</summary>
public sealed class ModelPlot : IDisposable
{
    private const float TitleSize = 19f;
    private const float SubtitleSize = 13.5f;

    internal ModelPlot(PlotKind kind, string title, string subtitle, IReadOnlyList<ScottPlot.Plot> panels, int columns,
        int width, int height)
    {
        Kind = kind;
        Title = title;
        Subtitle = subtitle;
        Panels = panels;
        Columns = Math.Max(1, Math.Min(columns, panels.Count));
        Width = width;
        Height = height;
    }

    /// <summary>The kind of figure.</summary>
    public PlotKind Kind { get; }

    /// <summary>The figure's title, drawn at the top.</summary>
    public string Title { get; }

    /// <summary>The line under the title (the model formula and what the figure shows).</summary>
    public string Subtitle { get; }

    /// <summary>The panels, in reading order (left to right, then down).</summary>
    public IReadOnlyList<ScottPlot.Plot> Panels { get; }

    /// <summary>Panels per row.</summary>
    public int Columns { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>The figure as a PNG image.</summary>
    public byte[] ToPng()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info)
            ?? throw new InvalidOperationException($"could not create a {Width}x{Height} drawing surface");
        Render(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The figure as an SVG document.</summary>
    public string ToSvg()
    {
        using var stream = new MemoryStream();
        using (var managed = new SKManagedWStream(stream))
        using (var canvas = SKSvgCanvas.Create(SKRect.Create(Width, Height), managed))
        {
            Render(canvas);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the figure to <paramref name="path"/>: PNG for a <c>.png</c> file, SVG for <c>.svg</c>.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="InputException">The extension is neither <c>.png</c> nor <c>.svg</c>.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        switch (FormatOf(path))
        {
            case PlotImageFormat.Png:
                File.WriteAllBytes(path, ToPng());
                break;
            default:
                File.WriteAllText(path, ToSvg(), new UTF8Encoding(false));
                break;
        }
    }

    /// <summary>The image format a file name asks for.</summary>
    /// <param name="path">A file name ending in <c>.png</c> or <c>.svg</c> (any case).</param>
    /// <exception cref="InputException">Any other extension.</exception>
    public static PlotImageFormat FormatOf(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".png" => PlotImageFormat.Png,
            ".svg" => PlotImageFormat.Svg,
            _ => throw new InputException(
                $"cannot tell the image format of '{Path.GetFileName(path)}': the file name must end in .png or .svg"),
        };
    }

    /// <summary>Draws the figure on <paramref name="canvas"/> (white background, title, subtitle, panels).</summary>
    /// <param name="canvas">A canvas at least <see cref="Width"/> × <see cref="Height"/> pixels.</param>
    public void Render(SKCanvas canvas)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        canvas.Clear(SKColors.White);

        using var titleFont = new SKFont(PlotStyle.Typeface(bold: true), TitleSize);
        using var subtitleFont = new SKFont(PlotStyle.Typeface(bold: false), SubtitleSize);
        using var titlePaint = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        using var subtitlePaint = new SKPaint { Color = new SKColor(0x55, 0x55, 0x55), IsAntialias = true };

        float y = 12 + TitleSize;
        canvas.DrawText(Fit(Title, titleFont), Width / 2f, y, SKTextAlign.Center, titleFont, titlePaint);
        float header = y + 8;
        // A subtitle may hold several lines ('\n'): the formula, then what the figure holds fixed.
        foreach (var line in string.IsNullOrEmpty(Subtitle) ? [] : Subtitle.Split('\n'))
        {
            y += 6 + SubtitleSize + 2;
            canvas.DrawText(Fit(line, subtitleFont), Width / 2f, y, SKTextAlign.Center, subtitleFont, subtitlePaint);
            header = y + 8;
        }

        // Whole-pixel cells: each panel clears its cell (in SVG, a black rectangle under a white one), and a
        // fractional edge would leave a hairline of the black one showing.
        int rows = (Panels.Count + Columns - 1) / Columns;
        int headerTop = (int)Math.Ceiling(header);
        int cellWidth = (Width - 8) / Columns;
        int cellHeight = (Height - headerTop - 4) / rows;
        for (int i = 0; i < Panels.Count; i++)
        {
            int row = i / Columns, column = i % Columns;
            int left = 4 + column * cellWidth;
            int top = headerTop + row * cellHeight;
            var rect = new ScottPlot.PixelRect(left, left + cellWidth, top + cellHeight, top);
            // A panel clears its background: clip so that it clears only its own cell.
            canvas.Save();
            canvas.ClipRect(new SKRect(left, top, left + cellWidth, top + cellHeight));
            Panels[i].Render(canvas, rect);
            canvas.Restore();
        }
    }

    /// <summary>Shortens a line that would not fit the width.</summary>
    private string Fit(string text, SKFont font)
    {
        float available = Width - 20;
        if (font.MeasureText(text) <= available) return text;
        int keep = text.Length;
        while (keep > 1 && font.MeasureText(text[..keep] + "…") > available) keep--;
        return text[..keep] + "…";
    }

    /// <summary>Releases the panels.</summary>
    public void Dispose()
    {
        foreach (var panel in Panels) panel.Dispose();
    }
}

/// <summary>The image formats a <see cref="ModelPlot"/> can be written in.</summary>
public enum PlotImageFormat
{
    /// <summary>Portable Network Graphics (raster).</summary>
    Png,
    /// <summary>Scalable Vector Graphics (XML).</summary>
    Svg,
}
