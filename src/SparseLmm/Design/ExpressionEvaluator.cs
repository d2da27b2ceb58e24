using SparseLmm.Data;
using SparseLmm.Formulas;

namespace SparseLmm.Design;

/// <summary>Evaluates formula expressions over the kept rows of a table.</summary>
/// <remarks>When every row of the table is kept, a bare column is not copied: the result shares the table's array
/// (numbers, or codes when no level is unused). Results are read, never written, by their users.</remarks>
internal sealed class ExpressionEvaluator
{
    private readonly DataTable table;
    private readonly int[] keptRows;
    private readonly Dictionary<string, double[]> statistics;
    private readonly bool fitting;

    /// <summary>An evaluator over <paramref name="keptRows"/> of <paramref name="table"/>. Without
    /// <paramref name="fittedStatistics"/> it fits: <c>scale</c> and <c>poly</c> take their statistics from the data
    /// (see <see cref="Statistics"/>); with them (a fitted design's), it transforms new data the fitted way.
    /// <paramref name="keepAllLevels"/>: for one chunk of a streamed source, whose categorical columns carry the
    /// levels of the whole data, a level absent from the chunk keeps its column of X.</summary>
    public ExpressionEvaluator(DataTable table, int[] keptRows, IReadOnlyDictionary<string, double[]>? fittedStatistics = null,
        bool keepAllLevels = false)
    {
        this.table = table;
        this.keptRows = keptRows;
        this.keepAllLevels = keepAllLevels;
        KeepsAllRows = IsIdentity(keptRows, table.RowCount);
        fitting = fittedStatistics is null;
        statistics = new Dictionary<string, double[]>(fittedStatistics ?? new Dictionary<string, double[]>(), StringComparer.Ordinal);
    }

    /// <summary>For one chunk of a streamed source, whose categorical columns carry the levels of the whole data: a
    /// level absent from the chunk keeps its column of X.</summary>
    private readonly bool keepAllLevels;

    /// <summary>The statistics of every <c>scale</c> and <c>poly</c> call evaluated, by the call as printed.</summary>
    public IReadOnlyDictionary<string, double[]> Statistics => statistics;

    /// <summary>True when the kept rows are all the table's rows, in order.</summary>
    public bool KeepsAllRows { get; }

    private static bool IsIdentity(int[] rows, int rowCount)
    {
        if (rows.Length != rowCount) return false;
        for (int i = 0; i < rows.Length; i++)
            if (rows[i] != i) return false;
        return true;
    }

    /// <summary>A bare categorical column stays categorical; everything else is evaluated as numbers.</summary>
    public EvaluatedFactor Evaluate(FormulaExpression expression)
    {
        var label = FormulaText.Format(expression);
        if (expression is VariableReference variable && table[variable.Name] is CategoricalColumn categorical)
            return Categorical(label, categorical);
        if (expression is FunctionCall { Name: "factor" } factor) return Factor(label, factor);
        if (expression is FunctionCall { Name: "poly" } poly)
        {
            var columns = Poly(label, poly);
            foreach (var column in columns) RequireFinite(column, expression);
            return new MatrixFactor(label, columns);
        }
        return new NumericFactor(label, EvaluateNumeric(expression));
    }

    /// <summary>R's <c>factor(x)</c>: a categorical column as it is; numbers as levels in numeric order, labelled as
    /// <see cref="ColumnConversions.ToCategorical(NumericColumn)"/> labels them (unused levels dropped).</summary>
    private CategoricalFactor Factor(string label, FunctionCall call)
    {
        var argument = call.Arguments[0];
        if (argument is VariableReference variable && table[variable.Name] is CategoricalColumn categorical)
            return Categorical(label, categorical);
        var values = EvaluateNumeric(argument);
        var converted = ColumnConversions.ToCategorical(new NumericColumn(label, values));
        return new CategoricalFactor(label, converted.Codes, converted.Levels);
    }

    /// <summary>Evaluates <paramref name="expression"/> to one finite number per kept row. A bare column of a table
    /// whose rows are all kept is the table's own array.</summary>
    public double[] EvaluateNumeric(FormulaExpression expression)
    {
        var values = KeepsAllRows && expression is VariableReference variable && table[variable.Name] is NumericColumn numeric
            ? numeric.Values
            : Compute(expression);
        RequireFinite(values, expression);
        return values;
    }

