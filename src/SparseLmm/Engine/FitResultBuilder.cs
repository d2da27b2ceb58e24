using SparseLmm.Design;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>Assembles the immutable <see cref="MixedModelFit"/> from the solution at θ̂.</summary>
internal static class FitResultBuilder
{
    /// <summary>Builds the result. <paramref name="terms"/> are ordered largest first, as θ is; <paramref name="response"/>
    /// is what was fitted (y − offset when the design has one).</summary>
    public static MixedModelFit Build(ModelDesign design, double[] response, IReadOnlyList<RandomEffectsDesign> terms,
        CovarianceParameterization parameterization, double[] theta, ModeSolution solution, FitSummary summary)
    {
        int n = design.RowCount, p = design.FixedEffectCount;
        double sigma = summary.Sigma, variance = sigma * sigma;
        var covariance = Square(p, (a, b) => variance * solution.UnscaledFixedCovariance[a * p + b]);
        var fixedEffects = design.FixedEffectNames
            .Select((name, j) => new FixedEffect(name, solution.Beta[j], Math.Sqrt(covariance[j][j]))).ToList();

        var factors = new double[terms.Count][];
        var components = new List<VarianceComponent>();
        var effects = new double[terms.Count][];
        var conditionalSds = new double[terms.Count][];
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            factors[t] = new double[k * k];
            parameterization.FillFactor(theta, t, factors[t]);
            components.Add(Component(terms[t], factors[t], sigma, parameterization.Correlation(theta, t)));
            (effects[t], conditionalSds[t]) = ScaleModes(terms[t], factors[t], solution.SphericalModes[t], solution.UnscaledConditionalCovariance[t], variance);
        }

