using System.Runtime.CompilerServices;
using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Glmm;

/// <summary>A link function for inner loops: static members on a struct, so that a generic row pass is compiled once
/// per link with the calls inlined. The formulas are lme4's (glmFamily.cpp) guards included.</summary>
internal interface ILinkKernel
{
    /// <summary>True when η is a valid linear predictor (R's <c>valideta</c>).</summary>
    static abstract bool IsValid(double eta);

    /// <summary>μ = g⁻¹(η).</summary>
    static abstract double Inverse(double eta);

    /// <summary>dμ/dη at η, given μ = g⁻¹(η) (which saves an exponential for most links).</summary>
    static abstract double Derivative(double eta, double mu);
}

/// <summary>A variance function and deviance for inner loops (see <see cref="ILinkKernel"/>).</summary>
internal interface IFamilyKernel
{
    /// <summary>True when μ lies in the family's range.</summary>
    static abstract bool IsValidMean(double mu);

    /// <summary>V(μ).</summary>
    static abstract double Variance(double mu);

    /// <summary>The deviance residual of y at μ with prior weight w.</summary>
    static abstract double DevianceResidual(double y, double mu, double weight);
}

internal readonly struct LogitKernel : ILinkKernel
{
    public static bool IsValid(double eta) => double.IsFinite(eta);

    public static double Inverse(double eta)
    {
        double value = eta >= 0 ? 1 / (1 + Math.Exp(-eta)) : Math.Exp(eta) / (1 + Math.Exp(eta));
        return Math.Clamp(value, RowConstants.Epsilon, 1 - RowConstants.Epsilon);
    }

    public static double Derivative(double eta, double mu) => Math.Max(RowConstants.Epsilon, mu * (1 - mu));
}

internal readonly struct ProbitKernel : ILinkKernel
{
    public static bool IsValid(double eta) => double.IsFinite(eta);

    public static double Inverse(double eta) => Math.Clamp(SpecialMath.NormalCdf(eta), RowConstants.Epsilon, 1 - RowConstants.Epsilon);

    public static double Derivative(double eta, double mu) => Math.Max(RowConstants.Epsilon, SpecialMath.NormalDensity(eta));
}

internal readonly struct CloglogKernel : ILinkKernel
{
    public static bool IsValid(double eta) => double.IsFinite(eta);

    public static double Inverse(double eta) =>
        Math.Clamp(-SpecialMath.ExpMinusOne(-Math.Exp(Math.Min(eta, 700))), RowConstants.Epsilon, 1 - RowConstants.Epsilon);

    public static double Derivative(double eta, double mu)
    {
        double e = Math.Exp(Math.Min(eta, 700));
        return Math.Max(RowConstants.Epsilon, e * Math.Exp(-e));
    }
}

internal readonly struct LogKernel : ILinkKernel
{
    public static bool IsValid(double eta) => double.IsFinite(eta);

    public static double Inverse(double eta) => Math.Max(RowConstants.Epsilon, Math.Exp(eta));

    public static double Derivative(double eta, double mu) => mu;
}

internal readonly struct SqrtKernel : ILinkKernel
{
    public static bool IsValid(double eta) => eta > 0 && double.IsFinite(eta);

    public static double Inverse(double eta) => eta * eta;

    public static double Derivative(double eta, double mu) => 2 * eta;
}

internal readonly struct IdentityKernel : ILinkKernel
{
    public static bool IsValid(double eta) => double.IsFinite(eta);

    public static double Inverse(double eta) => eta;

    public static double Derivative(double eta, double mu) => 1.0;
}

internal readonly struct InverseKernel : ILinkKernel
{
    public static bool IsValid(double eta) => eta > 0 && double.IsFinite(eta);

    public static double Inverse(double eta) => 1 / eta;

    public static double Derivative(double eta, double mu) => -mu * mu;
}

internal readonly struct BinomialKernel : IFamilyKernel
{
    public static bool IsValidMean(double mu) => mu > 0 && mu < 1;

    public static double Variance(double mu) => Math.Max(RowConstants.Epsilon, mu * (1 - mu));

    public static double DevianceResidual(double y, double mu, double weight) =>
        2 * weight * (SpecialMath.XLogXOverM(y, mu) + SpecialMath.XLogXOverM(1 - y, 1 - mu));
}

