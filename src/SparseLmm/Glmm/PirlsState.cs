using SparseLmm.Numerics;
using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Glmm;

/// <summary>What PIRLS works on: the current modes u (and β), the linear predictor, means, IRLS weights and working
/// response of every row, and the two penalized systems (u alone with Xβ as an offset; u and β jointly), with the
/// operations both PIRLS schedules (<see cref="Lme4Pirls"/>, <see cref="ExactPirls"/>) are made of.
/// <para>Every buffer is allocated here, once: no PIRLS iteration allocates.</para></summary>
internal sealed class PirlsState
{
    /// <summary>The most iterations either schedule takes before it gives up.</summary>
    public const int MaxIterations = 100;

    private readonly Link link;
    private readonly double[] working, irlsWeights, fixedPart, b;
    private readonly double[][] relativeFactors;
    private PenalizedSystem? joint;

    // The products the last row pass accumulated into (fused with it), or null: Factor then needs no pass of its own.
    private CrossProducts? fusedFor;

    // The fit's thread budget, shared by its two penalized systems.
    private readonly ThreadBudget threads;

    // The caller's token, looked at by every PIRLS step and inside its pass over the rows.
    private readonly CancellationToken cancellation;

    // The passes over rows that are not held (a streamed fit), or null: the rows are the design's.
    private readonly StreamedRowPasses? streamed;

    // Streamed, without one scalar term: where each pass accumulates the next PIRLS step's cross-products, copied into
    // the system's own when it is factored. The system's products then stay those of its factor, as in memory (where
    // they are accumulated by the factorization itself), which the conditional covariances at the optimum are
    // computed from (ModeSolution factors the products again). With one scalar term the in-memory passes accumulate
    // into the system's products directly, and so do the streamed ones.
    private readonly CrossProducts? pendingModes, pendingJoint;

    /// <summary>Allocates the state for <paramref name="design"/> with <paramref name="terms"/> ordered largest first;
    /// its penalized systems run on at most <paramref name="threads"/> (default: every processor). With
    /// <paramref name="streamedRows"/>, the rows are read from there by every pass instead (the design and the terms
    /// hold none), and nothing of the rows' length is allocated.</summary>
    public PirlsState(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, GlmmResponse response, ThreadBudget? threads = null,
        CancellationToken cancellation = default, StreamedRows? streamedRows = null)
    {
        this.threads = threads ?? new ThreadBudget();
        this.cancellation = cancellation;
        Response = response;
        link = response.Family.Link;
        Terms = terms;
        X = design.X;
        RowCount = design.RowCount;
        FixedEffectCount = design.FixedEffectCount;
        int p = FixedEffectCount;
        // A streamed state keeps no array of the rows' length.
        int n = streamedRows is null ? RowCount : 0;
        Parameterization = new CovarianceParameterization(terms);
        relativeFactors = terms.Select(t => new double[t.ColumnCount * t.ColumnCount]).ToArray();
        Modes = streamedRows is null ? new PenalizedSystem(terms, 0, n, this.threads) : new PenalizedSystem(streamedRows.ModesLayout);
        if (streamedRows is not null) joint = new PenalizedSystem(streamedRows.JointLayout);
        int q = terms.Sum(t => t.Size);
        Eta = new double[n];
        Mu = new double[n];
        working = new double[n];
        irlsWeights = new double[n];
        fixedPart = new double[n];
        U = new double[q];
        b = new double[q];
        Beta = new double[p];
        bool scalarSingle = terms.Count == 1 && terms[0].ColumnCount == 1;
        Rows = new RowState
        {
            RowCount = n, FixedEffectCount = p, X = X, Y = response.Y, Weights = response.Weights, Terms = terms,
            TermOffsets = Modes.TermOffsets, B = b, FixedPart = fixedPart, Offset = design.Offset ?? [], Eta = Eta, Mu = Mu,
            IrlsWeights = irlsWeights,
            Working = working, Shift = scalarSingle ? new double[n] : [],
        };
        RowPass = RowPass.For(response.Family);
        SingleScalarTerm = scalarSingle;
        FactorBlocks = new double[scalarSingle ? terms[0].LevelCount : 0];
        if (streamedRows is not null)
        {
            if (!scalarSingle)
            {
                pendingModes = new CrossProducts(Modes.Layout);
                pendingJoint = new CrossProducts(joint!.Layout);
            }
            foreach (var products in new[] { Modes.Products, joint!.Products, pendingModes, pendingJoint })
                products?.SumBlocksAsPartitioned(streamedRows.RowsOfFirstLevel);
            streamed = new StreamedRowPasses(streamedRows.Blocks, terms, Modes.TermOffsets, b, response.Family, p, streamedRows.Progress, cancellation);
        }
    }