        // Plain loops over preallocated arrays: at ten million rows these three vectors are the result's bulk. A streamed
        // design kept no rows to compute them from.
        if (design.RowsStreamed) n = 0;
        var fitted = new double[n];
        for (int i = 0; i < n; i++)
        {
            double value = 0;
            for (int j = 0; j < p; j++) value += design.X[i * p + j] * solution.Beta[j];
            fitted[i] = value;
        }
        var marginalResiduals = new double[n];
        for (int i = 0; i < n; i++) marginalResiduals[i] = response[i] - fitted[i];
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount;
            for (int i = 0; i < n; i++)
            {
                int level = term.LevelOfRow[i];
                for (int c = 0; c < k; c++) fitted[i] += term.Z[i * k + c] * effects[t][level * k + c];
            }
        }

        var residuals = new double[n];
        for (int i = 0; i < n; i++) residuals[i] = response[i] - fitted[i];
        // The model was fitted to y − offset: the offset goes back into what the user sees as y and as fitted values.
        if (design.Offset is { } offset)
        {
            response = (double[])response.Clone();
            for (int i = 0; i < n; i++)
            {
                response[i] += offset[i];
                fitted[i] += offset[i];
            }
        }

        return new MixedModelFit
        {
            Formula = design.Formula.Text,
            ResponseName = design.Response.Label,
            Method = summary.Method,
            ObservationCount = design.RowCount,
            DroppedRowCount = design.DroppedRowCount,
            ObservationRows = design.KeptRows,
            GroupCounts = terms.GroupBy(t => t.GroupName).Select(g => new GroupCount(g.Key, g.First().LevelCount)).ToList(),
            FixedEffects = fixedEffects,
            FixedEffectsCovariance = covariance,
            AliasedFixedEffects = design.AliasedFixedEffects,
            Theta = theta,
            Sigma = sigma,
            VarianceComponents = components,
            RandomEffects = GroupByFactor(terms, effects, conditionalSds),
            LogLikelihood = summary.LogLikelihood,
            DegreesOfFreedom = p + theta.Length + 1,
            IsSingular = summary.Singular,
            Converged = summary.Converged,
            OptimizerMessage = summary.OptimizerMessage,
            OptimumCheck = summary.Check,
            Stencil = summary.Stencil,
            Notes = Notes(design, summary),
            Timing = summary.Timing,
            Response = response,
            Fitted = fitted,
            Residuals = residuals,
            MarginalResiduals = marginalResiduals,
            IntraclassCorrelation = terms.Count == 1 && terms[0].ColumnCount == 1 && terms[0].TermNames[0] == "(Intercept)"
                ? components[0].Variances[0] / (components[0].Variances[0] + variance)
                : null,
        };
    }

    /// <summary>The variance component σ²TT' of a term, as SDs and correlations. A structured term's correlations
    /// are its structure's (from <paramref name="rho"/> for <c>cs</c> and <c>ar1</c>), which stay defined where an SD
    /// is 0.</summary>
    internal static VarianceComponent Component(RandomEffectsDesign term, double[] factor, double sigma, double? rho)
    {
        int k = term.ColumnCount;
        var covariance = Square(k, (a, b) =>
        {
            double value = 0;
            for (int c = 0; c < k; c++) value += factor[a * k + c] * factor[b * k + c];
            return value;
        });
        var sds = Enumerable.Range(0, k).Select(a => sigma * Math.Sqrt(covariance[a][a])).ToList();
        var correlations = Square(k, (a, b) =>
        {
            if (a == b) return 1.0;
            switch (term.Structure)
            {
                case CovarianceStructure.Diagonal: return 0.0;
                case CovarianceStructure.CompoundSymmetry: return rho!.Value;
                case CovarianceStructure.AutoRegressive: return Math.Pow(rho!.Value, Math.Abs(a - b));
            }
            double scale = Math.Sqrt(covariance[a][a] * covariance[b][b]);
            return scale > 0 ? covariance[a][b] / scale : 0.0;
        });
        return new VarianceComponent(term.GroupName, term.TermNames, sds, correlations) { Structure = term.Structure, Rho = rho };
    }

    /// <summary>b = T û per level, and Cov(b | y) = σ² T V T' per level, of which the diagonal's square roots are kept.</summary>
    private static (double[] Effects, double[] ConditionalSds) ScaleModes(
        RandomEffectsDesign term, double[] factor, double[] modes, double[] conditional, double variance)
    {
        int k = term.ColumnCount;
        var effects = new double[term.Size];
        var sds = new double[term.Size];
        for (int level = 0; level < term.LevelCount; level++)
        {
            for (int a = 0; a < k; a++)
            {
                double value = 0;
                for (int c = 0; c <= a; c++) value += factor[a * k + c] * modes[level * k + c];
                effects[level * k + a] = value;

                double conditionalVariance = 0;
                for (int c = 0; c <= a; c++)
                    for (int d = 0; d <= a; d++)
                        conditionalVariance += factor[a * k + c] * conditional[level * k * k + c * k + d] * factor[a * k + d];
                sds[level * k + a] = Math.Sqrt(Math.Max(0, variance * conditionalVariance));
            }
        }
        return (effects, sds);
    }

    /// <summary>Conditional modes and SDs gathered per grouping factor (all terms on a factor side by side), as lme4's ranef.</summary>
    internal static IReadOnlyDictionary<string, GroupRandomEffects> GroupByFactor(
        IReadOnlyList<RandomEffectsDesign> terms, double[][] effects, double[][] conditionalSds)
    {
        var result = new Dictionary<string, GroupRandomEffects>(StringComparer.Ordinal);
        foreach (var group in Enumerable.Range(0, terms.Count).GroupBy(t => terms[t].GroupName))
        {
            var members = group.ToList();
            var levels = terms[members[0]].Levels;
            var names = members.SelectMany(t => terms[t].TermNames).ToList();
            var values = new List<IReadOnlyList<double>>();
            var sds = new List<IReadOnlyList<double>>();
            for (int level = 0; level < levels.Length; level++)
            {
                var rowValues = new List<double>();
                var rowSds = new List<double>();
                foreach (var t in members)
                {
                    int k = terms[t].ColumnCount;
                    for (int c = 0; c < k; c++)
                    {
                        rowValues.Add(effects[t][level * k + c]);
                        rowSds.Add(conditionalSds[t][level * k + c]);
                    }
                }
                values.Add(rowValues);
                sds.Add(rowSds);
            }
            result[group.Key] = new GroupRandomEffects(group.Key, levels, names, values, sds)
            {
                ObservationLevels = terms[members[0]].LevelOfRow,
            };
        }
        return result;
    }

    private static IReadOnlyList<string> Notes(ModelDesign design, FitSummary summary) =>
        Notes(design, design.DroppedRowCount, summary.Singular, summary.Converged, summary.OptimizerMessage);

    /// <summary>The notes every fit carries: rows dropped, aliased columns, a singular fit, non-convergence.</summary>
    internal static List<string> Notes(ModelDesign design, int droppedRows, bool singular, bool converged, string optimizerMessage)
    {
        var notes = new List<string>();
        if (droppedRows > 0)
            notes.Add($"{droppedRows} row{(droppedRows == 1 ? "" : "s")} dropped for missing values; {design.RowCount} used");
        if (design.ZeroWeightRowCount > 0)
            notes.Add($"{design.ZeroWeightRowCount} row{(design.ZeroWeightRowCount == 1 ? "" : "s")} with prior weight 0 dropped; {design.RowCount} used");
        if (design.AliasedFixedEffects.Count > 0)
            notes.Add($"fixed-effect model matrix is rank deficient so dropping {design.AliasedFixedEffects.Count} column{(design.AliasedFixedEffects.Count == 1 ? "" : "s")} / coefficient{(design.AliasedFixedEffects.Count == 1 ? "" : "s")}: {string.Join(", ", design.AliasedFixedEffects)}");
        if (design.AliasedByLocation.Count > 0)
            notes.Add($"{string.Join(", ", design.AliasedByLocation.Select(name => $"'{name}'"))}: dropped only because the values are large beside their spread; subtract a constant near their mean (for example I(x - 1e9)) to keep {(design.AliasedByLocation.Count == 1 ? "it" : "them")}");
        if (singular) notes.Add("boundary (singular) fit: see help('isSingular')");
        if (!converged) notes.Add($"the optimiser did not converge: {optimizerMessage}");
        return notes;
    }

    private static IReadOnlyList<IReadOnlyList<double>> Square(int size, Func<int, int, double> entry) =>
        Enumerable.Range(0, size).Select(a => (IReadOnlyList<double>)Enumerable.Range(0, size).Select(b => entry(a, b)).ToArray()).ToList();
}