internal readonly struct PoissonKernel : IFamilyKernel
{
    public static bool IsValidMean(double mu) => mu > 0 && double.IsFinite(mu);

    public static double Variance(double mu) => mu;

    public static double DevianceResidual(double y, double mu, double weight) =>
        2 * weight * (SpecialMath.XLogXOverM(y, mu) - (y - mu));
}

internal readonly struct GammaKernel : IFamilyKernel
{
    public static bool IsValidMean(double mu) => mu > 0 && double.IsFinite(mu);

    public static double Variance(double mu) => mu * mu;

    public static double DevianceResidual(double y, double mu, double weight) => -2 * weight * (Math.Log(y / mu) - (y - mu) / mu);
}

internal static class RowConstants
{
    /// <summary>R's <c>.Machine$double.eps</c>.</summary>
    public const double Epsilon = 2.220446049250313e-16;
}

/// <summary>Everything a pass over the rows reads and writes, owned by one <see cref="GlmmObjective"/>.</summary>
internal sealed class RowState
{
    /// <summary>The rows (a streamed block's rows change from block to block; the arrays may be longer).</summary>
    public required int RowCount { get; set; }
    public required int FixedEffectCount { get; init; }
    public required double[] X { get; init; }
    public required double[] Y { get; init; }
    public required double[] Weights { get; init; }
    public required IReadOnlyList<RandomEffectsDesign> Terms { get; init; }
    public required int[] TermOffsets { get; init; }

    /// <summary>Λu per term, concatenated like u.</summary>
    public required double[] B { get; init; }

    /// <summary>Xβ plus the formula's offset: what stage two holds fixed.</summary>
    public required double[] FixedPart { get; init; }

    /// <summary>The formula's offset per row (a known part of η), or empty when it has none.</summary>
    public required double[] Offset { get; init; }

    public required double[] Eta { get; init; }
    public required double[] Mu { get; init; }
    public required double[] IrlsWeights { get; init; }
    public required double[] Working { get; init; }

    /// <summary>Quadrature: the linear predictor shift per unit node for each row, θ zᵢ sⱼ.</summary>
    public required double[] Shift { get; init; }
}

/// <summary>The passes over the rows of a PIRLS iteration, compiled for one family and link. Each pass allocates
/// nothing and touches every row once.</summary>
internal abstract class RowPass
{
    /// <summary>The pass for <paramref name="family"/>.</summary>
    public static RowPass For(Family family) => (family.Kind, family.Link.Kind) switch
    {
        (FamilyKind.Binomial, LinkKind.Logit) => new RowPass<LogitKernel, BinomialKernel>(),
        (FamilyKind.Binomial, LinkKind.Probit) => new RowPass<ProbitKernel, BinomialKernel>(),
        (FamilyKind.Binomial, LinkKind.Cloglog) => new RowPass<CloglogKernel, BinomialKernel>(),
        (FamilyKind.Poisson, LinkKind.Log) => new RowPass<LogKernel, PoissonKernel>(),
        (FamilyKind.Poisson, LinkKind.Sqrt) => new RowPass<SqrtKernel, PoissonKernel>(),
        (FamilyKind.Poisson, LinkKind.Identity) => new RowPass<IdentityKernel, PoissonKernel>(),
        (FamilyKind.Gamma, LinkKind.Inverse) => new RowPass<InverseKernel, GammaKernel>(),
        (FamilyKind.Gamma, LinkKind.Log) => new RowPass<LogKernel, GammaKernel>(),
        (FamilyKind.Gamma, LinkKind.Identity) => new RowPass<IdentityKernel, GammaKernel>(),
        _ => throw new InvalidOperationException($"no GLMM kernel for {family}"),
    };

