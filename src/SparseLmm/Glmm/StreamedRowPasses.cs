using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Glmm;

/// <summary>Where PIRLS's linear predictor is when the rows are not held: R's starting means, or Xβ + Zb for a kept b
/// (= Λu) and β. q + p numbers stand for what the in-memory state keeps as η per row: every pass recomputes η from
/// them with the in-memory pass's arithmetic, so to the same bits.</summary>
internal sealed record KeptPredictor(bool FromMeanStart, double[] B, double[] Beta, double[]? Eta);

/// <summary>The row passes of a PIRLS state whose rows are streamed (<see cref="IRowBlocks"/>): each pass reads every
/// block once and runs the in-memory kernels (<see cref="RowPass"/>, <see cref="CrossProducts.AddBlock"/>) on it, each
/// block's sums continuing the previous block's, so a pass gives the numbers of the in-memory pass over the same rows in
/// the same order. Every pass that leaves IRLS weights also accumulates the cross-products of the next PIRLS step (the
/// in-memory state keeps the weights per row for them; here they would need a pass of their own). Memory: one block.</summary>
internal sealed class StreamedRowPasses
{
    private readonly IRowBlocks blocks;
    private readonly RowState block;
    private readonly double[] muStart;
    private readonly RowPass rowPass;
    private readonly Link link;
    private readonly Family family;
    private readonly int p;
    private readonly double[] b, fixedBeta, predictorB, predictorBeta;
    private readonly Action<int, long>? progress;
    private readonly CancellationToken cancellation;
    private bool fromMeanStart = true;

    public StreamedRowPasses(IRowBlocks blocks, IReadOnlyList<RandomEffectsDesign> terms, int[] termOffsets, double[] b,
        Family family, int fixedEffectCount, Action<int, long>? progress, CancellationToken cancellation)
    {
        this.blocks = blocks;
        this.b = b;
        this.family = family;
        this.progress = progress;
        this.cancellation = cancellation;
        link = family.Link;
        p = fixedEffectCount;
        rowPass = RowPass.For(family);
        int rows = blocks.BlockRows;
        var blockTerms = terms.Select(t => t with { LevelOfRow = new int[rows], Z = new double[rows * t.ColumnCount] }).ToList();
        block = new RowState
        {
            RowCount = 0, FixedEffectCount = p, X = new double[rows * p], Y = new double[rows], Weights = new double[rows],
            Terms = blockTerms, TermOffsets = termOffsets, B = b, FixedPart = new double[rows], Offset = [],
            Eta = new double[rows], Mu = new double[rows], IrlsWeights = new double[rows], Working = new double[rows], Shift = [],
        };
        muStart = new double[rows];
        fixedBeta = new double[p];
        predictorB = new double[b.Length];
        predictorBeta = new double[p];
    }

    /// <summary>Passes over the rows so far.</summary>
    public int Passes { get; private set; }

    /// <summary>Gamma: Σ w log μ and Σ w y/μ at the last evaluation (what −2 log p(y | μ) needs besides the deviance).</summary>
    public (double WeightedLogMu, double WeightedRatio) GammaSums { get; private set; }

    /// <summary>η becomes R's starting means.</summary>
    public void StartFromMeanStart() => fromMeanStart = true;

    /// <summary>Stage two's β (held fixed, with the offset, as Xβ).</summary>
    public void SetFixedPart(ReadOnlySpan<double> beta) => beta.CopyTo(fixedBeta);

    /// <summary>The current linear predictor, to come back to (<see cref="Restore"/>).</summary>
    public KeptPredictor Keep() => new(fromMeanStart, (double[])predictorB.Clone(), (double[])predictorBeta.Clone(), null);

    public void Restore(KeptPredictor kept)
    {
        fromMeanStart = kept.FromMeanStart;
        kept.B.CopyTo(predictorB, 0);
        kept.Beta.CopyTo(predictorBeta, 0);
    }

    /// <summary>A pass as <see cref="RowPass.Evaluate"/> at b (the state's) and β, accumulating the next step's
    /// cross-products into <paramref name="products"/> (null: none). +∞ when some η or μ is out of range.</summary>
    public double Evaluate(ReadOnlySpan<double> beta, bool jointMode, CrossProducts? products)
    {
        double deviance = 0, logMu = 0, ratio = 0;
        bool gamma = family.Kind == FamilyKind.Gamma;
        bool finite = true;
        StartPass(products);
        for (int rows; (rows = NextBlock(jointMode)) > 0;)
        {
            deviance = rowPass.Evaluate(block, beta, jointMode, null, deviance);
            if (double.IsPositiveInfinity(deviance))
            {
                finite = false;
                break;
            }
            products?.AddBlock(block.Terms, rows, jointMode ? block.X.AsSpan(0, rows * p) : [], block.Working, block.IrlsWeights);
            if (gamma)
            {
                // In GlmmResponse.DirectConditionalDeviance's order.
                var mu = block.Mu;
                for (int i = 0; i < rows; i++)
                {
                    double w = block.Weights[i];
                    if (w == 0) continue;
                    logMu += w * Math.Log(mu[i]);
                    ratio += w * block.Y[i] / mu[i];
                }
            }
        }
        products?.EndBlocks();
        // η is now the evaluated point's, whether or not it stayed in range (the in-memory η is then partial, and
        // neither is read before the next evaluation).
        fromMeanStart = false;
        b.CopyTo(predictorB, 0);
        (jointMode ? beta : fixedBeta).CopyTo(predictorBeta);
        GammaSums = (logMu, ratio);
        return finite ? deviance : double.PositiveInfinity;
    }

