using System.Text.RegularExpressions;
using SparseLmm.Plotting;
using static SparseLmm.Tests.Plotting.PlottingFixtures;

namespace SparseLmm.Tests.Plotting;

/// <summary>The HTML report from the library: summary, embedded figures that decode, nothing from the network.</summary>
public class HtmlReportTests
{
    [Fact]
    public void Report_embeds_every_applicable_figure_as_a_decodable_png()
    {
        var m = Get("Penicillin");
        var html = m.Fit.ToHtmlReport(m.Data, "Penicillin");
        var images = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.Equal(PlotBuilder.ApplicableKinds(m.Fit, m.Data).Count, images.Count);
        foreach (Match image in images)
        {
            var (width, height) = PngSize(Convert.FromBase64String(image.Groups[1].Value));
            AssertSensibleSize(width, height);
        }
        Assert.Contains("<h2 id=\"summary\">", html);
        Assert.Contains("Data: Penicillin", html);
        Assert.Contains("<b>slopes</b>: kind &#39;slopes&#39; needs a random slope", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void Report_escapes_the_formula()
    {
        var m = Get("cbpp");
        var html = HtmlReport.Create(m.Fit, m.Data, "cbpp <herds>");
        Assert.Contains("cbpp &lt;herds&gt;", html);
        Assert.DoesNotContain("<herds>", html);
    }
}