    /// <summary>Whether the rows are streamed: <see cref="Eta"/>, <see cref="Mu"/> and the per-row results are then
    /// empty.</summary>
    public bool RowsStreamed => streamed is not null;

    /// <summary>Passes over the streamed rows so far (0 in memory).</summary>
    public int Passes => streamed?.Passes ?? 0;

    public GlmmResponse Response { get; }
    public IReadOnlyList<RandomEffectsDesign> Terms { get; }
    public double[] X { get; }
    public int RowCount { get; }
    public int FixedEffectCount { get; }

    /// <summary>The θ ↔ T mapping.</summary>
    public CovarianceParameterization Parameterization { get; }

    /// <summary>The system for u alone, Xβ an offset (stage two).</summary>
    public PenalizedSystem Modes { get; }

    /// <summary>The system for u and β jointly (stage one and the RX covariance), created when first needed.</summary>
    public PenalizedSystem Joint => joint ??= new PenalizedSystem(Terms, FixedEffectCount, RowCount, threads);

    /// <summary>One scalar random-effects term: the row passes accumulate the cross-products as they go, and
    /// quadrature applies.</summary>
    public bool SingleScalarTerm { get; }

    public RowState Rows { get; }
    public RowPass RowPass { get; }

    /// <summary>The current spherical conditional modes u (terms largest first, concatenated).</summary>
    public double[] U { get; }

    /// <summary>The current β: PIRLS's own in joint mode, the offset's otherwise.</summary>
    public double[] Beta { get; }

    /// <summary>η at the current modes.</summary>
    public double[] Eta { get; }

    /// <summary>μ at the current modes.</summary>
    public double[] Mu { get; }

    /// <summary>For one scalar term: the first term's diagonal blocks (Σ W z² per level) as last factored in the modes
    /// system. Quadrature needs the conditional SDs of that factor, as lme4 uses them; empty otherwise.</summary>
    public double[] FactorBlocks { get; }

    /// <summary>Σ deviance residuals at the modes of the last evaluation.</summary>
    public double DevianceResidualSum { get; private set; }

    /// <summary>Number of PIRLS iterations so far (each: one pass over the rows to accumulate the weighted
    /// cross-products, one factorization, one pass to evaluate the new modes; a step-halving adds a pass).</summary>
    public int PirlsIterations { get; private set; }

    /// <summary>T of every term at θ, for Λu in <see cref="EvaluateAt"/>.</summary>
    public void FillRelativeFactors(ReadOnlySpan<double> theta)
    {
        for (int t = 0; t < Terms.Count; t++) Parameterization.FillFactor(theta, t, relativeFactors[t]);
    }

    /// <summary>η from R's starting means (the family's <c>mustart</c>), u = 0 and, in joint mode, β = 0.</summary>
    public void StartFromMeanStart(bool jointMode)
    {
        Array.Clear(U);
        if (jointMode) Array.Clear(Beta);
        if (streamed is not null)
        {
            streamed.StartFromMeanStart();
            return;
        }
        var start = Response.MuStart;
        for (int i = 0; i < RowCount; i++) Eta[i] = link.Evaluate(start[i]);
    }

    /// <summary>Xβ plus the formula's offset, what stage two holds fixed, from the current β.</summary>
    public void ComputeFixedPart()
    {
        if (streamed is not null)
        {
            streamed.SetFixedPart(Beta);
            return;
        }
        int p = FixedEffectCount;
        var offset = Rows.Offset;
        if (p == 0)
        {
            if (offset.Length == 0) Array.Clear(fixedPart);
            else offset.CopyTo(fixedPart, 0);
            return;
        }
        for (int i = 0; i < RowCount; i++)
        {
            double value = offset.Length == 0 ? 0 : offset[i];
            var row = X.AsSpan(i * p, p);
            for (int j = 0; j < p; j++) value += row[j] * Beta[j];
            fixedPart[i] = value;
        }
    }

