namespace SparseLmm.Glmm;

/// <summary>Where each evaluation's PIRLS starts, as the fit moves through its stages (lme4's <c>glmer</c>):
/// <list type="number">
/// <item>Before stage one: nothing kept; PIRLS at θ = 1 starts from R's starting means.</item>
/// <item>Stage one (<see cref="KeepInitial"/>): lme4's schedule starts from the linear predictor of PIRLS at θ = 1;
/// the exact fallback from the last stage-one modes.</item>
/// <item>Stage two (<see cref="KeepStageOne"/>): lme4's schedule starts from the stage-one optimum's linear predictor
/// (lme4's <c>lp0</c>) and modes; the exact fallback from the last stage-two modes, then the stage-one modes.</item>
/// </list>
/// The first iteration from a kept linear predictor always has the same cross-products (stage one) or ones linear in β
/// (stage two, one scalar term), so they are kept too instead of being recomputed from the rows.</summary>
internal sealed class PirlsStarts(PirlsState state)
{
    // Stage one's products are kept only when they are small next to the data (the first term's blocks are one per
    // level, the rest can be large).
    private const int KeptProductsAllowance = 4096;

    private readonly double[] warmU = new double[state.U.Length], warmBeta = new double[state.Beta.Length];
    private KeptPredictor? startPredictor;
    private double[]? stageOneU;
    private double[]? stageOneBlocks, stageOneFirstRest, stageOneRest;
    private StageTwoStart? stageTwoStart;

    /// <summary>Whether the last stage-one evaluation (or PIRLS at θ = 1) left modes to fall back to.</summary>
    public bool HasWarmJoint { get; private set; }

    /// <summary>Whether the last stage-two evaluation (or the stage-one optimum) left modes to fall back to.</summary>
    public bool HasWarmModes { get; private set; }

    /// <summary>Whether lme4's schedule has a linear predictor to start from.</summary>
    public bool HasStartPredictor => startPredictor is not null;

    /// <summary>Whether the stage-one optimum's modes are kept (stage two has begun).</summary>
    public bool HasStageOneModes => stageOneU is not null;

    /// <summary>After PIRLS at θ = 1 converged: its linear predictor starts every stage-one evaluation.</summary>
    public void KeepInitial(PenalizedSystem joint)
    {
        startPredictor = state.KeepPredictor();
        KeepWarmJoint();
        var products = joint.Products;
        if (products.FirstBlocks.Length + products.FirstRest.Length + products.Rest.Length <= state.RowCount + KeptProductsAllowance
            && state.FromLinearPredictor(joint, jointMode: true) && state.AccumulateProducts(joint, jointMode: true))
        {
            stageOneBlocks = (double[])products.FirstBlocks.Clone();
            stageOneFirstRest = (double[])products.FirstRest.Clone();
            stageOneRest = (double[])products.Rest.Clone();
        }
    }

    /// <summary>After the stage-one optimum: its linear predictor starts every stage-two evaluation, its modes are the
    /// fallback start.</summary>
    public void KeepStageOne()
    {
        stageOneU = (double[])state.U.Clone();
        KeepWarmModes();
        startPredictor = state.KeepPredictor();
        stageOneBlocks = stageOneFirstRest = stageOneRest = null;
        if (state.SingleScalarTerm)
        {
            var sums = new StageTwoStart(state.Terms[0].LevelCount, state.FixedEffectCount);
            stageTwoStart = state.StageTwoStartSums(startPredictor, sums) ? sums : null;
        }
    }

    /// <summary>The current modes become the stage-one fallback start.</summary>
    public void KeepWarmJoint()
    {
        state.U.CopyTo(warmU, 0);
        state.Beta.CopyTo(warmBeta, 0);
        HasWarmJoint = true;
    }

    /// <summary>The current modes become the stage-two fallback start.</summary>
    public void KeepWarmModes()
    {
        state.U.CopyTo(warmU, 0);
        HasWarmModes = true;
    }

    /// <summary>Puts the start of lme4's schedule in the state: R's starting means (<paramref name="fromMeanStart"/>)
    /// or the kept linear predictor with the kept modes, and the cross-products of the first iteration. False when
    /// the start is out of the family's range.</summary>
    public bool PrepareLme4(PenalizedSystem system, bool jointMode, bool fromMeanStart)
    {
        if (fromMeanStart)
        {
            state.StartFromMeanStart(jointMode);
            return state.FromLinearPredictor(system, jointMode);
        }
        (stageOneU ?? warmU).CopyTo(state.U, 0);
        if (jointMode) warmBeta.CopyTo(state.Beta, 0);
        if (jointMode && stageOneBlocks is not null)
        {
            stageOneBlocks.CopyTo(system.Products.FirstBlocks, 0);
            stageOneFirstRest!.CopyTo(system.Products.FirstRest, 0);
            stageOneRest!.CopyTo(system.Products.Rest, 0);
            state.ProductsFilledFor(system);
            return true;
        }
        if (!jointMode && stageTwoStart is not null)
        {
            stageTwoStart.Fill(system.Products, state.Beta);
            state.ProductsFilledFor(system);
            return true;
        }
        state.Restore(startPredictor!);
        return state.FromLinearPredictor(system, jointMode);
    }

    /// <summary>Puts the fallback start of the exact PIRLS in the state: the last modes of this stage. False when there
    /// are none.</summary>
    public bool PrepareWarm(bool jointMode)
    {
        if (jointMode ? !HasWarmJoint : !HasWarmModes) return false;
        warmU.CopyTo(state.U, 0);
        if (jointMode) warmBeta.CopyTo(state.Beta, 0);
        return true;
    }

    /// <summary>Puts the stage-one optimum's modes in the state (stage two's second fallback). False before stage two.</summary>
    public bool PrepareStageOneModes()
    {
        if (stageOneU is null) return false;
        stageOneU.CopyTo(state.U, 0);
        return true;
    }
}
