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

    public ExpressionEvaluator(DataTable table, int[] keptRows)
    {
        this.table = table;
        this.keptRows = keptRows;
        KeepsAllRows = IsIdentity(keptRows, table.RowCount);
    }

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
        if (expression is FunctionCall { Name: "factor" } call) return Factor(label, call);
        return new NumericFactor(label, EvaluateNumeric(expression));
    }

    /// <summary>R's <c>factor(x)</c>: a categorical column as it is, numbers with one level per distinct value in
    /// increasing order, labelled as R prints them (<c>factor(Days)0</c>, ...).</summary>
    private CategoricalFactor Factor(string label, FunctionCall call)
    {
        if (call.Arguments.Count != 1)
            throw new InputException($"formula error at column {call.Position + 1}: factor() takes one argument here, not {call.Arguments.Count}");
        if (call.Arguments[0] is VariableReference variable && table[variable.Name] is CategoricalColumn categorical)
            return Categorical(label, categorical);
        var values = EvaluateNumeric(call.Arguments[0]);
        var levels = values.Distinct().Order().ToArray();
        var codeOf = new Dictionary<double, int>(levels.Length);
        for (int level = 0; level < levels.Length; level++) codeOf[levels[level]] = level;
        var codes = new int[values.Length];
        for (int i = 0; i < codes.Length; i++) codes[i] = codeOf[values[i]];
        return new CategoricalFactor(label, codes, levels.Select(FormulaText.FormatNumber).ToArray());
    }

    /// <summary>Evaluates <paramref name="expression"/> to one finite number per kept row. A bare column of a table
    /// whose rows are all kept is the table's own array.</summary>
    public double[] EvaluateNumeric(FormulaExpression expression)
    {
        var values = KeepsAllRows && expression is VariableReference variable && table[variable.Name] is NumericColumn numeric
            ? numeric.Values
            : Compute(expression);
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new InputException(
                    $"{table.Source}: '{FormulaText.Format(expression)}' is {FormatNonFinite(values[i])} at data row {keptRows[i] + 1} (line {keptRows[i] + 2}); values used in a model must be finite");
        }
        return values;
    }

    private static string FormatNonFinite(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";

    private CategoricalFactor Categorical(string label, CategoricalColumn column) =>
        CategoricalOverKeptRows(label, column.Codes, column.Levels, keptRows, KeepsAllRows);

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
        if (call.Arguments.Count != 1)
            throw new InputException(
                $"formula error at column {call.Position + 1}: {call.Name}() takes one argument here, not {call.Arguments.Count}");
        var argument = Compute(call.Arguments[0]);
        return call.Name switch
        {
            "log" => Map(argument, Math.Log),
            "exp" => Map(argument, Math.Exp),
            "sqrt" => Map(argument, Math.Sqrt),
            "I" => argument,
            "factor" => throw new InputException(
                $"formula error at column {call.Position + 1}: factor() gives a categorical variable, which cannot be used in arithmetic"),
            _ => throw new InputException(
                $"formula error at column {call.Position + 1}: function '{call.Name}' is not supported here (log, exp, sqrt and I are)"),
        };
    }
}