    /// <summary>η = Xβ (joint) or the offset (stage two) + Z b per row, then μ, the deviance residuals and, for the
    /// next PIRLS step, the IRLS weights and the working response (minus the offset in stage two). Returns Σ deviance
    /// residuals, or +∞ when some η or μ is out of range (the state is then partial).
    /// <para>With <paramref name="products"/> (one scalar random-effects term only), the same pass also accumulates the
    /// weighted cross-products of [z X working] into it, exactly as <see cref="CrossProducts.Accumulate"/> would
    /// (same products, same order, so the same bits), which saves the PIRLS step its own pass over the rows.</para>
    /// <para>The sum starts at <paramref name="devianceStart"/>: blocks of rows passed in turn, each from the previous
    /// block's sum, add in the order (and to the bits) of one pass over all the rows.</para></summary>
    public abstract double Evaluate(RowState state, ReadOnlySpan<double> beta, bool jointMode, CrossProducts? products,
        double devianceStart = 0);

    /// <summary>Sets μ, the IRLS weights and the working response from the η already in the state (a start), and
    /// accumulates the cross-products as <see cref="Evaluate"/> does. False when some η or μ is out of range.</summary>
    public abstract bool FromLinearPredictor(RowState state, bool jointMode, CrossProducts? products);

    /// <summary>Stage two with one scalar term: from the start linear predictor η₀ (fixed for the whole stage), the sums
    /// that give the first PIRLS step's cross-products for any β without a pass over the rows (see
    /// <see cref="StageTwoStart"/>). False when η₀ is out of range. Without <paramref name="clear"/> the rows add to
    /// the sums so far (blocks of rows in turn).</summary>
    public abstract bool StageTwoStartSums(RowState state, ReadOnlySpan<double> startPredictor, StageTwoStart sums, bool clear = true);

    /// <summary>Starts a fused accumulation: clears the cross-products.</summary>
    protected static void Clear(CrossProducts products)
    {
        Array.Clear(products.FirstBlocks);
        Array.Clear(products.FirstRest);
        Array.Clear(products.Rest);
    }

    /// <summary>Adds one row (weight, z, x row, working response) to the cross-products of a single scalar term, in
    /// <see cref="CrossProducts.Accumulate"/>'s arithmetic order.</summary>
    protected static void AddRow(CrossProducts products, int level, double weight, double z, ReadOnlySpan<double> xRow, double response)
    {
        int p = xRow.Length, size = p + 1;
        products.FirstBlocks[level] += weight * z * z;
        if (p == 0)
        {
            double value = weight * response;
            products.FirstRest[level] += value * z;
            products.Rest[0] += value * response;
            return;
        }
        var firstRest = products.FirstRest;
        var rest = products.Rest;
        int tail = products.Layout.PatternStart[level + 1] - size;
        for (int e = 0; e < size; e++)
        {
            double entry = e < p ? xRow[e] : response;
            double value = weight * entry;
            firstRest[tail + e] += value * z;
            int rowOffset = e * size;
            for (int f = 0; f <= e; f++) rest[rowOffset + f] += value * (f < p ? xRow[f] : response);
        }
    }

    /// <summary>Ends a fused accumulation: mirrors the lower triangle of the dense block.</summary>
    protected static void Finish(CrossProducts products)
    {
        int size = products.Layout.RestSize;
        var rest = products.Rest;
        for (int r = 0; r < size; r++)
            for (int c = 0; c < r; c++)
                rest[c * size + r] = rest[r * size + c];
    }

    /// <summary>Quadrature: adds each row's deviance residual at η + node × shift to its group's total.</summary>
    public abstract void ShiftedDeviance(RowState state, double node, int[] levelOfRow, Span<double> groupTotals);
}

