using SparseLmm.Plotting;
using static SparseLmm.Tests.Plotting.PlottingFixtures;

namespace SparseLmm.Tests.Plotting;

/// <summary>Every kind that applies renders as a real PNG and SVG of sensible size, for a random-slope model
/// (sleepstudy), a random-intercept model, a crossed model (Penicillin) and a GLMM (cbpp); the others are refused
/// with a one-line reason.</summary>
public class PlotRenderingTests
{
    /// <summary>Which kinds apply to which model.</summary>
    public static TheoryData<string, PlotKind, bool> Matrix()
    {
        var applies = new Dictionary<string, PlotKind[]>
        {
            // Trace and density need MCMC draws, which these fits are drawn without (PosteriorPlotTests draws them).
            ["sleepstudy"] = PlotKinds.All.Except([PlotKind.Trace, PlotKind.Density]).ToArray(),
            ["sleepstudy-intercept"] = PlotKinds.All.Except([PlotKind.Slopes, PlotKind.Trace, PlotKind.Density]).ToArray(),
            ["Penicillin"] = [PlotKind.Shrinkage, PlotKind.Variance, PlotKind.Caterpillar, PlotKind.Residuals, PlotKind.QQ],
            ["cbpp"] = [PlotKind.Caterpillar, PlotKind.Residuals, PlotKind.QQ, PlotKind.Variance],
        };
        var data = new TheoryData<string, PlotKind, bool>();
        foreach (var (model, kinds) in applies)
            foreach (var kind in PlotKinds.All)
                data.Add(model, kind, kinds.Contains(kind));
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Kind_renders_as_png_and_svg_or_is_refused(string model, PlotKind kind, bool applies)
    {
        var m = Get(model);
        string? reason = PlotBuilder.WhyNot(m.Fit, m.Data, kind);
        if (!applies)
        {
            Assert.NotNull(reason);
            Assert.DoesNotContain('\n', reason);
            var error = Assert.Throws<InputException>(() => m.Fit.Plot(kind, m.Data));
            Assert.Equal(reason, error.Message);
            Assert.Contains($"'{kind.Name()}'", error.Message);
            return;
        }

        Assert.Null(reason);
        using var plot = m.Fit.Plot(kind, m.Data);
        Assert.Equal(kind, plot.Kind);
        Assert.False(string.IsNullOrWhiteSpace(plot.Title));
        Assert.Contains(m.Fit.Formula, plot.Subtitle);

        var png = plot.ToPng();
        var (width, height) = PngSize(png);
        Assert.Equal((plot.Width, plot.Height), (width, height));
        AssertSensibleSize(width, height);
        Assert.True(png.Length > 10_000, $"PNG of {png.Length} bytes");
        double ink = InkFraction(png);
        Assert.InRange(ink, 0.01, 0.6);

        var (svgWidth, svgHeight, svg) = SvgSize(plot.ToSvg());
        Assert.Equal((plot.Width, plot.Height), (svgWidth, svgHeight));
        XNamespaceCheck(svg);
    }

    private static void XNamespaceCheck(System.Xml.Linq.XDocument svg)
    {
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        // Text is written as text elements (titles, axis labels, tick labels), and the data as paths or shapes.
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.True(texts.Count >= 10, $"{texts.Count} text elements");
        Assert.True(svg.Descendants(ns + "path").Count() + svg.Descendants(ns + "rect").Count() > 10);
    }

    [Fact]
    public void Slopes_without_a_random_slope_is_a_clear_error()
    {
        var m = Get("sleepstudy-intercept");
        var error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Slopes, m.Data));
        Assert.Equal("kind 'slopes' needs a random slope, e.g. (1 + x | g)", error.Message);
    }

    [Fact]
    public void Glmm_refuses_the_linear_model_kinds_and_names_the_ones_that_apply()
    {
        var m = Get("cbpp");
        var error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Shrinkage, m.Data));
        Assert.Contains("linear mixed models", error.Message);
        Assert.Contains("caterpillar", error.Message);
    }

    [Fact]
    public void Kinds_that_need_data_say_so_without_it()
    {
        var m = Get("sleepstudy");
        var error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Shrinkage));
        Assert.Contains("needs the data", error.Message);
        using var plot = m.Fit.Plot(PlotKind.Caterpillar);
        PngSize(plot.ToPng());
    }

    [Fact]
    public void Data_of_another_model_is_rejected()
    {
        var m = Get("sleepstudy");
        var other = Get("Penicillin").Data;
        var error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Shrinkage, other));
        Assert.Contains("pass the table the model was fitted to", error.Message);
        // As many rows, but one response value changed: not the table the model was fitted to.
        var reaction = (SparseLmm.Data.NumericColumn)m.Data["Reaction"];
        var changed = reaction.Values.ToArray();
        changed[57] += 1;
        var altered = m.Data.WithColumns([new SparseLmm.Data.NumericColumn("Reaction", changed)]);
        error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Shrinkage, altered));
        Assert.Contains("differs from the fit's response at row 58", error.Message);
    }

    [Fact]
    public void Save_writes_the_format_of_the_extension()
    {
        var m = Get("Penicillin");
        var dir = Directory.CreateTempSubdirectory("sparselmm-plot-");
        try
        {
            var png = Path.Combine(dir.FullName, "a.PNG");
            var svg = Path.Combine(dir.FullName, "a.svg");
            m.Fit.SavePlot(png, PlotKind.Caterpillar, m.Data);
            m.Fit.SavePlot(svg, PlotKind.Caterpillar, m.Data);
            PngSize(File.ReadAllBytes(png));
            SvgSize(File.ReadAllText(svg));
            var error = Assert.Throws<InputException>(() => m.Fit.SavePlot(Path.Combine(dir.FullName, "a.jpg"), PlotKind.QQ));
            Assert.Contains(".png or .svg", error.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Options_set_the_size_and_the_factor()
    {
        var m = Get("Penicillin");
        using var plot = m.Fit.Plot(PlotKind.Shrinkage, m.Data, new PlotOptions(Width: 700, Height: 500, Group: "sample"));
        Assert.Equal((700, 500), PngSize(plot.ToPng()));
        Assert.Single(plot.Panels);
        var error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Shrinkage, m.Data, new PlotOptions(Group: "plates")));
        Assert.Contains("plate", error.Message);
    }

    [Fact]
    public void Kind_names_parse_case_insensitively_and_unknown_names_list_the_kinds()
    {
        Assert.Equal(PlotKind.QQ, PlotKinds.Parse("qq"));
        Assert.Equal(PlotKind.Caterpillar, PlotKinds.Parse("Caterpillar"));
        var error = Assert.Throws<InputException>(() => PlotKinds.Parse("funnel"));
        Assert.Contains("shrinkage, intercepts, variance, slopes, caterpillar, residuals, qq", error.Message);
    }

    [Fact]
    public void A_font_is_installed()
    {
        // Without one the figures have no text; the README's set-up installs fonts-dejavu-core.
        Assert.True(PlotStyle.FontsAvailable);
        Assert.NotNull(PlotStyle.FontFamily);
    }
}
