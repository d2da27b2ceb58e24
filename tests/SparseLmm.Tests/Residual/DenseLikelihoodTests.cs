using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;
using SparseLmm.Results;
using SparseLmm.Tests.Reference;

namespace SparseLmm.Tests.Residual;

/// <summary>The log-likelihood, β̂ and standard errors of fits with residual structures, recomputed from the reported
/// parameters with the marginal covariance written out densely, V = Z D Z' + σ² Λ^½ R Λ^½ (R_ij = ρ^|t_i − t_j| within
/// a group, Λ the squared variance ratios), straight from the data's columns: no cross-products, no whitening.</summary>
public sealed class DenseLikelihoodTests
{
    [Theory]
    [InlineData("sleepstudy_ar1_reml")]
    [InlineData("bodyweight_ar1_varident_ml")]
    [InlineData("orthodont_varident_slope_reml")]
    [InlineData("ovary_ar1_ml")]
    [InlineData("sleepstudy_ar1_varident_period_reml")]
    public void FitAgreesWithTheDenseMarginalLikelihood(string name)
    {
        var reference = NlmeReferenceTests.Reference(name);
        var dataFile = Path.Combine(NlmeReferenceTests.ResidualDirectory, reference.GetProperty("data").GetString()!);
        var table = MixedModel.LoadData(dataFile);
        string formula = reference.GetProperty("formula").GetString()!;
        bool reml = reference.GetProperty("method").GetString() == "REML";
        var structure = ResidualStructure.Parse(reference.GetProperty("variance").GetString(), reference.GetProperty("correlation").GetString());
        var fit = MixedModel.Fit(formula, table, new FitOptions(Reml: reml) { Residual = structure });

        var design = ModelDesignBuilder.Build(FormulaParser.Parse(formula), table, gaussian: true);
        var covariance = MarginalCovariance(fit, design, table, structure);
        var (logLikelihood, beta, standardErrors) = GaussianLikelihood(covariance, design, reml);

        Assert.Equal(logLikelihood, fit.LogLikelihood, 6);
        for (int j = 0; j < beta.Length; j++)
        {
            Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-6 * Math.Max(1, Math.Abs(beta[j])));
            Assert.Equal(standardErrors[j], fit.FixedEffects[j].StandardError, 1e-6 * standardErrors[j]);
        }
    }

    private static double[,] MarginalCovariance(MixedModelFit fit, ModelDesign design, DataTable table, ResidualStructure structure)
    {
        int n = design.RowCount;
        var term = Assert.Single(design.RandomTerms);
        var component = Assert.Single(fit.VarianceComponents);
        int k = term.ColumnCount;
        var d = new double[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                d[a, b] = component.StandardDeviations[a] * component.StandardDeviations[b] * (a == b ? 1 : component.Correlations[a][b]);
        double sigma = fit.Sigma!.Value;
        var sd = new double[n];
        for (int i = 0; i < n; i++)
        {
            sd[i] = sigma;
            if (structure.VarianceGroup is { } group)
            {
                string label = Label(table[group], design.KeptRows[i]);
                sd[i] *= fit.ResidualVariance!.Ratios[fit.ResidualVariance.Levels.ToList().IndexOf(label)];
            }
        }
        // Times within a correlation group: the order column, or the position in the data.
        var time = new double[n];
        var groupOfRow = new string[n];
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < n; i++)
        {
            if (!structure.AutoregressiveCorrelation) break;
            groupOfRow[i] = Label(table[structure.CorrelationGroup!], design.KeptRows[i]);
            int position = seen[groupOfRow[i]] = seen.GetValueOrDefault(groupOfRow[i]) + 1;
            time[i] = structure.CorrelationOrder is { } order ? ((NumericColumn)table[order]).Values[design.KeptRows[i]] : position;
        }
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double value = 0;
                if (term.LevelOfRow[i] == term.LevelOfRow[j])
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                            value += term.Z[i * k + a] * d[a, b] * term.Z[j * k + b];
                if (i == j) value += sd[i] * sd[i];
                else if (structure.AutoregressiveCorrelation && groupOfRow[i] == groupOfRow[j])
                    value += sd[i] * sd[j] * Math.Pow(fit.ResidualCorrelation!.Rho, Math.Abs(time[i] - time[j]));
                v[i, j] = value;
            }
        return v;
    }

    private static string Label(DataColumn column, int row) => column switch
    {
        CategoricalColumn categorical => categorical.Levels[categorical.Codes[row]],
        NumericColumn numeric => ColumnConversions.ToCategorical(numeric).Levels[ColumnConversions.ToCategorical(numeric).Codes[row]],
        _ => throw new InvalidOperationException(),
    };

    /// <summary>ML or REML log-likelihood of y ~ N(Xβ, V) at the GLS β̂, with β̂ and its standard errors.</summary>
    private static (double LogLikelihood, double[] Beta, double[] StandardErrors) GaussianLikelihood(double[,] v, ModelDesign design, bool reml)
    {
        int n = design.RowCount, p = design.FixedEffectCount;
        var y = ((NumericResponse)design.Response).Values;
        var l = Cholesky(v, n);
        double logDeterminant = 0;
        for (int i = 0; i < n; i++) logDeterminant += 2 * Math.Log(l[i, i]);
        // Whitened X and y: L⁻¹X, L⁻¹y.
        var wx = new double[n, p];
        var wy = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < p; c++)
            {
                double value = design.X[i * p + c];
                for (int j = 0; j < i; j++) value -= l[i, j] * wx[j, c];
                wx[i, c] = value / l[i, i];
            }
            double response = y[i];
            for (int j = 0; j < i; j++) response -= l[i, j] * wy[j];
            wy[i] = response / l[i, i];
        }
        var xtx = new double[p, p];
        var xty = new double[p];
        for (int a = 0; a < p; a++)
        {
            for (int b = 0; b < p; b++)
                for (int i = 0; i < n; i++) xtx[a, b] += wx[i, a] * wx[i, b];
            for (int i = 0; i < n; i++) xty[a] += wx[i, a] * wy[i];
        }
        var lx = Cholesky(xtx, p);
        var beta = SolveWithCholesky(lx, xty, p);
        double quadratic = 0;
        for (int i = 0; i < n; i++)
        {
            double residual = wy[i];
            for (int c = 0; c < p; c++) residual -= wx[i, c] * beta[c];
            quadratic += residual * residual;
        }
        var standardErrors = new double[p];
        for (int j = 0; j < p; j++)
        {
            var unit = new double[p];
            unit[j] = 1;
            standardErrors[j] = Math.Sqrt(SolveWithCholesky(lx, unit, p)[j]);
        }
        double logDeterminantX = 0;
        for (int j = 0; j < p; j++) logDeterminantX += 2 * Math.Log(lx[j, j]);
        double logLikelihood = reml
            ? -0.5 * ((n - p) * Math.Log(2 * Math.PI) + logDeterminant + logDeterminantX + quadratic)
            : -0.5 * (n * Math.Log(2 * Math.PI) + logDeterminant + quadratic);
        return (logLikelihood, beta, standardErrors);
    }

    private static double[,] Cholesky(double[,] a, int n)
    {
        var l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double diagonal = a[j, j];
            for (int k = 0; k < j; k++) diagonal -= l[j, k] * l[j, k];
            l[j, j] = Math.Sqrt(diagonal);
            for (int i = j + 1; i < n; i++)
            {
                double value = a[i, j];
                for (int k = 0; k < j; k++) value -= l[i, k] * l[j, k];
                l[i, j] = value / l[j, j];
            }
        }
        return l;
    }

    private static double[] SolveWithCholesky(double[,] l, double[] b, int n)
    {
        var z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double value = b[i];
            for (int k = 0; k < i; k++) value -= l[i, k] * z[k];
            z[i] = value / l[i, i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double value = z[i];
            for (int k = i + 1; k < n; k++) value -= l[k, i] * x[k];
            x[i] = value / l[i, i];
        }
        return x;
    }
}
