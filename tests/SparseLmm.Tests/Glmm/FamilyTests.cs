using MathNet.Numerics.Distributions;
using SparseLmm.Glmm;

namespace SparseLmm.Tests.Glmm;

/// <summary>Links, variance functions, deviance residuals and the log-likelihood's normalizing constants.</summary>
public class FamilyTests
{
    public static TheoryData<string, string> Pairs => new()
    {
        { "binomial", "logit" }, { "binomial", "probit" }, { "binomial", "cloglog" },
        { "poisson", "log" }, { "poisson", "sqrt" }, { "poisson", "identity" },
        { "Gamma", "inverse" }, { "Gamma", "log" }, { "Gamma", "identity" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void LinkInverseAndDerivativeAgree(string familyName, string linkName)
    {
        var family = Family.Parse(familyName, linkName);
        Assert.Equal(linkName, family.Link.Name);
        var means = family.Kind == FamilyKind.Binomial ? new[] { 0.01, 0.2, 0.5, 0.77, 0.99 } : new[] { 0.05, 0.7, 3.0, 40.0 };
        foreach (var mu in means)
        {
            double eta = family.Link.Evaluate(mu);
            Assert.Equal(mu, family.Link.InverseOf(eta), 1e-10 * Math.Max(1, mu));
            double h = 1e-6 * Math.Max(1, Math.Abs(eta));
            double numeric = (family.Link.InverseOf(eta + h) - family.Link.InverseOf(eta - h)) / (2 * h);
            Assert.Equal(numeric, family.Link.DerivativeOfInverse(eta), 1e-6 * Math.Max(1, Math.Abs(numeric)));
            Assert.Equal(0, family.DevianceResidual(mu, mu, 2.0), 1e-12);
        }
    }

    [Fact]
    public void DefaultLinksAreRs()
    {
        Assert.Equal("logit", Family.Binomial().Link.Name);
        Assert.Equal("log", Family.Poisson().Link.Name);
        Assert.Equal("inverse", Family.Gamma().Link.Name);
        Assert.Equal("identity", Family.Gaussian().Link.Name);
        Assert.Same(Family.Parse("GAMMA").Link, Link.Inverse);
        Assert.Equal("binomial(probit)", Family.Binomial(Link.Probit).ToString());
    }

    [Fact]
    public void InverseLinksStayInsideTheUnitInterval()
    {
        foreach (var link in new[] { Link.Logit, Link.Probit, Link.Cloglog })
        {
            foreach (var eta in new[] { -800.0, -40, 40, 800 })
            {
                double mu = link.InverseOf(eta);
                Assert.InRange(mu, 1e-17, 1 - 1e-17);
                Assert.True(mu > 0 && mu < 1);
                Assert.True(link.DerivativeOfInverse(eta) > 0);
            }
        }
    }

    [Fact]
    public void BinomialConditionalDevianceKeepsTheCoefficients()
    {
        var response = GlmmResponse.Build(new SparseLmm.Design.BinomialCountsResponse("cbind(s, f)", [2, 0, 5], [3, 4, 0]),
            Family.Binomial(), null, i => i + 1, null);
        double[] mu = [0.3, 0.1, 0.8];
        double expected = -2 * (Binomial.PMFLn(0.3, 5, 2) + Binomial.PMFLn(0.1, 4, 0) + Binomial.PMFLn(0.8, 5, 5));
        double devianceSum = Enumerable.Range(0, 3).Sum(i => Family.Binomial().DevianceResidual(response.Y[i], mu[i], response.Weights[i]));
        Assert.Equal(expected, response.ConditionalDeviance(mu, devianceSum), 1e-10);
        Assert.Equal(expected, response.DirectConditionalDeviance(mu, devianceSum), 1e-10);
    }

    [Fact]
    public void PoissonConditionalDevianceKeepsLogFactorials()
    {
        var response = GlmmResponse.Build(new SparseLmm.Design.NumericResponse("y", [0, 3, 17]), Family.Poisson(), null, i => i + 1, null);
        double[] mu = [0.4, 2.5, 12];
        double expected = -2 * (Poisson.PMFLn(0.4, 0) + Poisson.PMFLn(2.5, 3) + Poisson.PMFLn(12, 17));
        double devianceSum = Enumerable.Range(0, 3).Sum(i => Family.Poisson().DevianceResidual(response.Y[i], mu[i], 1));
        Assert.Equal(expected, response.ConditionalDeviance(mu, devianceSum), 1e-9);
        Assert.Equal(expected, response.DirectConditionalDeviance(mu, devianceSum), 1e-9);
    }

    [Fact]
    public void GammaConditionalDevianceIsRsAicWithTheDevianceDispersion()
    {
        double[] y = [0.5, 2.0, 3.5, 1.2];
        double[] weights = [1, 2, 1, 1];
        double[] mu = [0.8, 1.5, 3.0, 1.0];
        var family = Family.Gamma(Link.Log);
        var response = GlmmResponse.Build(new SparseLmm.Design.NumericResponse("y", y), family, weights, i => i + 1, "w");
        double devianceSum = Enumerable.Range(0, 4).Sum(i => family.DevianceResidual(y[i], mu[i], weights[i]));
        double dispersion = devianceSum / weights.Sum();
        double expected = 2;
        for (int i = 0; i < 4; i++)
            expected -= 2 * weights[i] * Gamma.PDFLn(1 / dispersion, 1 / (mu[i] * dispersion), y[i]);
        Assert.Equal(expected, response.ConditionalDeviance(mu, devianceSum), 1e-9);
    }
}
