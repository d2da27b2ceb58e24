using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Results;

namespace SparseLmm.Glmm;

/// <summary>What the fit keeps from the state at the optimum: the modes, η, μ, residuals, the conditional covariances
/// of u per level (from the final PIRLS factor, as lme4's <c>ranef(condVar = TRUE)</c>) and, for Gamma, σ².</summary>
internal sealed record OptimumState(
    double[] U, double[] Eta, double[] Mu, double[] PearsonResiduals, double[] DevianceResiduals,
    double[][] ConditionalCovariance, double SigmaSquared)
{
    /// <summary>Reads the state of <paramref name="objective"/> right after its evaluation at the optimum.</summary>
    public static OptimumState Capture(GlmmObjective objective, GlmmResponse response, Family family,
        IReadOnlyList<RandomEffectsDesign> terms, double[] theta, int n)
    {
        var solution = ModeSolution.Compute(objective.ModesSystem.Deviance, theta);
        var (pearson, deviance) = objective.Residuals();
        var u = objective.U.ToArray();
        double pearsonSquares = 0;
        foreach (var r in pearson) pearsonSquares += r * r;
        double squaredLength = 0;
        foreach (var value in u) squaredLength += value * value;
        return new OptimumState(u, objective.LinearPredictor.ToArray(), objective.Mean.ToArray(), pearson, deviance,
            solution.UnscaledConditionalCovariance, (pearsonSquares + squaredLength) / n);
    }
}

/// <summary>Everything <see cref="GlmmResultBuilder"/> needs.</summary>
internal sealed record GlmmResultInput(
    ModelDesign Design, Family Family, GlmmResponse Response, IReadOnlyList<RandomEffectsDesign> Terms,
    CovarianceParameterization Parameterization, double[] Theta, double[] Beta, double[] Covariance, OptimumState State,
    double Deviance, int QuadratureNodes, int ThetaLength, bool Converged, string OptimizerMessage, List<string> Notes,
    int ExtraDroppedRows, FitTiming Timing, bool Singular);

/// <summary>Assembles the immutable <see cref="MixedModelFit"/> of a GLMM.</summary>
internal static class GlmmResultBuilder
{
    /// <summary>Builds the result.</summary>
    public static MixedModelFit Build(GlmmResultInput input)
    {
        var design = input.Design;
        var family = input.Family;
        var terms = input.Terms;
        var state = input.State;
        int n = design.RowCount, p = design.FixedEffectCount;
        bool gamma = family.Kind == FamilyKind.Gamma;
        double sigma = gamma ? Math.Sqrt(state.SigmaSquared) : 1.0;

        var covariance = input.Covariance;
        var fixedEffects = new List<FixedEffect>(p);
        var pValues = new double[p];
        for (int j = 0; j < p; j++)
        {
            double se = Math.Sqrt(covariance[j * p + j]);
            fixedEffects.Add(new FixedEffect(design.FixedEffectNames[j], input.Beta[j], se));
            pValues[j] = SpecialMath.TwoSidedNormalPValue(input.Beta[j] / se);
        }

        var components = new List<VarianceComponent>();
        var effects = new double[terms.Count][];
        var conditionalSds = new double[terms.Count][];
        int offset = 0;
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount;
            var factor = new double[k * k];
            input.Parameterization.FillFactor(input.Theta, t, factor);
            components.Add(Component(term, factor, sigma));
            effects[t] = new double[term.Size];
            conditionalSds[t] = new double[term.Size];
            var conditional = state.ConditionalCovariance[t];
            for (int level = 0; level < term.LevelCount; level++)
            {
                for (int a = 0; a < k; a++)
                {
                    double value = 0, variance = 0;
                    for (int c = 0; c <= a; c++)
                    {
                        value += factor[a * k + c] * state.U[offset + level * k + c];
                        for (int d = 0; d <= a; d++)
                            variance += factor[a * k + c] * conditional[level * k * k + c * k + d] * factor[a * k + d];
                    }
                    effects[t][level * k + a] = value;
                    conditionalSds[t][level * k + a] = sigma * Math.Sqrt(Math.Max(0, variance));
                }
            }
            offset += term.Size;
        }

