namespace SparseLmm.Glmm;

/// <summary>The adaptive Gauss–Hermite correction to the Laplace deviance for a single scalar random-effects term, at
/// the converged modes of the state: −2 Σⱼ log Σₖ wₖ exp(−(Dⱼ(ûⱼ + sⱼzₖ) − Dⱼ(ûⱼ))/2 + zₖ²/2), with Dⱼ(u) the group's
/// deviance residuals plus u², sⱼ = 1/Lⱼⱼ its conditional standard deviation and (zₖ, wₖ) the rule for the standard
/// normal. With one node (z = 0, w = 1) the correction is 0: the Laplace approximation. For binomial and Poisson the
/// deviance residuals differ from −2 log p(y | u) by a constant, so the result is the integral with every constant;
/// for Gamma the dispersion is taken as 1 inside the integral, as lme4 does.
/// <para>The workspaces (one value per group) are allocated here; a rule is computed once per node count.</para></summary>
internal sealed class AdaptiveQuadrature
{
    private readonly PirlsState state;
    private readonly double[] groupBase, groupShifted, groupMultiplier, groupScale;
    private double[]? ruleNodes, ruleWeights;

    /// <summary>Workspaces for <paramref name="state"/>, whose model must have a single scalar term.</summary>
    public AdaptiveQuadrature(PirlsState state)
    {
        this.state = state;
        int groups = state.SingleScalarTerm ? state.Terms[0].LevelCount : 0;
        groupBase = new double[groups];
        groupShifted = new double[groups];
        groupMultiplier = new double[groups];
        groupScale = new double[groups];
    }

    /// <summary>The correction with <paramref name="nodeCount"/> nodes at θ and the state's modes.</summary>
    public double Correction(ReadOnlySpan<double> theta, int nodeCount)
    {
        var term = state.Terms[0];
        int groups = term.LevelCount, n = state.RowCount;
        double scale = theta[0];
        var u = state.U;
        var firstBlocks = state.FactorBlocks;
        var levelOfRow = term.LevelOfRow;
        var z = term.Z;
        var rows = state.Rows;
        var shift = rows.Shift;
        var rowPass = state.RowPass;
        for (int j = 0; j < groups; j++)
        {
            groupScale[j] = 1 / Math.Sqrt(scale * scale * firstBlocks[j] + 1);
            groupBase[j] = u[j] * u[j];
        }
        for (int i = 0; i < n; i++) shift[i] = scale * z[i] * groupScale[levelOfRow[i]];
        rowPass.ShiftedDeviance(rows, 0, levelOfRow, groupBase);

        if (ruleNodes is null || ruleNodes.Length != nodeCount) (ruleNodes, ruleWeights) = GaussHermite.Rule(nodeCount);
        var nodes = ruleNodes;
        var nodeWeights = ruleWeights!;
        Array.Clear(groupMultiplier);
        for (int k = 0; k < nodes.Length; k++)
        {
            double node = nodes[k];
            if (node == 0)
            {
                for (int j = 0; j < groups; j++) groupMultiplier[j] += nodeWeights[k];
                continue;
            }
            for (int j = 0; j < groups; j++)
            {
                double shifted = u[j] + node * groupScale[j];
                groupShifted[j] = shifted * shifted;
            }
            rowPass.ShiftedDeviance(rows, node, levelOfRow, groupShifted);
            double half = 0.5 * node * node;
            for (int j = 0; j < groups; j++)
            {
                double exponent = -0.5 * (groupShifted[j] - groupBase[j]) + half;
                if (!double.IsNaN(exponent)) groupMultiplier[j] += nodeWeights[k] * Math.Exp(exponent);
            }
        }
        double correction = 0;
        for (int j = 0; j < groups; j++) correction -= 2 * Math.Log(groupMultiplier[j]);
        return correction;
    }
}
