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

    /// <summary>Issue 13, item 10: the report carries the df, p-values and intervals the CLI prints (lmerTest's
    /// Satterthwaite df 17.0 and p 3.26e-06 for Days; lme4's Wald interval [7.4376, 13.497]), what was fitted, the
    /// software version and the date, and alt text that says what each figure shows.</summary>
    [Fact]
    public void Report_carries_inference_provenance_and_meaningful_alt_text()
    {
        var m = Get("sleepstudy");
        var html = HtmlReport.Create(m.Fit, m.Data, "sleepstudy");
        Assert.Contains("<tr><td>Days</td><td>10.467</td><td>1.546</td><td>17</td><td>6.771</td><td>3.26e-06</td><td>[7.4376, 13.497]</td></tr>", html);
        Assert.Contains("Satterthwaite", html);
        Assert.Contains("Pr(&gt;|t|)", html);
        Assert.Contains("Confidence intervals (Wald, level 0.95):", html);
        Assert.Matches(@"SparseLmm \d+\.\d+\.\d+", html);
        Assert.Contains($"made {DateTime.UtcNow:yyyy-MM-dd}", html);
        Assert.Contains("linear mixed model by REML", html);
        var alts = Regex.Matches(html, "alt=\"([^\"]*)\"").Select(a => a.Groups[1].Value).ToList();
        Assert.Equal(PlotBuilder.ApplicableKinds(m.Fit, m.Data).Count, alts.Count);
        Assert.All(alts, alt => Assert.Contains("Reaction ~ 1 + Days + (1 + Days | Subject)", alt));
        Assert.Contains(alts, alt => alt.StartsWith("Shrinkage: no-pooling estimates move toward the population value.", StringComparison.Ordinal));
        // A subtitle's lines join as "a; b", not "a;b".
        Assert.All(alts.Select(System.Net.WebUtility.HtmlDecode), alt => Assert.DoesNotMatch(@";\S", alt));
        // The captions speak of this model, not of GLMMs.
        Assert.DoesNotContain("GLMM", html);
        Assert.DoesNotContain("binomial", html);
        Assert.Contains("<figcaption>Conditional residuals (observed minus fitted, random effects included)", html);
    }

    [Fact]
    public void Report_of_a_binomial_glmm_gives_the_latent_scale_icc()
    {
        var m = Get("cbpp");
        var html = HtmlReport.Create(m.Fit, m.Data, "cbpp");
        // 0.4123 / (0.4123 + π²/3) with lme4's herd variance 0.4123.
        Assert.Contains("Latent-scale ICC 0.111", html);
        Assert.Contains("<th>z</th>", html);
        // lme4's glmer summary: estimate, SE, z, p; no df column of ∞.
        Assert.DoesNotContain("<th>df</th>", html);
        Assert.DoesNotContain("∞", html);
        // The captions speak of this model: Pearson residuals and the latent scale, not the linear model's wording.
        Assert.Contains("<figcaption>Pearson residuals (observed minus fitted, over the square root of the variance function", html);
        Assert.Contains("on the latent scale of the link", html);
        Assert.DoesNotContain("Conditional residuals (observed minus fitted", html);
    }
}
