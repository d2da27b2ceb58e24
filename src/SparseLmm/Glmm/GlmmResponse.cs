using SparseLmm.Design;

namespace SparseLmm.Glmm;

/// <summary>The response of a GLMM on the family's scale, its prior weights, and the per-row pieces of the conditional
/// log-likelihood that do not depend on μ (binomial coefficients, log y!). Built once per fit, after checking the
/// response against the family.
/// <para>Binomial responses follow R's <c>binomial()$initialize</c>: a numeric response y ∈ [0, 1] has n = 1 trial per row
/// and prior weight w (the weights column, or 1), so proportions with the number of trials as weights work; a text
/// response has 0 for its first sorted level (failure) and 1 otherwise; <c>cbind(s, f)</c> gives y = s/(s + f) with
/// n = s + f trials and weight w·n. The log-likelihood is lme4's: Σ (w/m) log dbinom(round(m y), round(m), μ) with
/// m = n when some n exceeds 1, else m = w.</para></summary>
internal sealed class GlmmResponse
{
    private GlmmResponse(Family family, double[] y, double[] weights, double[] muStart, double[] likelihoodScale,
        double[] successes, double[] trials, double[] constant)
    {
        Family = family;
        Y = y;
        Weights = weights;
        MuStart = muStart;
        LikelihoodScale = likelihoodScale;
        Successes = successes;
        Trials = trials;
        Constant = constant;
        double weightSum = 0, weightedLogY = 0, weightedY = 0;
        AddTotals(ref weightSum, ref weightedLogY, ref weightedY);
        WeightSum = weightSum;
        WeightedLogY = weightedLogY;
        WeightedY = weightedY;
        (devianceOffsetIsExact, devianceOffset) = SaturatedOffset(0);
    }

    /// <summary>A streamed fit's response: no rows, only the totals its rows added up to (in row order, as the
    /// in-memory constructor adds them): Σ w, Σ w log y and the saturated offset (<see cref="SaturatedOffset"/>).</summary>
    public static GlmmResponse Totals(Family family, double weightSum, double weightedLogY, double weightedY, bool offsetIsExact,
        double offset) => new(family, weightSum, weightedLogY, weightedY, offsetIsExact, offset);

    private GlmmResponse(Family family, double weightSum, double weightedLogY, double weightedY, bool offsetIsExact, double offset)
    {
        Family = family;
        Y = Weights = MuStart = LikelihoodScale = Successes = Trials = Constant = [];
        WeightSum = weightSum;
        WeightedLogY = weightedLogY;
        WeightedY = weightedY;
        (devianceOffsetIsExact, devianceOffset) = (offsetIsExact, offset);
    }

    /// <summary>Adds these rows to running totals Σ w, (Gamma) Σ w log y and Σ w y, in row order.</summary>
    public void AddTotals(ref double weightSum, ref double weightedLogY, ref double weightedY)
    {
        for (int i = 0; i < Y.Length; i++)
        {
            weightSum += Weights[i];
            weightedY += Weights[i] * Y[i];
            if (Family.Kind == FamilyKind.Gamma && Weights[i] > 0) weightedLogY += Weights[i] * Math.Log(Y[i]);
        }
    }

    private readonly bool devianceOffsetIsExact;
    private readonly double devianceOffset;

    /// <summary>For binomial and Poisson responses with whole counts, −2 log p(y | μ) = Σ deviance residuals + a
    /// constant (−2 × the saturated log-likelihood), which saves a pass of logarithms per evaluation.</summary>
    /// <remarks>From <paramref name="start"/>: a streamed fit continues the sum over each chunk's rows.</remarks>
    internal (bool Exact, double Offset) SaturatedOffset(double start)
    {
        double offset = start;
        var y = Y;
        switch (Family.Kind)
        {
            case FamilyKind.Binomial:
                for (int i = 0; i < y.Length; i++)
                {
                    double scale = LikelihoodScale[i], s = Successes[i], m = Trials[i];
                    if (Math.Abs(scale * m - Weights[i]) > 1e-12 * Math.Max(1, Weights[i]) || Math.Abs(s - m * y[i]) > 1e-9)
                        return (false, 0);
                    if (scale == 0) continue;
                    double saturated = Constant[i];
                    if (s > 0) saturated += s * Math.Log(s / m);
                    if (m - s > 0) saturated += (m - s) * Math.Log((m - s) / m);
                    offset -= 2 * scale * saturated;
                }
                return (true, offset);
            case FamilyKind.Poisson:
                for (int i = 0; i < y.Length; i++)
                {
                    double w = Weights[i];
                    if (w == 0) continue;
                    double saturated = Constant[i] - y[i];
                    if (y[i] > 0) saturated += y[i] * Math.Log(y[i]);
                    offset -= 2 * w * saturated;
                }
                return (true, offset);
            default:
                return (false, 0);
        }
    }

