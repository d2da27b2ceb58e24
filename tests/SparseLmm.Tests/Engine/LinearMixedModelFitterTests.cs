using MathNet.Numerics.LinearAlgebra;
using SparseLmm.Data;

namespace SparseLmm.Tests.Engine;

public sealed class LinearMixedModelFitterTests
{
    [Fact]
    public void Dyestuff2IsASingularFit()
    {
        var fit = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", EmbeddedDatasets.Load("Dyestuff2"));
        Assert.True(fit.IsSingular);
        Assert.Contains(fit.Notes, note => note.Contains("singular"));
        Assert.Equal(0.0, fit.VarianceComponents[0].StandardDeviations[0], 6);
    }

    [Fact]
    public void RandomInterceptModelReportsItsIntraclassCorrelation()
    {
        var fit = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", EmbeddedDatasets.Load("Dyestuff"));
        double between = Math.Pow(fit.VarianceComponents[0].StandardDeviations[0], 2);
        Assert.Equal(between / (between + fit.Sigma!.Value * fit.Sigma.Value), fit.IntraclassCorrelation!.Value, 12);
        Assert.Null(MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy")).IntraclassCorrelation);
    }

    [Fact]
    public void GroupingFactorWithALevelPerRowIsRefused()
    {
        var table = EmbeddedDatasets.Load("Dyestuff");
        var table2 = new DataTable(table.Columns.Append(new CategoricalColumn("row", Enumerable.Range(0, table.RowCount).ToArray(),
            Enumerable.Range(0, table.RowCount).Select(i => $"r{i:D2}").ToArray())).ToList(), "Dyestuff");
        var error = Assert.Throws<InputException>(() => MixedModel.Fit("Yield ~ 1 + (1 | row)", table2));
        Assert.Contains("'row'", error.Message);
    }

    [Fact]
    public void FittedValuesAreTheDenseGeneralizedLeastSquaresOnes()
    {
        // At the fit's variance components, β̂ is the GLS estimate (X'V⁻¹X)⁻¹X'V⁻¹y and the BLUPs are
        // b̂ = G Z'V⁻¹(y − Xβ̂), V = Z G Z' + σ² I, computed here with dense MathNet matrices: independent of the
        // sparse factor, the centring and the back-substitution that produce the fit's numbers.
        var data = EmbeddedDatasets.Load("sleepstudy");
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data);
        Assert.True(fit.Converged);
        Assert.InRange(fit.Timing.Evaluations, 10, 200);
        var y = ((NumericColumn)data["Reaction"]).Values;
        var days = ((NumericColumn)data["Days"]).Values;
        var subjectOfRow = data["Subject"] switch
        {
            NumericColumn numeric => numeric.Values.Select(value => value.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            CategoricalColumn categorical => categorical.Codes.Select(code => categorical.Levels[code]).ToArray(),
            _ => throw new InvalidOperationException("unexpected column kind"),
        };
        var subjects = subjectOfRow.Distinct().ToArray();
        int n = y.Length, q = 2 * subjects.Length;
        var x = Matrix<double>.Build.Dense(n, 2, (i, j) => j == 0 ? 1 : days[i]);
        var z = Matrix<double>.Build.Dense(n, q);
        for (int i = 0; i < n; i++)
        {
            int level = Array.IndexOf(subjects, subjectOfRow[i]);
            z[i, 2 * level] = 1;
            z[i, 2 * level + 1] = days[i];
        }
        var component = fit.VarianceComponents.Single();
        var sd = component.StandardDeviations;
        double covariance = component.Correlations[1][0] * sd[0] * sd[1];
        var g = Matrix<double>.Build.Dense(q, q);
        for (int level = 0; level < subjects.Length; level++)
        {
            g[2 * level, 2 * level] = sd[0] * sd[0];
            g[2 * level + 1, 2 * level + 1] = sd[1] * sd[1];
            g[2 * level, 2 * level + 1] = g[2 * level + 1, 2 * level] = covariance;
        }
        double sigma = fit.Sigma!.Value;
        var v = z * g * z.Transpose() + Matrix<double>.Build.DenseIdentity(n) * (sigma * sigma);
        var response = Vector<double>.Build.DenseOfArray(y);
        var vInverseX = v.Solve(x);
        var beta = (x.Transpose() * vInverseX).Solve(vInverseX.Transpose() * response);
        var b = g * z.Transpose() * v.Solve(response - x * beta);
        var fitted = x * beta + z * b;
        for (int j = 0; j < 2; j++) Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-6 * fit.FixedEffects[j].StandardError);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(fitted[i], fit.Fitted[i], 1e-6);
            Assert.Equal(y[i] - fitted[i], fit.Residuals[i], 1e-6);
        }
        for (int level = 0; level < subjects.Length; level++)
            Assert.Equal(b[2 * level + 1], fit.RandomEffects["Subject"][subjects[level], "Days"], 1e-6);
    }
}
