using System.Buffers;
using SparseLmm.Formulas;

namespace SparseLmm.Design;

/// <summary>Named columns of a model matrix, in the order R's <c>model.matrix</c> produces them.</summary>
/// <param name="Names">Column names as lme4 prints them, e.g. <c>(Intercept)</c>, <c>Days</c>, <c>grpb</c>, <c>x:grpb</c>.</param>
/// <param name="Columns">One array per column, of length equal to the number of kept rows. A column that is a bare
/// numeric variable may be the evaluated factor's own array (possibly the table's): read it, do not write it.</param>
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
        var plan = ModelMatrixPlan.Build(hasIntercept, terms, evaluator, rowCount);
        return new ModelMatrixColumns(plan.Names, plan.Columns.Select(c => c.Materialize(rowCount)).ToList());
    }
}

/// <summary>The columns of a model matrix as recipes (a constant, a numeric factor, a level indicator, a product of
/// columns) rather than arrays, so that the matrix can be written row-major at once without one array per column.</summary>
/// <param name="Names">Column names as <see cref="ModelMatrixColumns.Names"/>.</param>
/// <param name="Columns">How to compute each column.</param>
/// <param name="RowCount">Number of rows.</param>
internal sealed record ModelMatrixPlan(IReadOnlyList<string> Names, IReadOnlyList<ColumnPlan> Columns, int RowCount)
{
    /// <summary>Rows filled per step (and per parallel work item) when packing.</summary>
    private const int BlockRows = 4096;

    /// <summary>The plan of <see cref="ModelMatrixColumns.Build"/>: same columns, names and coding.</summary>
    /// <param name="hasIntercept">Whether the matrix starts with the intercept.</param>
    /// <param name="terms">The terms.</param>
    /// <param name="evaluator">The rows.</param>
    /// <param name="rowCount">Their number.</param>
    /// <param name="allIndicators">One indicator per level of every categorical factor, contrasts or not: the columns of
    /// any coding by treatment contrasts are among them, named alike, whichever level turns out first (for the
    /// statistics of one partition, whose levels are not all the data's).</param>
    public static ModelMatrixPlan Build(bool hasIntercept, IReadOnlyList<Term> terms, ExpressionEvaluator evaluator, int rowCount,
        bool allIndicators = false)
    {
        var names = new List<string>();
        var columns = new List<ColumnPlan>();
        if (hasIntercept)
        {
            names.Add("(Intercept)");
            columns.Add(new ConstantColumnPlan(1.0));
        }
        var termKeys = new HashSet<string>(terms.Select(t => TermKey(t.Factors.Select(FormulaText.Format))));
        if (hasIntercept) termKeys.Add(TermKey([]));
        foreach (var term in terms)
        {
            var labels = term.Factors.Select(FormulaText.Format).ToList();
            var pieces = new List<(List<string> Names, List<ColumnPlan> Columns)>();
            for (int f = 0; f < term.Factors.Count; f++)
            {
                var factor = evaluator.Evaluate(term.Factors[f]);
                var margin = TermKey(labels.Where((_, index) => index != f));
                pieces.Add(Expand(factor, useContrasts: !allIndicators && termKeys.Contains(margin)));
            }
            // R varies the first factor fastest in an interaction's columns.
            var combined = pieces[0];
            foreach (var next in pieces.Skip(1)) combined = Interact(combined, next);
            names.AddRange(combined.Names);
            columns.AddRange(combined.Columns);
        }
        return new ModelMatrixPlan(names, columns, rowCount);
    }

    private static string TermKey(IEnumerable<string> labels) => string.Join("\u0001", labels.Order(StringComparer.Ordinal));

    private static (List<string> Names, List<ColumnPlan> Columns) Expand(EvaluatedFactor factor, bool useContrasts)
    {
        if (factor is NumericFactor numeric) return ([numeric.Label], [new ValuesColumnPlan(numeric.Values)]);
        if (factor is MatrixFactor matrix)
            return (matrix.Columns.Select((_, j) => matrix.Label + (j + 1)).ToList(),
                matrix.Columns.Select(values => (ColumnPlan)new ValuesColumnPlan(values)).ToList());
        var categorical = (CategoricalFactor)factor;
        var names = new List<string>();
        var columns = new List<ColumnPlan>();
        for (int level = useContrasts ? 1 : 0; level < categorical.Levels.Length; level++)
        {
            names.Add(categorical.Label + categorical.Levels[level]);
            columns.Add(new IndicatorColumnPlan(categorical.Codes, level));
        }
        return (names, columns);
    }