internal sealed class RowPass<TLink, TFamily> : RowPass
    where TLink : struct, ILinkKernel
    where TFamily : struct, IFamilyKernel
{
    /// <summary>One row's IRLS step at linear predictor η: the mean, the weight w μ'² / V(μ), and the working
    /// response's adjustment (y − μ)/μ'. False when η or μ leaves the family's domain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IrlsRow(double value, double y, double priorWeight, out double mean, out double weight, out double adjustment)
    {
        weight = adjustment = 0;
        mean = double.NaN;
        if (!TLink.IsValid(value)) return false;
        mean = TLink.Inverse(value);
        if (!TFamily.IsValidMean(mean)) return false;
        double derivative = TLink.Derivative(value, mean);
        weight = priorWeight == 0 ? 0 : priorWeight * derivative * derivative / TFamily.Variance(mean);
        adjustment = (y - mean) / derivative;
        return true;
    }

    public override double Evaluate(RowState state, ReadOnlySpan<double> beta, bool jointMode, CrossProducts? products,
        double devianceStart = 0)
    {
        int n = state.RowCount, p = state.FixedEffectCount;
        var x = state.X;
        var y = state.Y;
        var weights = state.Weights;
        var fixedPart = state.FixedPart;
        var eta = state.Eta;
        var mu = state.Mu;
        var irls = state.IrlsWeights;
        var working = state.Working;
        var b = state.B;
        var terms = state.Terms;
        bool singleScalar = terms.Count == 1 && terms[0].ColumnCount == 1;
        var firstLevels = terms[0].LevelOfRow;
        var firstZ = terms[0].Z;
        var offset = state.Offset;
        if (products is not null) Clear(products);
        double deviance = devianceStart;
        for (int i = 0; i < n; i++)
        {
            double fixedValue, offsetValue = offset.Length == 0 ? 0 : offset[i];
            if (jointMode)
            {
                fixedValue = offsetValue;
                var row = x.AsSpan(i * p, p);
                for (int j = 0; j < row.Length; j++) fixedValue += row[j] * beta[j];
            }
            else
            {
                fixedValue = fixedPart[i];
            }
            double value = fixedValue;
            if (singleScalar)
            {
                value += firstZ[i] * b[firstLevels[i]];
            }
            else
            {
                for (int t = 0; t < terms.Count; t++)
                {
                    var term = terms[t];
                    int k = term.ColumnCount;
                    int index = state.TermOffsets[t] + term.LevelOfRow[i] * k;
                    for (int c = 0; c < k; c++) value += term.Z[i * k + c] * b[index + c];
                }
            }
            double w = weights[i];
            if (!IrlsRow(value, y[i], w, out double mean, out double weight, out double adjustment)) return double.PositiveInfinity;
            eta[i] = value;
            mu[i] = mean;
            double response = value - (jointMode ? offsetValue : fixedValue) + adjustment;
            irls[i] = weight;
            working[i] = response;
            deviance += TFamily.DevianceResidual(y[i], mean, w);
            if (products is not null)
                AddRow(products, firstLevels[i], weight, firstZ[i], jointMode ? x.AsSpan(i * p, p) : ReadOnlySpan<double>.Empty, response);
        }
        if (products is not null) Finish(products);
        return double.IsFinite(deviance) ? deviance : double.PositiveInfinity;
    }

    public override bool FromLinearPredictor(RowState state, bool jointMode, CrossProducts? products)
    {
        int n = state.RowCount, p = state.FixedEffectCount;
        var x = state.X;
        var firstLevels = state.Terms[0].LevelOfRow;
        var firstZ = state.Terms[0].Z;
        if (products is not null) Clear(products);
        var y = state.Y;
        var weights = state.Weights;
        var fixedPart = state.FixedPart;
        var eta = state.Eta;
        var mu = state.Mu;
        var irls = state.IrlsWeights;
        var working = state.Working;
        var offset = state.Offset;
        for (int i = 0; i < n; i++)
        {
            double value = eta[i];
            if (!IrlsRow(value, y[i], weights[i], out double mean, out double weight, out double adjustment)) return false;
            mu[i] = mean;
            double response = value - (jointMode ? (offset.Length == 0 ? 0 : offset[i]) : fixedPart[i]) + adjustment;
            irls[i] = weight;
            working[i] = response;
            if (products is not null)
                AddRow(products, firstLevels[i], weight, firstZ[i], jointMode ? x.AsSpan(i * p, p) : ReadOnlySpan<double>.Empty, response);
        }
        if (products is not null) Finish(products);
        return true;
    }

    public override bool StageTwoStartSums(RowState state, ReadOnlySpan<double> startPredictor, StageTwoStart sums, bool clear = true)
    {
        int n = state.RowCount, p = state.FixedEffectCount;
        var x = state.X;
        var y = state.Y;
        var weights = state.Weights;
        var levels = state.Terms[0].LevelOfRow;
        var z = state.Terms[0].Z;
        var offset = state.Offset;
        if (clear) sums.Clear();
        for (int i = 0; i < n; i++)
        {
            double value = startPredictor[i];
            if (!IrlsRow(value, y[i], weights[i], out _, out double weight, out double adjustment)) return false;
            double working = value + adjustment - (offset.Length == 0 ? 0 : offset[i]);
            int level = levels[i];
            double wz = weight * z[i];
            sums.Blocks[level] += wz * z[i];
            sums.Cross[level] += wz * working;
            sums.Response += weight * working * working;
            var row = x.AsSpan(i * p, p);
            var crossX = sums.CrossX.AsSpan(level * p, p);
            for (int a = 0; a < p; a++)
            {
                double wx = weight * row[a];
                crossX[a] += wz * row[a];
                sums.ResponseX[a] += wx * working;
                for (int b = 0; b <= a; b++) sums.Gram[a * p + b] += wx * row[b];
            }
        }
        return true;
    }

    public override void ShiftedDeviance(RowState state, double node, int[] levelOfRow, Span<double> groupTotals)
    {
        int n = state.RowCount;
        var y = state.Y;
        var weights = state.Weights;
        var eta = state.Eta;
        var shift = state.Shift;
        for (int i = 0; i < n; i++)
        {
            double value = eta[i] + node * shift[i];
            int j = levelOfRow[i];
            if (!TLink.IsValid(value))
            {
                groupTotals[j] = double.PositiveInfinity;
                continue;
            }
            double mean = TLink.Inverse(value);
            groupTotals[j] += TFamily.IsValidMean(mean) ? TFamily.DevianceResidual(y[i], mean, weights[i]) : double.PositiveInfinity;
        }
    }
}