    /// <summary>μ, weights and working response from the η in the state, with the fused accumulation when it applies.</summary>
    public bool FromLinearPredictor(PenalizedSystem system, bool jointMode)
    {
        var target = SingleScalarTerm ? system.Products : streamed is not null ? Pending(system) : null;
        fusedFor = null;
        if (!(streamed?.FromLinearPredictor(jointMode, target) ?? RowPass.FromLinearPredictor(Rows, jointMode, target))) return false;
        fusedFor = target;
        return true;
    }

    /// <summary>Records that <paramref name="system"/>'s cross-products were filled from a kept start (they are those
    /// of the state the next iteration starts from).</summary>
    public void ProductsFilledFor(PenalizedSystem system) => fusedFor = system.Products;

    /// <summary>Makes <paramref name="system"/>'s cross-products those of the current state (a pass over the rows
    /// unless the last row pass accumulated them already). False only when streamed rows' linear predictor is out of
    /// range (the in-memory weights were computed by a pass that succeeded).</summary>
    public bool AccumulateProducts(PenalizedSystem system, bool jointMode)
    {
        if (ReferenceEquals(fusedFor, system.Products)) return true;
        if (streamed is not null)
        {
            var pending = Pending(system);
            if (!ReferenceEquals(fusedFor, pending) && !streamed.FromLinearPredictor(jointMode, pending ?? system.Products)) return false;
            if (pending is not null)
            {
                pending.FirstBlocks.CopyTo(system.Products.FirstBlocks, 0);
                pending.FirstRest.CopyTo(system.Products.FirstRest, 0);
                pending.Rest.CopyTo(system.Products.Rest, 0);
            }
        }
        else system.Products.Accumulate(jointMode ? X : ReadOnlySpan<double>.Empty, working, irlsWeights, cancellation: cancellation);
        fusedFor = system.Products;
        return true;
    }

    /// <summary>One PIRLS iteration's factorization: the weighted cross-products of the current state (unless the last
    /// row pass accumulated them already), then the factor at θ.</summary>
    public bool Factor(PenalizedSystem system, bool jointMode, ReadOnlySpan<double> theta)
    {
        cancellation.ThrowIfCancellationRequested();
        PirlsIterations++;
        if (!AccumulateProducts(system, jointMode)) return false;
        if (!jointMode && FactorBlocks.Length > 0) system.Products.FirstBlocks.AsSpan(0, FactorBlocks.Length).CopyTo(FactorBlocks);
        return system.Factor(theta);
    }

    /// <summary>Cov(β̂)/φ from the joint system factored at θ with the weights at the current modes (lme4's RX-based
    /// covariance).</summary>
    public double[] JointFixedCovariance(ReadOnlySpan<double> theta)
    {
        if (FixedEffectCount == 0) return [];
        // Only the weights matter for L_X; they are the ones at the current modes.
        if (streamed is not null)
        {
            if (!streamed.FromLinearPredictor(jointMode: true, Joint.Products))
                throw new InvalidOperationException("the GLMM's linear predictor left the family's range at the optimum");
        }
        else Joint.Products.Accumulate(X, working, irlsWeights, cancellation: cancellation);
        fusedFor = null;
        if (!Joint.Factor(theta)) throw new InvalidOperationException("the GLMM system is not positive definite at the optimum");
        return Joint.UnscaledFixedCovariance();
    }

