namespace SparseLmm.Engine;

/// <summary>The objective of a linear mixed model with a residual structure, over θ followed by the structure's
/// parameters: the log variance ratios of variance groups 2.. (nlme's varIdent, the first group's ratio fixed at 1) and,
/// with corAR1, ρ. σ stays profiled: each evaluation combines the whitened cross-products
/// (<see cref="ResidualCrossProducts"/>), evaluates the ordinary profiled objective on them, and adds log|V| of the
/// residual correlation-and-variance matrix V (σ² V the residual covariance): Σ_i 2 log λ_g(i) + Σ_pairs log(1−φ²),
/// φ = ρ^lag over the consecutive pairs of each correlation group (the AR(1) correlation matrix of m equally spaced rows
/// has determinant (1−ρ²)^(m−1)). No allocation per evaluation.</summary>
internal sealed class ResidualDeviance
{
    /// <summary>ρ is kept inside ±this: beyond it the AR(1) precision's coefficients pass 500.</summary>
    public const double LargestCorrelation = 0.999;

    private readonly ResidualCrossProducts products;
    private readonly double[] coefficients;
    private readonly double[] groupRows;
    private readonly double[] lagCounts;
    private readonly double[] lagPowers;

    /// <summary>The objective over accumulated <paramref name="products"/>, by REML or ML.</summary>
    public ResidualDeviance(ResidualCrossProducts products, bool reml)
    {
        this.products = products;
        Deviance = new ProfiledDeviance(products.Combined, reml);
        coefficients = new double[products.ComponentCount];
        var residual = products.Residual;
        groupRows = new double[residual.VarianceLevelCount];
        foreach (int group in residual.VarianceGroupOfRow) groupRows[group]++;
        lagCounts = new double[residual.Gaps.Length];
        lagPowers = new double[residual.Gaps.Length];
        foreach (int gap in residual.GapOfRow ?? [])
            if (gap >= 0) lagCounts[gap]++;
        ThetaLength = Deviance.Parameterization.Length;
        Length = ThetaLength + residual.VarianceLevelCount - 1 + (residual.Autoregressive ? 1 : 0);
    }

    /// <summary>The ordinary objective over the whitened cross-products of the last <see cref="SetStructure"/>.</summary>
    public ProfiledDeviance Deviance { get; }

    /// <summary>The number of θ parameters (the first of the parameter vector).</summary>
    public int ThetaLength { get; }

    /// <summary>All parameters: θ, the log ratios, ρ.</summary>
    public int Length { get; }

    /// <summary>The objective at <paramref name="parameters"/>.</summary>
    public double Evaluate(ReadOnlySpan<double> parameters)
    {
        double logDeterminant = SetStructure(parameters[ThetaLength..]);
        return Deviance.FactorAt(parameters[..ThetaLength])
            ? Deviance.ObjectiveFromFactor() + logDeterminant
            : ProfiledDeviance.FailedEvaluation;
    }

    /// <summary>Combines the cross-products at the structure's parameters (log ratios, then ρ) and returns log|V|.</summary>
    public double SetStructure(ReadOnlySpan<double> structure)
    {
        var residual = products.Residual;
        int groups = residual.VarianceLevelCount;
        double rho = residual.Autoregressive ? structure[groups - 1] : 0;
        double logDeterminant = 0;
        for (int j = 0; j < lagPowers.Length; j++)
        {
            double phi = Math.Pow(rho, residual.Gaps[j]);
            lagPowers[j] = phi;
            logDeterminant += lagCounts[j] * Math.Log(1 - phi * phi);
        }
        for (int g = 0; g < groups; g++)
        {
            double logRatio = g == 0 ? 0 : structure[g - 1];
            logDeterminant += 2 * logRatio * groupRows[g];
            coefficients[g] = Math.Exp(-2 * logRatio);
        }
        var kinds = products.PairKinds;
        for (int k = 0; k < kinds.Count; k++)
        {
            var (gap, previous, current) = kinds[k];
            double phi = lagPowers[gap], scale = 1 / (1 - phi * phi);
            double a = Math.Sqrt(coefficients[current]), b = Math.Sqrt(coefficients[previous]);
            int at = groups + 3 * k;
            coefficients[at] = scale * (a * a - phi * a * b);
            coefficients[at + 1] = scale * (phi * phi * b * b - phi * a * b);
            coefficients[at + 2] = scale * phi * a * b;
        }
        products.Combine(coefficients);
        return logDeterminant;
    }

    /// <summary>True when every lag is even: the likelihood then depends on ρ² only (nlme's corARMA stays at its start
    /// ρ = 0, a stationary point), so ρ is taken ≥ 0 and started off 0.</summary>
    public bool EvenLagsOnly => products.Residual.Gaps is { Length: > 0 } gaps && gaps.All(gap => gap % 2 == 0);

    /// <summary>Where the structure's parameters start: ratios 1, and ρ = 0 (or ½ with even lags only).</summary>
    public double[] StructureStart()
    {
        var start = new double[Length - ThetaLength];
        if (EvenLagsOnly) start[^1] = 0.5;
        return start;
    }

    /// <summary>Lower bounds: θ's, then −∞ for the log ratios and −<see cref="LargestCorrelation"/> for ρ (0 with even
    /// lags only).</summary>
    public double[] LowerBounds() =>
        Bounds(Deviance.Parameterization.LowerBounds(), double.NegativeInfinity, EvenLagsOnly ? 0 : -LargestCorrelation);

    /// <summary>Upper bounds: +∞, and <see cref="LargestCorrelation"/> for ρ.</summary>
    public double[] UpperBounds() =>
        Bounds(Enumerable.Repeat(double.PositiveInfinity, ThetaLength).ToArray(), double.PositiveInfinity, LargestCorrelation);

    private double[] Bounds(double[] theta, double logRatio, double rho)
    {
        var bounds = new double[Length];
        theta.CopyTo(bounds, 0);
        for (int j = ThetaLength; j < Length; j++) bounds[j] = logRatio;
        if (products.Residual.Autoregressive) bounds[^1] = rho;
        return bounds;
    }
}