    private void RequireFinite(double[] values, FormulaExpression expression)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new InputException(
                    $"{table.Source}: '{FormulaText.Format(expression)}' is {FormatNonFinite(values[i])} at data row {keptRows[i] + 1} (line {keptRows[i] + 2}); values used in a model must be finite");
        }
    }

    private static string FormatNonFinite(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";

    private CategoricalFactor Categorical(string label, CategoricalColumn column) => keepAllLevels
        ? new CategoricalFactor(label, keptRows.Select(row => column.Codes[row]).ToArray(), column.Levels)
        : CategoricalOverKeptRows(label, column.Codes, column.Levels, keptRows, KeepsAllRows);

    /// <summary>The codes of the kept rows with unused levels dropped: the column's own codes when all rows are kept
    /// and every level is used, else a renumbered copy.</summary>
    internal static CategoricalFactor CategoricalOverKeptRows(
        string label, int[] codes, string[] levels, int[] keptRows, bool keepsAllRows)
    {
        if (keepsAllRows) return DropUnusedLevels(label, codes, levels, inPlace: false);
        var gathered = new int[keptRows.Length];
        for (int i = 0; i < gathered.Length; i++) gathered[i] = codes[keptRows[i]];
        return DropUnusedLevels(label, gathered, levels, inPlace: true);
    }

    /// <summary>Renumbers codes so that only levels present among the kept rows remain, in their original order.</summary>
    public static CategoricalFactor DropUnusedLevels(string label, int[] codes, string[] levels) =>
        DropUnusedLevels(label, codes, levels, inPlace: false, share: false);

    /// <summary><see cref="DropUnusedLevels(string, int[], string[])"/> that renumbers <paramref name="codes"/>
    /// itself (<paramref name="inPlace"/>: the caller owns them) or returns them as they are when every level is used
    /// (<paramref name="share"/>).</summary>
    private static CategoricalFactor DropUnusedLevels(string label, int[] codes, string[] levels, bool inPlace,
        bool share = true)
    {
        var newCode = new int[levels.Length];
        foreach (var code in codes) newCode[code] = 1;
        var kept = new List<string>();
        for (int level = 0; level < levels.Length; level++)
        {
            if (newCode[level] == 0) { newCode[level] = -1; continue; }
            newCode[level] = kept.Count;
            kept.Add(levels[level]);
        }
        if (kept.Count == levels.Length && (share || inPlace))
            return new CategoricalFactor(label, codes, kept.ToArray());
        var renumbered = inPlace ? codes : new int[codes.Length];
        for (int i = 0; i < codes.Length; i++) renumbered[i] = newCode[codes[i]];
        return new CategoricalFactor(label, renumbered, kept.ToArray());
    }

    private double[] Compute(FormulaExpression expression) => expression switch
    {
        NumberLiteral number => Filled(number.Value),
        LogicalLiteral logical => Filled(logical.Value ? 1 : 0),
        VariableReference variable => Column(variable),
        Negation negation => Map(Compute(negation.Operand), v => -v),
        BinaryOperation operation => Combine(operation),
        FunctionCall call => Call(call),
        _ => throw new InputException($"formula error at column {expression.Position + 1}: cannot evaluate '{FormulaText.Format(expression)}'"),
    };

    private double[] Filled(double value)
    {
        var values = new double[keptRows.Length];
        Array.Fill(values, value);
        return values;
    }

    private double[] Column(VariableReference variable)
    {
        if (table[variable.Name] is not NumericColumn numeric)
            throw new InputException(
                $"formula error at column {variable.Position + 1}: column '{variable.Name}' is text and cannot be used in arithmetic");
        var values = new double[keptRows.Length];
        for (int i = 0; i < values.Length; i++) values[i] = numeric.Values[keptRows[i]];
        return values;
    }

    private static double[] Map(double[] values, Func<double, double> function)
    {
        for (int i = 0; i < values.Length; i++) values[i] = function(values[i]);
        return values;
    }

    private double[] Combine(BinaryOperation operation)
    {
        var left = Compute(operation.Left);
        var right = Compute(operation.Right);
        Func<double, double, double> apply = operation.Operator switch
        {
            '+' => (a, b) => a + b,
            '-' => (a, b) => a - b,
            '*' => (a, b) => a * b,
            '/' => (a, b) => a / b,
            '^' => Math.Pow,
            _ => throw new InputException($"formula error at column {operation.Position + 1}: unknown operator '{operation.Operator}'"),
        };
        for (int i = 0; i < left.Length; i++) left[i] = apply(left[i], right[i]);
        return left;
    }

    private double[] Call(FunctionCall call)
    {
        switch (call.Name)
        {
            case "factor":
                throw new InputException(
                    $"formula error at column {call.Position + 1}: factor() makes a categorical variable and cannot be used in arithmetic; use it as a term of its own");
            case "poly":
                throw new InputException(
                    $"formula error at column {call.Position + 1}: poly() makes several columns and cannot be used in arithmetic; use it as a term of its own");
            case "offset":
                throw new InputException(
                    $"formula error at column {call.Position + 1}: offset() must be a term of its own in the fixed part");
            case "scale":
                return Scale(call);
            case "log" when call.Arguments.Count == 2:
            {
                var arguments = FormulaParser.MatchArguments(call, FormulaParser.ParametersOf("log"));
                var x = Compute(arguments[0]!);
                var logBase = Compute(arguments[1]!);
                for (int i = 0; i < x.Length; i++) x[i] = Math.Log(x[i]) / Math.Log(logBase[i]);
                return x;
            }
        }
        if (call.Arguments.Count != 1)
            throw new InputException(
                $"formula error at column {call.Position + 1}: {call.Name}() takes one argument here, not {call.Arguments.Count}");
        var argument = Compute(call.Arguments[0]);
        return call.Name switch
        {
            "log" => Map(argument, Math.Log),
            "log1p" => Map(argument, FittedTransforms.LogOnePlus),
            "exp" => Map(argument, Math.Exp),
            "sqrt" => Map(argument, Math.Sqrt),
            "abs" => Map(argument, Math.Abs),
            "I" => argument,
            _ => throw new InputException(
                $"formula error at column {call.Position + 1}: function '{call.Name}' is not supported here (log, log1p, exp, sqrt, abs, scale and I are)"),
        };
    }

    /// <summary>R's <c>scale(x, center = TRUE, scale = TRUE)</c> with logical <c>center</c> and <c>scale</c>.</summary>
    private double[] Scale(FunctionCall call)
    {
        var arguments = FormulaParser.MatchArguments(call, FormulaParser.ParametersOf("scale"));
        bool center = Logical(call, arguments[1], "center"), scale = Logical(call, arguments[2], "scale");
        var x = Compute(arguments[0]!);
        var fitted = FittedStatistics(call, () => FittedTransforms.ScaleStatistics(StatisticsRows(arguments[0]!), center, scale));
        return FittedTransforms.Scale(x, fitted);
    }

    /// <summary>R's <c>poly(x, degree)</c>: the orthogonal polynomial columns (the raw powers with <c>raw = TRUE</c>).</summary>
    private double[][] Poly(string label, FunctionCall call)
    {
        var arguments = FormulaParser.MatchArguments(call, FormulaParser.ParametersOf("poly"));
        if (arguments[1] is not NumberLiteral { Value: >= 1 and <= 20 } degreeLiteral || degreeLiteral.Value != Math.Floor(degreeLiteral.Value))
            throw new InputException(
                $"formula error at column {call.Position + 1}: the degree of poly() must be a whole number from 1 to 20");
        int degree = (int)degreeLiteral.Value;
        if (arguments[2] is not null)
            throw new InputException(
                $"formula error at column {arguments[2]!.Position + 1}: poly()'s coefs cannot be given in a formula (predictions use the fitted ones)");
        if (arguments[3] is not null && Logical(call, arguments[3], "raw"))
        {
            // R's raw = TRUE: the powers x, x², ..., no statistics.
            var x = Compute(arguments[0]!);
            return Enumerable.Range(1, degree).Select(power => x.Select(value => Math.Pow(value, power)).ToArray()).ToArray();
        }
        var fitted = FittedStatistics(call, () => FittedTransforms.PolyStatistics(StatisticsRows(arguments[0]!), degree, label));
        return FittedTransforms.Poly(Compute(arguments[0]!), degree, fitted);
    }

    private static bool Logical(FunctionCall call, FormulaExpression? argument, string name) => argument switch
    {
        null => true,
        LogicalLiteral logical => logical.Value,
        _ => throw new InputException(
            $"formula error at column {argument.Position + 1}: {call.Name}()'s {name} must be TRUE or FALSE here"),
    };

    /// <summary>The statistics of <paramref name="call"/>: computed once when fitting, else the fitted design's.</summary>
    private double[] FittedStatistics(FunctionCall call, Func<double[]> compute)
    {
        string key = FormulaText.Format(call);
        if (statistics.TryGetValue(key, out var known)) return known;
        if (!fitting)
            throw new InvalidOperationException($"no fitted statistics for '{key}'");
        var computed = compute();
        statistics[key] = computed;
        return computed;
    }

    /// <summary>The argument over the rows R computes a transform's statistics from: R's model frame evaluates
    /// <c>scale(x)</c> on every row where x is present, before rows missing other columns are dropped.</summary>
    private double[] StatisticsRows(FormulaExpression argument)
    {
        var names = new List<VariableUse>();
        FormulaParser.CollectVariables(argument, names);
        var columns = names.Select(use => table[use.Name]).Distinct().ToArray();
        var rows = Enumerable.Range(0, table.RowCount).Where(row => columns.All(column => !column.IsMissing(row))).ToArray();
        return new ExpressionEvaluator(table, rows).Compute(argument);
    }
}