/// <summary>Stage two with one scalar term: PIRLS always starts from the same linear predictor η₀, so its first step's
/// weights W₀ and working response z₀ − Xβ (z₀ = η₀ + (y − μ₀)/μ₀' − offset) differ between evaluations only through β. With
/// the per-level sums Σ W₀z², Σ W₀z z₀, Σ W₀z x and the totals Σ W₀z₀², Σ W₀z₀x, X'W₀X, the cross-products of that step
/// are, for any β: blocks Σ W₀z²; response row Σ W₀z z₀ − (Σ W₀z x)β; response diagonal Σ W₀z₀² − 2(Σ W₀z₀x)β +
/// β'X'W₀Xβ. That saves every stage-two evaluation (and every Hessian evaluation) one of its passes over the rows.</summary>
internal sealed class StageTwoStart(int levels, int fixedEffects)
{
    public double[] Blocks { get; } = new double[levels];
    public double[] Cross { get; } = new double[levels];
    public double[] CrossX { get; } = new double[levels * fixedEffects];
    public double[] ResponseX { get; } = new double[fixedEffects];
    public double[] Gram { get; } = new double[fixedEffects * fixedEffects];
    public double Response { get; set; }

    public void Clear()
    {
        Array.Clear(Blocks);
        Array.Clear(Cross);
        Array.Clear(CrossX);
        Array.Clear(ResponseX);
        Array.Clear(Gram);
        Response = 0;
    }

    /// <summary>Writes the first step's cross-products at β into <paramref name="products"/> (a p = 0 layout).</summary>
    public void Fill(CrossProducts products, ReadOnlySpan<double> beta)
    {
        int p = beta.Length;
        Blocks.CopyTo(products.FirstBlocks, 0);
        var firstRest = products.FirstRest;
        for (int level = 0; level < Cross.Length; level++)
        {
            double value = Cross[level];
            var crossX = CrossX.AsSpan(level * p, p);
            for (int a = 0; a < p; a++) value -= crossX[a] * beta[a];
            firstRest[level] = value;
        }
        double response = Response;
        for (int a = 0; a < p; a++)
        {
            response -= 2 * ResponseX[a] * beta[a];
            double quadratic = Gram[a * p + a] * beta[a];
            for (int b = 0; b < a; b++) quadratic += 2 * Gram[a * p + b] * beta[b];
            response += quadratic * beta[a];
        }
        products.Rest[0] = response;
    }
}