    /// <summary>Sets η and μ at the given modes and returns the penalized deviance Σ deviance residuals + ‖u‖²
    /// (+∞ when η or μ leaves the family's range). With <paramref name="accumulate"/> false the pass leaves the
    /// cross-products alone even where it could fuse their accumulation, so the factor stays that of the products (a
    /// sampler evaluates many points against one factor).</summary>
    public double EvaluateAt(ReadOnlySpan<double> modesU, ReadOnlySpan<double> fixedEffects, bool jointMode, bool accumulate = true)
    {
        // b = Λ u, term by term.
        for (int t = 0; t < Terms.Count; t++)
        {
            var term = Terms[t];
            int k = term.ColumnCount, offset = Modes.TermOffsets[t];
            var factor = relativeFactors[t];
            if (k == 1)
            {
                double scale = factor[0];
                for (int level = 0; level < term.LevelCount; level++) b[offset + level] = scale * modesU[offset + level];
                continue;
            }
            for (int level = 0; level < term.LevelCount; level++)
            {
                int baseIndex = offset + level * k;
                for (int a = 0; a < k; a++)
                {
                    double value = 0;
                    for (int c = 0; c <= a; c++) value += factor[a * k + c] * modesU[baseIndex + c];
                    b[baseIndex + a] = value;
                }
            }
        }

        var system = jointMode ? joint! : Modes;
        var target = !accumulate ? null : SingleScalarTerm ? system.Products : streamed is not null ? Pending(system) : null;
        fusedFor = null;
        double deviance = streamed?.Evaluate(fixedEffects, jointMode, target) ?? RowPass.Evaluate(Rows, fixedEffects, jointMode, target);
        if (!double.IsFinite(deviance)) return double.PositiveInfinity;
        fusedFor = target;
        DevianceResidualSum = deviance;
        return deviance + SquaredLength(modesU);
    }

    /// <summary>Streamed without one scalar term: where passes accumulate <paramref name="system"/>'s next products.</summary>
    private CrossProducts? Pending(PenalizedSystem system) => ReferenceEquals(system, Modes) ? pendingModes : pendingJoint;

    /// <summary>The Laplace deviance at the current modes: −2 log p(y | û) with every constant + ‖û‖² + log|L|².</summary>
    public double LaplaceDeviance(PenalizedSystem system) =>
        ConditionalDeviance() + SquaredLength(U) + system.LogDeterminantRandom;

    /// <summary>−2 log p(y | μ) with every constant at the last evaluation (see <see cref="GlmmResponse.ConditionalDeviance(ReadOnlySpan{double}, double)"/>).</summary>
    public double ConditionalDeviance() => streamed is null
        ? Response.ConditionalDeviance(Mu, DevianceResidualSum)
        : Response.ConditionalDeviance(DevianceResidualSum, streamed.GammaSums.WeightedLogMu, streamed.GammaSums.WeightedRatio);

    /// <summary>The current linear predictor, kept to start PIRLS from later (<see cref="Restore"/>): η per row in
    /// memory, the b and β it comes from when the rows are streamed.</summary>
    public KeptPredictor KeepPredictor() => streamed?.Keep() ?? new KeptPredictor(false, [], [], (double[])Eta.Clone());

    /// <summary>Makes <paramref name="kept"/> the current linear predictor.</summary>
    public void Restore(KeptPredictor kept)
    {
        if (streamed is not null) streamed.Restore(kept);
        else kept.Eta!.CopyTo(Eta, 0);
    }

    /// <summary>One scalar term: the sums of stage two's first PIRLS step from <paramref name="kept"/> (see
    /// <see cref="StageTwoStart"/>). False when that linear predictor is out of range.</summary>
    public bool StageTwoStartSums(KeptPredictor kept, StageTwoStart sums) =>
        streamed?.StageTwoStartSums(kept, sums) ?? RowPass.StageTwoStartSums(Rows, kept.Eta, sums);

    /// <summary>Streamed rows, at the current linear predictor: Σ w (y − μ)²/V(μ) and Σ of the squared Pearson residuals
    /// (the in-memory fit forms both from <see cref="Mu"/>).</summary>
    public (double WeightedSquares, double ResidualSquares) PearsonSums() =>
        streamed?.PearsonSums() ?? throw new InvalidOperationException("the rows are in memory: use the means per row");

    /// <summary>‖v‖².</summary>
    public static double SquaredLength(ReadOnlySpan<double> v)
    {
        double sum = 0;
        foreach (var value in v) sum += value * value;
        return sum;
    }

    /// <summary>result = from + step (to − from); exactly <paramref name="to"/> for a full step.</summary>
    public static void Interpolate(ReadOnlySpan<double> from, ReadOnlySpan<double> to, double step, Span<double> result)
    {
        if (step == 1)
        {
            to.CopyTo(result);
            return;
        }
        for (int j = 0; j < from.Length; j++) result[j] = from[j] + step * (to[j] - from[j]);
    }
}