    /// <summary>The family.</summary>
    public Family Family { get; }

    /// <summary>Response per row on the family's scale (a proportion for binomial).</summary>
    public double[] Y { get; }

    /// <summary>Prior weights (for binomial, trials times the user's weights).</summary>
    public double[] Weights { get; }

    /// <summary>R's starting means.</summary>
    public double[] MuStart { get; }

    /// <summary>Binomial: the multiplier w/m of each row's log density (0 where there are no trials).</summary>
    public double[] LikelihoodScale { get; }

    /// <summary>Binomial: round(m y) per row.</summary>
    public double[] Successes { get; }

    /// <summary>Binomial: round(m) per row.</summary>
    public double[] Trials { get; }

    /// <summary>Per row, the part of the log density that does not depend on μ: log C(m, s) for binomial, −log y! for
    /// Poisson (each times its multiplier), 0 for Gamma.</summary>
    public double[] Constant { get; }

    /// <summary>Σ prior weights.</summary>
    public double WeightSum { get; }

    /// <summary>Σ w y (the mean response's numerator).</summary>
    public double WeightedY { get; }

    /// <summary>Gamma: Σ w log y.</summary>
    public double WeightedLogY { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Y.Length;

    /// <summary>−2 log p(y | μ) with every normalizing constant, as lme4's <c>aic()</c> of the family computes it. For
    /// Gamma the dispersion is φ = (Σ deviance residuals)/(Σ w), and 2 is added, exactly as lme4 (and R's
    /// <c>Gamma()$aic</c>) do, so that log-likelihoods agree with lme4's.</summary>
    public double ConditionalDeviance(ReadOnlySpan<double> mu, double devianceResidualSum) =>
        devianceOffsetIsExact ? devianceResidualSum + devianceOffset : DirectConditionalDeviance(mu, devianceResidualSum);

    /// <summary><see cref="ConditionalDeviance(ReadOnlySpan{double}, double)"/> from sums over rows that are not held: for
    /// Gamma Σ w log μ and Σ w y/μ (in row order); binomial and Poisson need neither (their offset is exact; a streamed
    /// fit refuses a response whose is not).</summary>
    public double ConditionalDeviance(double devianceResidualSum, double weightedLogMu, double weightedRatio)
    {
        if (devianceOffsetIsExact) return devianceResidualSum + devianceOffset;
        if (Family.Kind != FamilyKind.Gamma) throw new InvalidOperationException("the conditional deviance needs the rows");
        return GammaDeviance(devianceResidualSum, weightedLogMu, weightedRatio);
    }

    private double GammaDeviance(double devianceResidualSum, double weightedLogMu, double weightedRatio)
    {
        double dispersion = devianceResidualSum / WeightSum;
        double shape = 1 / dispersion;
        double logLikelihood = -WeightSum * SpecialMath.LogGamma(shape)
            - shape * (weightedLogMu + WeightSum * Math.Log(dispersion))
            + (shape - 1) * WeightedLogY - shape * weightedRatio;
        return -2 * logLikelihood + 2;
    }

    /// <summary><see cref="ConditionalDeviance(ReadOnlySpan{double}, double)"/> term by term.</summary>
    internal double DirectConditionalDeviance(ReadOnlySpan<double> mu, double devianceResidualSum)
    {
        double sum = 0;
        var y = Y;
        switch (Family.Kind)
        {
            case FamilyKind.Binomial:
                for (int i = 0; i < y.Length; i++)
                {
                    double scale = LikelihoodScale[i];
                    if (scale == 0) continue;
                    double s = Successes[i], m = Trials[i];
                    double value = Constant[i];
                    if (s > 0) value += s * Math.Log(mu[i]);
                    if (m - s > 0) value += (m - s) * Math.Log(1 - mu[i]);
                    sum += scale * value;
                }
                return -2 * sum;
            case FamilyKind.Poisson:
                for (int i = 0; i < y.Length; i++)
                {
                    double w = Weights[i];
                    if (w == 0) continue;
                    double value = Constant[i] - mu[i];
                    if (y[i] > 0) value += y[i] * Math.Log(mu[i]);
                    sum += w * value;
                }
                return -2 * sum;
            case FamilyKind.Gamma:
            {
                // Σ w log dgamma(y; shape, μφ) = −W logΓ(a) − a Σ w log(μ φ) + (a − 1) Σ w log y − (1/φ) Σ w y/μ.
                double weightedLogMu = 0, weightedRatio = 0;
                for (int i = 0; i < y.Length; i++)
                {
                    double w = Weights[i];
                    if (w == 0) continue;
                    weightedLogMu += w * Math.Log(mu[i]);
                    weightedRatio += w * y[i] / mu[i];
                }
                return GammaDeviance(devianceResidualSum, weightedLogMu, weightedRatio);
            }
            default:
                throw new InvalidOperationException("not a GLMM family");
        }
    }

    /// <summary>Checks <paramref name="response"/> against <paramref name="family"/> and builds the GLMM response.</summary>
    /// <param name="response">The evaluated left-hand side.</param>
    /// <param name="family">A binomial, Poisson or Gamma family.</param>
    /// <param name="priorWeights">The weights column per kept row, or null.</param>
    /// <param name="dataRow">Maps a kept row to its data row number (1-based) for messages.</param>
    /// <param name="weightsName">The weights column's name, for messages.</param>
    /// <exception cref="InputException">The response does not suit the family.</exception>
    /// <param name="wholeData">False for one chunk of a streamed fit's rows, whose response may be constant, or its
    /// weights all 0, where the whole data's are not (checked over all of them).</param>
    public static GlmmResponse Build(ModelResponse response, Family family, double[]? priorWeights, Func<int, int> dataRow,
        string? weightsName, bool wholeData = true)
    {
        int n = response switch
        {
            NumericResponse numeric => numeric.Values.Length,
            CategoricalResponse categorical => categorical.Codes.Length,
            BinomialCountsResponse counts => counts.Successes.Length,
            _ => throw new InvalidOperationException("unknown response kind"),
        };
        var prior = priorWeights ?? Enumerable.Repeat(1.0, n).ToArray();
        string where(int i) => $"data row {dataRow(i)} (line {dataRow(i) + 1})";
        var label = response.Label;
        if (family.Kind != FamilyKind.Binomial && response is not NumericResponse)
        {
            throw new InputException(response is CategoricalResponse
                ? $"response '{label}' is text; the {family.Name} family needs a numeric response"
                : $"cbind() response '{label}' is for the binomial family, not {family.Name}");
        }
        bool anyPositive = prior.Any(w => w > 0);
        if (wholeData && !anyPositive) throw new InputException($"every prior weight{(weightsName is null ? "" : $" in '{weightsName}'")} is 0; nothing to fit");

        var built = family.Kind switch
        {
            FamilyKind.Binomial => BuildBinomial(response, family, prior, where, weightsName, wholeData),
            _ => BuildCounts(response, family, prior, where, n),
        };
        // As lme4's glmer: nothing to fit when every response is the same.
        if (wholeData && built.Y.Distinct().Count() < 2)
            throw new InputException($"response '{label}' is constant ({built.Y[0]} on every row); a {family.Name} model needs at least two distinct values");
        return built;
    }

    private static GlmmResponse BuildCounts(ModelResponse response, Family family, double[] prior, Func<int, string> where, int n)
    {
        var label = response.Label;
        switch (family.Kind)
        {
            case FamilyKind.Poisson:
            {
                var y = ((NumericResponse)response).Values;
                var constant = new double[n];
                for (int i = 0; i < n; i++)
                {
                    if (y[i] < 0)
                        throw new InputException($"poisson response '{label}' is {y[i]} at {where(i)}; counts cannot be negative");
                    double rounded = Math.Round(y[i]);
                    if (Math.Abs(y[i] - rounded) > 1e-7 * Math.Max(1, Math.Abs(y[i])))
                        throw new InputException($"poisson response '{label}' is {y[i]} at {where(i)}; counts must be whole numbers");
                    constant[i] = -SpecialMath.LogGamma(rounded + 1);
                }
                var values = y.Select(v => Math.Round(v)).ToArray();
                return new GlmmResponse(family, values, prior, values.Select(v => v + 0.1).ToArray(), prior, [], [], constant);
            }
            case FamilyKind.Gamma:
            {
                var y = ((NumericResponse)response).Values;
                for (int i = 0; i < n; i++)
                {
                    if (!(y[i] > 0))
                        throw new InputException($"Gamma response '{label}' is {y[i]} at {where(i)}; the Gamma family needs positive values");
                }
                return new GlmmResponse(family, (double[])y.Clone(), prior, (double[])y.Clone(), prior, [], [], new double[n]);
            }
            default:
                throw new InvalidOperationException("not a GLMM family");
        }
    }

    private static GlmmResponse BuildBinomial(ModelResponse response, Family family, double[] prior, Func<int, string> where,
        string? weightsName, bool wholeData)
    {
        var label = response.Label;
        int n = prior.Length;
        var y = new double[n];
        var trialsPerRow = new double[n];
        switch (response)
        {
            case NumericResponse numeric:
                for (int i = 0; i < n; i++)
                {
                    double value = numeric.Values[i];
                    if (value < 0 || value > 1)
                        throw new InputException(
                            $"binomial response '{label}' is {value} at {where(i)}; it must lie in [0, 1] (0/1 outcomes or proportions; use cbind(successes, failures) for counts)");
                    double successes = value * prior[i];
                    if (Math.Abs(successes - Math.Round(successes)) > 1e-3)
                    {
                        throw new InputException(weightsName is null
                            ? $"binomial response '{label}' is {value} at {where(i)}; a proportion needs the number of trials as weights (--weights COLUMN)"
                            : $"binomial response '{label}' times weights '{weightsName}' is {successes} at {where(i)}; it must be a whole number of successes");
                    }
                    y[i] = prior[i] == 0 ? 0 : value;
                    trialsPerRow[i] = 1;
                }
                break;
            case CategoricalResponse categorical:
            {
                var used = categorical.Codes.Distinct().OrderBy(c => c).ToArray();
                if (used.Length > 2)
                    throw new InputException(
                        $"binomial response '{label}' has {used.Length} levels ({string.Join(", ", used.Take(5).Select(c => categorical.Levels[c]))}{(used.Length > 5 ? ", ..." : "")}); it needs two, the first sorted level being failure");
                for (int i = 0; i < n; i++)
                {
                    y[i] = categorical.Codes[i] == 0 ? 0 : 1;
                    trialsPerRow[i] = 1;
                }
                break;
            }
            case BinomialCountsResponse counts:
                for (int i = 0; i < n; i++)
                {
                    double s = counts.Successes[i], f = counts.Failures[i];
                    if (s < 0)
                        throw new InputException($"binomial response '{label}' has {s} successes at {where(i)}; counts cannot be negative");
                    if (f < 0)
                        throw new InputException(
                            $"binomial response '{label}' has {f} failures at {where(i)}; successes cannot exceed trials");
                    if (Math.Abs(s - Math.Round(s)) > 1e-3 || Math.Abs(f - Math.Round(f)) > 1e-3)
                        throw new InputException(
                            $"binomial response '{label}' has non-integer counts ({s}, {f}) at {where(i)}; successes and failures must be whole numbers");
                    double trials = s + f;
                    trialsPerRow[i] = trials;
                    y[i] = trials == 0 ? 0 : s / trials;
                }
                break;
            default:
                throw new InvalidOperationException("unknown response kind");
        }

        var weights = new double[n];
        for (int i = 0; i < n; i++) weights[i] = prior[i] * trialsPerRow[i];
        bool anyMultiple = trialsPerRow.Any(t => t > 1);
        var scale = new double[n];
        var successesRounded = new double[n];
        var trialsRounded = new double[n];
        var constant = new double[n];
        var muStart = new double[n];
        for (int i = 0; i < n; i++)
        {
            double m = anyMultiple ? trialsPerRow[i] : weights[i];
            double roundedTrials = Math.Round(m, MidpointRounding.ToEven);
            double roundedSuccesses = Math.Round(m * y[i], MidpointRounding.ToEven);
            scale[i] = roundedTrials <= 0 ? 0 : weights[i] / roundedTrials;
            trialsRounded[i] = roundedTrials;
            successesRounded[i] = roundedSuccesses;
            constant[i] = SpecialMath.LogChoose(roundedTrials, roundedSuccesses);
            muStart[i] = (weights[i] * y[i] + 0.5) / (weights[i] + 1);
        }
        if (wholeData && weights.All(w => w == 0)) throw new InputException($"binomial response '{label}' has no trials in any row; nothing to fit");
        return new GlmmResponse(family, y, weights, muStart, scale, successesRounded, trialsRounded, constant);
    }
}
