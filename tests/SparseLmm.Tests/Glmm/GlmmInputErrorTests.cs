using SparseLmm.Data;

namespace SparseLmm.Tests.Glmm;

/// <summary>Responses, weights and options a GLMM cannot use are refused with one clear line.</summary>
public class GlmmInputErrorTests
{
    private static readonly int[] Groups = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];

    private static DataTable Table(double[] y, double[]? weights = null, double[]? second = null)
    {
        var columns = new List<DataColumn>
        {
            new NumericColumn("y", y),
            new CategoricalColumn("g", Groups, ["a", "b", "c", "d"]),
            new NumericColumn("x", Enumerable.Range(0, Groups.Length).Select(i => i / 3.0).ToArray()),
            new CategoricalColumn("h", Groups.Select(g => g % 2).ToArray(), ["p", "q"]),
        };
        if (weights is not null) columns.Add(new NumericColumn("w", weights));
        if (second is not null) columns.Add(new NumericColumn("f", second));
        return new DataTable(columns, "test.csv");
    }

    private static string Refused(string formula, DataTable data, FitOptions options)
    {
        var error = Assert.Throws<InputException>(() => MixedModel.Fit(formula, data, options));
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }

    private static readonly double[] Binary = [0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0];

    [Fact]
    public void BinomialResponseOutsideTheUnitInterval()
    {
        var y = (double[])Binary.Clone();
        y[4] = 2;
        var message = Refused("y ~ 1 + (1 | g)", Table(y), new FitOptions(Family: Family.Binomial()));
        Assert.Contains("[0, 1]", message);
        Assert.Contains("data row 5", message);
    }

    [Fact]
    public void BinomialProportionWithoutTrials()
    {
        var y = (double[])Binary.Clone();
        y[2] = 0.5;
        var message = Refused("y ~ 1 + (1 | g)", Table(y), new FitOptions(Family: Family.Binomial()));
        Assert.Contains("--weights", message);
    }

    [Fact]
    public void BinomialSuccessesAboveTrials()
    {
        var successes = new double[] { 1, 2, 0, 3, 1, 2, 0, 1, 2, 3, 1, 0 };
        var trials = Enumerable.Repeat(3.0, 12).ToArray();
        successes[7] = 4;
        var message = Refused("cbind(y, f - y) ~ 1 + (1 | g)", Table(successes, second: trials), new FitOptions(Family: Family.Binomial()));
        Assert.Contains("successes cannot exceed trials", message);
        Assert.Contains("data row 8", message);
    }

    [Fact]
    public void BinomialNonIntegerCounts()
    {
        var successes = new double[] { 1, 2, 0, 3, 1, 2.5, 0, 1, 2, 3, 1, 0 };
        var failures = Enumerable.Repeat(3.0, 12).ToArray();
        var message = Refused("cbind(y, f) ~ 1 + (1 | g)", Table(successes, second: failures), new FitOptions(Family: Family.Binomial()));
        Assert.Contains("whole numbers", message);
    }

    [Fact]
    public void BinomialTextResponseWithThreeLevels()
    {
        var data = Table(Binary).WithColumns([]);
        data = new DataTable(data.Columns.Append(new CategoricalColumn("outcome", Groups.Select(g => g % 3).ToArray(), ["no", "maybe", "yes"])).ToList());
        var message = Refused("outcome ~ 1 + (1 | g)", data, new FitOptions(Family: Family.Binomial()));
        Assert.Contains("3 levels", message);
    }

    [Fact]
    public void PoissonNegativeOrFractionalCounts()
    {
        var y = new double[] { 0, 1, 2, 3, 1, 0, 4, 2, 1, 0, 2, 3 };
        y[3] = -1;
        Assert.Contains("negative", Refused("y ~ 1 + (1 | g)", Table(y), new FitOptions(Family: Family.Poisson())));
        y[3] = 1.5;
        Assert.Contains("whole numbers", Refused("y ~ 1 + (1 | g)", Table(y), new FitOptions(Family: Family.Poisson())));
    }

    [Fact]
    public void PoissonTextResponse()
    {
        var message = Refused("h ~ 1 + (1 | g)", Table(Binary), new FitOptions(Family: Family.Poisson()));
        Assert.Contains("text", message);
    }

    [Fact]
    public void GammaNonPositiveResponse()
    {
        var y = Enumerable.Range(1, 12).Select(i => (double)i).ToArray();
        y[0] = 0;
        var message = Refused("y ~ 1 + (1 | g)", Table(y), new FitOptions(Family: Family.Gamma()));
        Assert.Contains("positive", message);
    }

    [Fact]
    public void ConstantResponse()
    {
        Assert.Contains("constant", Refused("y ~ 1 + (1 | g)", Table(new double[12]), new FitOptions(Family: Family.Binomial())));
        Assert.Contains("constant", Refused("y ~ 1 + (1 | g)", Table(Enumerable.Repeat(3.0, 12).ToArray()), new FitOptions(Family: Family.Poisson())));
    }

    [Fact]
    public void UnknownFamilyOrLinkListsTheKnownOnes()
    {
        var family = Assert.Throws<InputException>(() => Family.Parse("negbin"));
        Assert.Contains("binomial", family.Message);
        Assert.Contains("poisson", family.Message);
        Assert.Contains("Gamma", family.Message);
        var link = Assert.Throws<InputException>(() => Link.Parse("logitt"));
        Assert.Contains("probit", link.Message);
        var mismatch = Assert.Throws<InputException>(() => Family.Parse("poisson", "logit"));
        Assert.Contains("log, sqrt, identity", mismatch.Message);
        Assert.Throws<InputException>(() => new FitOptions(Family: Family.Binomial(), Link: Link.Inverse).EffectiveFamily());
    }

    [Fact]
    public void QuadratureNeedsOneScalarTerm()
    {
        var options = new FitOptions(Family: Family.Binomial(), QuadratureNodes: 5);
        Assert.Contains("single scalar", Refused("y ~ 1 + (1 | g) + (1 | h)", Table(Binary), options));
        Assert.Contains("single scalar", Refused("y ~ 1 + (1 + x | g)", Table(Binary), options));
    }

    [Fact]
    public void QuadratureNodesOutOfRange()
    {
        Assert.Contains("nAGQ", Refused("y ~ 1 + (1 | g)", Table(Binary), new FitOptions(Family: Family.Binomial(), QuadratureNodes: 101)));
        Assert.Contains("nAGQ", Refused("y ~ 1 + (1 | g)", Table(Binary), new FitOptions(Family: Family.Binomial(), QuadratureNodes: -1)));
        Assert.Contains("nAGQ", Refused("y ~ 1 + (1 | g)", Table(Binary), new FitOptions(QuadratureNodes: 5)));
    }

    [Fact]
    public void BadWeights()
    {
        var weights = Enumerable.Repeat(2.0, 12).ToArray();
        Assert.Contains("did you mean 'w'", Refused("y ~ 1 + (1 | g)", Table(Binary, weights), new FitOptions(Family: Family.Binomial(), WeightsColumn: "ww")));
        weights[3] = -1;
        Assert.Contains("non-negative", Refused("y ~ 1 + (1 | g)", Table(Binary, weights), new FitOptions(Family: Family.Binomial(), WeightsColumn: "w")));
        Assert.Contains("text", Refused("y ~ 1 + (1 | g)", Table(Binary), new FitOptions(Family: Family.Binomial(), WeightsColumn: "h")));
    }

    [Fact]
    public void MissingWeightsDropTheirRows()
    {
        var weights = Enumerable.Repeat(1.0, 12).ToArray();
        var missing = new bool[12];
        missing[5] = true;
        weights[5] = double.NaN;
        var data = Table(Binary);
        data = new DataTable(data.Columns.Append(new NumericColumn("w", weights, missing)).ToList());
        var fit = MixedModel.Fit("y ~ 1 + (1 | g)", data, new FitOptions(Family: Family.Binomial(), WeightsColumn: "w"));
        Assert.Equal(11, fit.ObservationCount);
        Assert.Equal(1, fit.DroppedRowCount);
    }
}