        var y = input.Response.Y;
        var marginal = new double[n];
        for (int i = 0; i < n; i++)
        {
            double value = 0;
            for (int j = 0; j < p; j++) value += design.X[i * p + j] * input.Beta[j];
            marginal[i] = family.IsValidLinearPredictor(value) ? y[i] - family.Link.InverseOf(value) : double.NaN;
        }

        var notes = new List<string>();
        int dropped = design.DroppedRowCount + input.ExtraDroppedRows;
        if (dropped > 0) notes.Add($"{dropped} rows dropped for missing values; {n} used");
        if (design.AliasedFixedEffects.Count > 0)
            notes.Add($"fixed-effect model matrix is rank deficient so dropping {design.AliasedFixedEffects.Count} column{(design.AliasedFixedEffects.Count == 1 ? "" : "s")} / coefficient{(design.AliasedFixedEffects.Count == 1 ? "" : "s")}: {string.Join(", ", design.AliasedFixedEffects)}");
        if (input.Singular) notes.Add("boundary (singular) fit: see help('isSingular')");
        if (!input.Converged) notes.Add($"the optimiser did not converge: {input.OptimizerMessage}");
        notes.AddRange(input.Notes);

        return new MixedModelFit
        {
            Formula = design.Formula.Text,
            ResponseName = design.Response.Label,
            Family = family.Name,
            Link = family.Link.Name,
            Method = input.QuadratureNodes > 1 ? EstimationMethod.AdaptiveGaussHermite : EstimationMethod.Laplace,
            QuadratureNodes = input.QuadratureNodes,
            ObservationCount = n,
            DroppedRowCount = dropped,
            GroupCounts = terms.GroupBy(t => t.GroupName).Select(g => new GroupCount(g.Key, g.First().LevelCount)).ToList(),
            FixedEffects = fixedEffects,
            FixedEffectsCovariance = Enumerable.Range(0, p)
                .Select(a => (IReadOnlyList<double>)Enumerable.Range(0, p).Select(b => covariance[a * p + b]).ToArray()).ToList(),
            FixedEffectPValues = pValues,
            AliasedFixedEffects = design.AliasedFixedEffects,
            Theta = input.Theta,
            Sigma = gamma ? sigma : null,
            VarianceComponents = components,
            RandomEffects = GroupByFactor(terms, effects, conditionalSds),
            LogLikelihood = -input.Deviance / 2,
            DegreesOfFreedom = p + input.ThetaLength + (gamma ? 1 : 0),
            IsSingular = input.Singular,
            Converged = input.Converged,
            OptimizerMessage = input.OptimizerMessage,
            Notes = notes,
            Timing = input.Timing,
            Response = y,
            Fitted = state.Mu,
            FittedLinkScale = state.Eta,
            Residuals = y.Select((value, i) => value - state.Mu[i]).ToArray(),
            MarginalResiduals = marginal,
            DevianceResiduals = state.DevianceResiduals,
            PearsonResiduals = state.PearsonResiduals,
            PriorWeights = input.Response.Weights,
        };
    }

    private static VarianceComponent Component(RandomEffectsDesign term, double[] factor, double sigma)
    {
        int k = term.ColumnCount;
        var covariance = new double[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
            {
                double value = 0;
                for (int c = 0; c < k; c++) value += factor[a * k + c] * factor[b * k + c];
                covariance[a, b] = value;
            }
        var sds = Enumerable.Range(0, k).Select(a => sigma * Math.Sqrt(covariance[a, a])).ToList();
        var correlations = Enumerable.Range(0, k).Select(a => (IReadOnlyList<double>)Enumerable.Range(0, k).Select(b =>
        {
            if (a == b) return 1.0;
            double scale = Math.Sqrt(covariance[a, a] * covariance[b, b]);
            return scale > 0 ? covariance[a, b] / scale : 0.0;
        }).ToArray()).ToList();
        return new VarianceComponent(term.GroupName, term.TermNames, sds, correlations);
    }

    private static IReadOnlyDictionary<string, GroupRandomEffects> GroupByFactor(
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
            result[group.Key] = new GroupRandomEffects(group.Key, levels, names, values, sds);
        }
        return result;
    }
}