    /// <summary>A pass as <see cref="RowPass.FromLinearPredictor"/> from the current linear predictor, accumulating
    /// into <paramref name="products"/>. False when some η or μ is out of range.</summary>
    public bool FromLinearPredictor(bool jointMode, CrossProducts? products)
    {
        StartPass(products);
        for (int rows; (rows = NextBlock(jointMode)) > 0;)
        {
            PredictorEta(rows);
            if (!rowPass.FromLinearPredictor(block, jointMode, null)) return false;
            products?.AddBlock(block.Terms, rows, jointMode ? block.X.AsSpan(0, rows * p) : [], block.Working, block.IrlsWeights);
        }
        products?.EndBlocks();
        return true;
    }

    /// <summary>A pass as <see cref="RowPass.StageTwoStartSums"/> from <paramref name="kept"/>'s linear predictor.</summary>
    public bool StageTwoStartSums(KeptPredictor kept, StageTwoStart sums)
    {
        var current = Keep();
        Restore(kept);
        bool ok = true, clear = true;
        StartPass(null);
        for (int rows; ok && (rows = NextBlock(jointMode: true)) > 0;)
        {
            PredictorEta(rows);
            ok = rowPass.StageTwoStartSums(block, block.Eta, sums, clear);
            clear = false;
        }
        Restore(current);
        return ok;
    }

    /// <summary>At the current linear predictor: Σ w (y − μ)²/V(μ) and Σ ((y − μ)√(w/V(μ)))², the Pearson sums the
    /// in-memory fit forms from its μ per row (for Gamma's dispersion and σ).</summary>
    public (double WeightedSquares, double ResidualSquares) PearsonSums()
    {
        double weighted = 0, residuals = 0;
        StartPass(null);
        for (int rows; (rows = NextBlock(jointMode: true)) > 0;)
        {
            PredictorEta(rows);
            if (!rowPass.FromLinearPredictor(block, true, null)) return (double.NaN, double.NaN);
            for (int i = 0; i < rows; i++)
            {
                double r = block.Y[i] - block.Mu[i], w = block.Weights[i], variance = family.Variance(block.Mu[i]);
                weighted += w * r * r / variance;
                double pearson = r * Math.Sqrt(w / variance);
                residuals += pearson * pearson;
            }
        }
        return (weighted, residuals);
    }

    private long read;

    private void StartPass(CrossProducts? products)
    {
        blocks.Rewind();
        Passes++;
        read = 0;
        products?.BeginBlocks();
    }

    /// <summary>Reads the next block, with stage two's fixed part when not in joint mode; 0 at the end.</summary>
    private int NextBlock(bool jointMode)
    {
        cancellation.ThrowIfCancellationRequested();
        int rows = blocks.Next(block, muStart);
        if (rows == 0) return 0;
        if (!jointMode)
        {
            // As PirlsState.ComputeFixedPart (the streamed fits have no offset).
            var fixedPart = block.FixedPart;
            var x = block.X;
            for (int i = 0; i < rows; i++)
            {
                double value = 0;
                for (int j = 0; j < p; j++) value += x[i * p + j] * fixedBeta[j];
                fixedPart[i] = value;
            }
        }
        read += rows;
        progress?.Invoke(Passes, read);
        return rows;
    }

    /// <summary>The block's η at the current linear predictor, as the in-memory pass computed it.</summary>
    private void PredictorEta(int rows)
    {
        var eta = block.Eta;
        if (fromMeanStart)
        {
            for (int i = 0; i < rows; i++) eta[i] = link.Evaluate(muStart[i]);
            return;
        }
        var x = block.X;
        var terms = block.Terms;
        for (int i = 0; i < rows; i++)
        {
            double value = 0;
            for (int j = 0; j < p; j++) value += x[i * p + j] * predictorBeta[j];
            for (int t = 0; t < terms.Count; t++)
            {
                var term = terms[t];
                int k = term.ColumnCount, index = block.TermOffsets[t] + term.LevelOfRow[i] * k;
                for (int c = 0; c < k; c++) value += term.Z[i * k + c] * predictorB[index + c];
            }
            eta[i] = value;
        }
    }
}
