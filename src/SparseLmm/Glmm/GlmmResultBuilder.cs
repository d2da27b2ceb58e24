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
        var u = objective.U.ToArray();
        double pearsonSquares = 0;
        if (objective.RowsStreamed)
        {
            // No rows: nothing per row, the Pearson sum from a pass.
            pearsonSquares = objective.PearsonSums().ResidualSquares;
            double length = 0;
            foreach (var value in u) length += value * value;
            return new OptimumState(u, [], [], [], [], solution.UnscaledConditionalCovariance, (pearsonSquares + length) / n);
        }
        var (pearson, deviance) = objective.Residuals();
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
            components.Add(FitResultBuilder.Component(term, factor, sigma, input.Parameterization.Correlation(input.Theta, t)));
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
        // A streamed design kept no rows: no per-row results (the lists are empty, the optional ones absent).
        bool streamed = design.RowsStreamed;
        var marginal = new double[streamed ? 0 : n];
        for (int i = 0; i < marginal.Length; i++)
        {
            double value = 0;
            for (int j = 0; j < p; j++) value += design.X[i * p + j] * input.Beta[j];
            marginal[i] = family.IsValidLinearPredictor(value) ? y[i] - family.Link.InverseOf(value) : double.NaN;
        }

        int dropped = design.DroppedRowCount + input.ExtraDroppedRows;
        var notes = FitResultBuilder.Notes(design, dropped, input.Singular, input.Converged, input.OptimizerMessage);
        notes.AddRange(input.Notes);

        return new MixedModelFit
        {
            Formula = design.Formula.Text,
            ResponseName = design.Response.Label,
            Family = family,
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
            RandomEffects = FitResultBuilder.GroupByFactor(terms, effects, conditionalSds),
            LogLikelihood = -input.Deviance / 2,
            DegreesOfFreedom = p + input.ThetaLength + (gamma ? 1 : 0),
            IsSingular = input.Singular,
            Converged = input.Converged,
            OptimizerMessage = input.OptimizerMessage,
            Notes = notes,
            Timing = input.Timing,
            Response = y,
            Fitted = state.Mu,
            FittedLinkScale = streamed ? null : state.Eta,
            Residuals = y.Select((value, i) => value - state.Mu[i]).ToArray(),
            MarginalResiduals = marginal,
            DevianceResiduals = streamed ? null : state.DevianceResiduals,
            PearsonResiduals = streamed ? null : state.PearsonResiduals,
            PriorWeights = streamed ? null : input.Response.Weights,
        };
    }
}