    private static (List<string> Names, List<ColumnPlan> Columns) Interact(
        (List<string> Names, List<ColumnPlan> Columns) first, (List<string> Names, List<ColumnPlan> Columns) second)
    {
        var names = new List<string>();
        var columns = new List<ColumnPlan>();
        for (int b = 0; b < second.Columns.Count; b++)
        {
            for (int a = 0; a < first.Columns.Count; a++)
            {
                names.Add(first.Names[a] + ":" + second.Names[b]);
                columns.Add(new ProductColumnPlan(first.Columns[a], second.Columns[b]));
            }
        }
        return (names, columns);
    }

    /// <summary>The columns <paramref name="keep"/> (all when null), packed row-major: row i holds entries
    /// i*p .. i*p+p−1. Written in parallel blocks of rows when there are many.</summary>
    public double[] ToRowMajor(IReadOnlyList<int>? keep = null)
    {
        var selected = keep is null ? Columns.ToArray() : keep.Select(j => Columns[j]).ToArray();
        int p = selected.Length, n = RowCount;
        if ((long)n * p > Array.MaxLength)
            throw new InputException($"the model matrix is too large ({n:N0} rows × {p} columns)");
        var packed = new double[n * p];
        if (p == 0) return packed;
        int blocks = (n + BlockRows - 1) / BlockRows;
        if (blocks <= 4) for (int block = 0; block < blocks; block++) FillBlock(block);
        else Parallel.For(0, blocks, FillBlock);
        return packed;

        void FillBlock(int block)
        {
            int start = block * BlockRows, count = Math.Min(BlockRows, n - start);
            var scratch = ArrayPool<double>.Shared.Rent(count);
            try
            {
                var values = scratch.AsSpan(0, count);
                var target = packed.AsSpan(start * p, count * p);
                for (int j = 0; j < p; j++)
                {
                    selected[j].Fill(start, values);
                    for (int i = 0, at = j; i < values.Length; i++, at += p) target[at] = values[i];
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(scratch);
            }
        }
    }
}

/// <summary>How to compute one model-matrix column for a range of rows.</summary>
internal abstract class ColumnPlan
{
    /// <summary>Writes the column's values for rows <paramref name="start"/> .. start+target.Length−1.</summary>
    public abstract void Fill(int start, Span<double> target);

    /// <summary>The whole column as an array.</summary>
    public virtual double[] Materialize(int rowCount)
    {
        var values = new double[rowCount];
        Fill(0, values);
        return values;
    }
}

/// <summary>A constant column (the intercept).</summary>
internal sealed class ConstantColumnPlan(double value) : ColumnPlan
{
    public override void Fill(int start, Span<double> target) => target.Fill(value);
}

/// <summary>An evaluated numeric factor.</summary>
internal sealed class ValuesColumnPlan(double[] values) : ColumnPlan
{
    public override void Fill(int start, Span<double> target) => values.AsSpan(start, target.Length).CopyTo(target);

    /// <summary>The factor's own array, as <see cref="ModelMatrixColumns.Build"/> has always returned it.</summary>
    public override double[] Materialize(int rowCount) => values;
}

/// <summary>The indicator of one level of a categorical factor.</summary>
internal sealed class IndicatorColumnPlan(int[] codes, int level) : ColumnPlan
{
    public override void Fill(int start, Span<double> target)
    {
        var source = codes.AsSpan(start, target.Length);
        for (int i = 0; i < target.Length; i++) target[i] = source[i] == level ? 1.0 : 0.0;
    }
}

/// <summary>The elementwise product of two columns (an interaction).</summary>
internal sealed class ProductColumnPlan(ColumnPlan left, ColumnPlan right) : ColumnPlan
{
    public override void Fill(int start, Span<double> target)
    {
        var scratch = ArrayPool<double>.Shared.Rent(target.Length);
        try
        {
            var other = scratch.AsSpan(0, target.Length);
            left.Fill(start, target);
            right.Fill(start, other);
            for (int i = 0; i < target.Length; i++) target[i] *= other[i];
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }
}
