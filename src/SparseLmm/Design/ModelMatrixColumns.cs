using SparseLmm.Formulas;

namespace SparseLmm.Design;

/// <summary>Named columns of a model matrix, in the order R's <c>model.matrix</c> produces them.</summary>
/// <param name="Names">Column names as lme4 prints them, e.g. <c>(Intercept)</c>, <c>Days</c>, <c>grpb</c>, <c>x:grpb</c>.</param>
/// <param name="Columns">One array per column, of length equal to the number of kept rows.</param>
internal sealed record ModelMatrixColumns(IReadOnlyList<string> Names, IReadOnlyList<double[]> Columns)
{
    /// <summary>Number of rows.</summary>
    public int RowCount => Columns.Count == 0 ? 0 : Columns[0].Length;

    /// <summary>The columns packed row-major (row i holds entries i*p .. i*p+p−1), the layout the one-pass cross-product wants.</summary>
    public double[] ToRowMajor()
    {
        int p = Columns.Count, n = RowCount;
        var packed = new double[n * p];
        for (int j = 0; j < p; j++)
        {
            var column = Columns[j];
            for (int i = 0; i < n; i++) packed[i * p + j] = column[i];
        }
        return packed;
    }

    /// <summary>Builds the columns of an intercept (optional) plus <paramref name="terms"/>, following R's coding rule:
    /// a categorical factor in a term is coded by treatment contrasts (first level dropped) when the term without that
    /// factor is also in the model (the intercept counting as the empty term), and by one indicator per level otherwise.</summary>
    public static ModelMatrixColumns Build(bool hasIntercept, IReadOnlyList<Term> terms, ExpressionEvaluator evaluator, int rowCount)
    {
        var names = new List<string>();
        var columns = new List<double[]>();
        if (hasIntercept)
        {
            names.Add("(Intercept)");
            var ones = new double[rowCount];
            Array.Fill(ones, 1.0);
            columns.Add(ones);
        }
        var termKeys = new HashSet<string>(terms.Select(t => TermKey(t.Factors.Select(FormulaText.Format))));
        if (hasIntercept) termKeys.Add(TermKey([]));
        foreach (var term in terms)
        {
            var labels = term.Factors.Select(FormulaText.Format).ToList();
            var pieces = new List<(List<string> Names, List<double[]> Columns)>();
            for (int f = 0; f < term.Factors.Count; f++)
            {
                var factor = evaluator.Evaluate(term.Factors[f]);
                var margin = TermKey(labels.Where((_, index) => index != f));
                pieces.Add(Expand(factor, useContrasts: termKeys.Contains(margin)));
            }
            // R varies the first factor fastest in an interaction's columns.
            var combined = pieces[0];
            foreach (var next in pieces.Skip(1)) combined = Interact(combined, next, rowCount);
            names.AddRange(combined.Names);
            columns.AddRange(combined.Columns);
        }
        return new ModelMatrixColumns(names, columns);
    }

    private static string TermKey(IEnumerable<string> labels) => string.Join("\u0001", labels.Order(StringComparer.Ordinal));

    private static (List<string> Names, List<double[]> Columns) Expand(EvaluatedFactor factor, bool useContrasts)
    {
        if (factor is NumericFactor numeric) return ([numeric.Label], [numeric.Values]);
        var categorical = (CategoricalFactor)factor;
        var names = new List<string>();
        var columns = new List<double[]>();
        for (int level = useContrasts ? 1 : 0; level < categorical.Levels.Length; level++)
        {
            var indicator = new double[categorical.Codes.Length];
            for (int i = 0; i < indicator.Length; i++) indicator[i] = categorical.Codes[i] == level ? 1.0 : 0.0;
            names.Add(categorical.Label + categorical.Levels[level]);
            columns.Add(indicator);
        }
        return (names, columns);
    }

    private static (List<string> Names, List<double[]> Columns) Interact(
        (List<string> Names, List<double[]> Columns) first, (List<string> Names, List<double[]> Columns) second, int rowCount)
    {
        var names = new List<string>();
        var columns = new List<double[]>();
        for (int b = 0; b < second.Columns.Count; b++)
        {
            for (int a = 0; a < first.Columns.Count; a++)
            {
                var product = new double[rowCount];
                var left = first.Columns[a];
                var right = second.Columns[b];
                for (int i = 0; i < rowCount; i++) product[i] = left[i] * right[i];
                names.Add(first.Names[a] + ":" + second.Names[b]);
                columns.Add(product);
            }
        }
        return (names, columns);
    }
}
