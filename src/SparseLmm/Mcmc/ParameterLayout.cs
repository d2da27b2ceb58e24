using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Mcmc;

/// <summary>The parameters an MCMC draw records, in the bootstrap's order: per random-effects term its SDs and
/// correlations (lower triangle by column), σ (for a model that has one), the fixed effects, then (when kept) every
/// random effect b = T u, term by term, level by level.</summary>
internal sealed class ParameterLayout
{
    private readonly IReadOnlyList<RandomEffectsDesign> terms;
    private readonly CovarianceParameterization parameterization;
    private readonly int[] termOffsets;
    private readonly double[] factor;
    private readonly double[] sds;
    private readonly bool recordsSigma;

    public ParameterLayout(IReadOnlyList<RandomEffectsDesign> terms, CovarianceParameterization parameterization,
        IReadOnlyList<string> fixedEffectNames, bool randomEffects, bool sigma = true)
    {
        recordsSigma = sigma;
        this.terms = terms;
        this.parameterization = parameterization;
        RandomEffects = randomEffects;
        var names = new List<string>();
        foreach (var term in terms)
        {
            int k = term.ColumnCount;
            for (int c = 0; c < k; c++)
                for (int r = c; r < k; r++)
                    names.Add(r == c ? $"sd_{term.TermNames[c]}|{term.GroupName}" : $"cor_{term.TermNames[r]}.{term.TermNames[c]}|{term.GroupName}");
        }
        if (sigma) names.Add("sigma");
        names.AddRange(fixedEffectNames);
        HyperparameterCount = names.Count;
        termOffsets = new int[terms.Count];
        for (int t = 1; t < terms.Count; t++) termOffsets[t] = termOffsets[t - 1] + terms[t - 1].Size;
        if (randomEffects)
            foreach (var term in terms)
                for (int level = 0; level < term.LevelCount; level++)
                    for (int c = 0; c < term.ColumnCount; c++)
                        names.Add($"b_{term.TermNames[c]}|{term.GroupName}:{term.Levels[level]}");
        Names = names;
        int largest = terms.Max(t => t.ColumnCount);
        factor = new double[largest * largest];
        sds = new double[largest];
    }

    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The variance parameters, σ and the fixed effects (the rest are random effects).</summary>
    public int HyperparameterCount { get; }

    public bool RandomEffects { get; }

    /// <summary>Writes one draw's parameters. <paramref name="u"/> is the spherical random effects in the response's
    /// units (terms concatenated, as <see cref="PenalizedSolver"/> leaves them); <paramref name="sigma"/> scales the
    /// SDs (1 for a binomial or Poisson model, which records no σ).</summary>
    public void Fill(ReadOnlySpan<double> theta, double sigma, ReadOnlySpan<double> beta, ReadOnlySpan<double> u, Span<double> output)
    {
        int index = 0;
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            parameterization.FillFactor(theta, t, factor);
            for (int r = 0; r < k; r++)
            {
                double squares = 0;
                for (int c = 0; c <= r; c++) squares += factor[r * k + c] * factor[r * k + c];
                sds[r] = Math.Sqrt(squares);
            }
            for (int c = 0; c < k; c++)
                for (int r = c; r < k; r++)
                {
                    if (r == c)
                    {
                        output[index++] = sigma * sds[c];
                        continue;
                    }
                    double product = 0;
                    for (int e = 0; e <= c; e++) product += factor[r * k + e] * factor[c * k + e];
                    double scale = sds[r] * sds[c];
                    output[index++] = scale > 0 ? product / scale : 0;
                }
        }
        if (recordsSigma) output[index++] = sigma;
        beta.CopyTo(output[index..]);
        index += beta.Length;
        if (!RandomEffects) return;
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            parameterization.FillFactor(theta, t, factor);
            var termU = u.Slice(termOffsets[t], terms[t].Size);
            for (int level = 0; level < terms[t].LevelCount; level++)
                for (int a = 0; a < k; a++)
                {
                    double value = 0;
                    for (int c = 0; c <= a; c++) value += factor[a * k + c] * termU[level * k + c];
                    output[index++] = value;
                }
        }
    }
}
