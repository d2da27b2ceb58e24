namespace SparseLmm.Design;

/// <summary>nlme's denominator degrees of freedom for the fixed effects' t tests (<c>getFixDF</c>, the
/// "between/within" or containment rule), for the nested grouping factors nlme fits: the strata are the grouping
/// factors, outermost (fewest levels) first, then the residual; stratum s has its levels less the next outer one's (the
/// residual: n less the innermost factor's levels). A column of X belongs to the innermost stratum within whose groups
/// it varies (the residual when it varies within the innermost groups); each stratum loses one df per column it holds,
/// the outermost one more for the intercept (or every other one gains one without an intercept), and a column's df is
/// its stratum's; the intercept (a constant column) gets the largest.</summary>
internal static class ContainmentDegreesOfFreedom
{
    /// <summary>The df per column of X, or null when the grouping factors are not nested (nlme fits only nested ones).</summary>
    public static double[]? Compute(ModelDesign design)
    {
        var factors = design.RandomTerms.GroupBy(t => t.GroupName).Select(g => g.First()).OrderBy(t => t.LevelCount).ToList();
        int n = design.RowCount, p = design.FixedEffectCount, strata = factors.Count + 1;
        for (int f = 1; f < factors.Count; f++)
            if (!NestedWithin(factors[f], factors[f - 1])) return null;
        var stratumDf = new double[strata];
        for (int s = 0; s < strata; s++)
            stratumDf[s] = (s < factors.Count ? factors[s].LevelCount : n) - (s == 0 ? 0 : factors[s - 1].LevelCount);

        var stratumOfColumn = new int[p];
        bool anyConstant = false;
        for (int j = 0; j < p; j++)
        {
            if (VariesWithin(design, j, null))
            {
                int stratum = 0;
                for (int f = 0; f < factors.Count; f++)
                    if (VariesWithin(design, j, factors[f])) stratum = f + 1;
                stratumOfColumn[j] = stratum;
                stratumDf[stratum]--;
            }
            else
            {
                stratumOfColumn[j] = -1;
                anyConstant = true;
            }
        }
        if (anyConstant) stratumDf[0]--;
        else for (int s = 1; s < strata; s++) stratumDf[s]++;
        double largest = stratumDf.Max();
        return stratumOfColumn.Select(s => s < 0 ? largest : stratumDf[s]).ToArray();
    }

    /// <summary>True when column j of X takes two values within one level of <paramref name="factor"/> (within all rows
    /// when null).</summary>
    private static bool VariesWithin(ModelDesign design, int j, RandomEffectsDesign? factor)
    {
        int p = design.FixedEffectCount;
        var first = new double[factor?.LevelCount ?? 1];
        var seen = new bool[first.Length];
        for (int i = 0; i < design.RowCount; i++)
        {
            int group = factor?.LevelOfRow[i] ?? 0;
            double value = design.X[i * p + j];
            if (!seen[group])
            {
                seen[group] = true;
                first[group] = value;
            }
            else if (value != first[group]) return true;
        }
        return false;
    }

    private static bool NestedWithin(RandomEffectsDesign inner, RandomEffectsDesign outer)
    {
        var outerOfInner = new int[inner.LevelCount];
        Array.Fill(outerOfInner, -1);
        for (int i = 0; i < inner.LevelOfRow.Length; i++)
        {
            ref int level = ref outerOfInner[inner.LevelOfRow[i]];
            if (level >= 0 && level != outer.LevelOfRow[i]) return false;
            level = outer.LevelOfRow[i];
        }
        return true;
    }
}
