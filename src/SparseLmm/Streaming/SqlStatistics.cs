using System.Globalization;
using System.Text;
using SparseLmm.Formulas;

namespace SparseLmm.Streaming;

/// <summary>The ANSI SQL that computes a partial (<see cref="Partials"/>, format version 1) where the data are: one
/// statement, a common table expression of the model's columns over the complete rows and a UNION ALL of plain
/// SUM/COUNT aggregates grouped by level and by pairs of levels — no user-defined functions — so that Spark SQL,
/// Trino, a warehouse or DuckDB reduces a partition in place. Its result (saved as CSV or Parquet) is what
/// <c>fit --partials</c> reads.
/// <para>Every variable but the grouping factors is taken as numeric (CAST to DOUBLE PRECISION); categorical
/// covariates need the level sets the data hold and are refused (use <c>partial</c> on the data instead). Grouping
/// levels are the columns cast to VARCHAR (an interaction's joined by ':'). X (but its intercept) and y are shifted
/// by their means over the partition (AVG), recorded in "(shift)" rows.</para></summary>
internal static class SqlStatistics
{
    /// <summary>The statement for <paramref name="formula"/> over table <paramref name="table"/> (used as written: a
    /// name, a qualified name or a parenthesised subquery).</summary>
    public static string Query(string formula, string table, IReadOnlyList<string> factorColumns)
    {
        var parsed = FormulaParser.Parse(formula);
        StreamedFormula.Require(parsed, FitOptions.Default, "sql");
        if (parsed.RandomTerms.Count == 0)
            throw new InputException($"formula '{parsed.Text}' has no random-effects term such as (1 | group); a mixed model needs at least one");
        if (parsed.Response is FunctionCall { Name: "cbind" })
            throw new InputException("sql computes the statistics of a linear mixed model; cbind() is a binomial response");
        var grouping = parsed.RandomTerms.SelectMany(t => t.GroupingVariables).ToHashSet(StringComparer.Ordinal);
        foreach (var name in factorColumns.Where(f => !grouping.Contains(f)))
            throw new InputException($"sql: '{name}' is categorical; its indicator columns need the data's levels, so compute this partition with 'sparselmm partial' instead");

        var columns = new List<(string Alias, string Expression)>();
        var tail = new List<(string Name, string Alias)> { (Partials.One, "") };
        int x = 0;
        if (parsed.HasIntercept)
        {
            columns.Add(($"x{x}", One));
            tail.Add(("(Intercept)", $"x{x++}"));
        }
        foreach (var term in parsed.FixedTerms)
        {
            columns.Add(($"x{x}", Product(term)));
            tail.Add((term.Label, $"x{x++}"));
        }
        columns.Add(("y", Numeric(parsed.Response)));
        tail.Add((FormulaText.Format(parsed.Response), "y"));
        var terms = new List<(string Group, string Level, List<(string Name, string Alias)> Columns)>();
        for (int t = 0; t < parsed.RandomTerms.Count; t++)
        {
            var term = parsed.RandomTerms[t];
            columns.Add(($"g{t}", string.Join(" || ':' || ", term.GroupingVariables.Select(v => $"CAST({Name(v)} AS VARCHAR(1000))"))));
            var termColumns = new List<(string, string)>();
            int c = 0;
            if (term.HasIntercept) { columns.Add(($"z{t}_{c}", One)); termColumns.Add(("(Intercept)", $"z{t}_{c++}")); }
            foreach (var part in term.Terms) { columns.Add(($"z{t}_{c}", Product(part))); termColumns.Add((part.Label, $"z{t}_{c++}")); }
            if (termColumns.Count == 0) throw new InputException($"random-effects term for '{term.GroupName}' has no columns");
            terms.Add((term.GroupName, $"g{t}", termColumns));
        }
        var used = FormulaParser.Variables(parsed).Select(u => u.Name).Distinct().ToList();

        var sql = new StringBuilder();
        sql.Append("WITH d AS (\n  SELECT ").Append(string.Join(",\n         ", columns.Select(c => $"{c.Expression} AS {c.Alias}")));
        sql.Append($"\n  FROM {table}\n  WHERE ").Append(string.Join(" AND ", used.Select(u => $"{Name(u)} IS NOT NULL"))).Append("\n),\n");
        // Each tail column but the intercept is shifted by its partition mean (recorded in a "(shift)" row), so that
        // the sums keep the digits of the data's spread.
        var shifted = tail.Skip(1).Where(c => !(c.Name == "(Intercept)" && parsed.HasIntercept)).Select(c => c.Alias).ToList();
        sql.Append("m AS (SELECT ").Append(string.Join(", ", shifted.Select(a => $"AVG({a}) AS {a}"))).Append(" FROM d),\n");
        sql.Append("e AS (SELECT ").Append(string.Join(", ", columns.Select(c => shifted.Contains(c.Alias) ? $"d.{c.Alias} - m.{c.Alias} AS {c.Alias}" : $"d.{c.Alias}")))
            .Append(" FROM d, m)\n");
        var branches = new List<string>
        {
            Row(Text(Partials.Meta), "''", Text("version"), "''", "''", "''",
                $"CAST({Partials.FormatVersion} AS DOUBLE PRECISION) + 0 * COUNT(*)", null),
            $"SELECT {Text(Partials.Meta)}, '', {Text("dropped")}, '', '', '', CAST(total.n - COUNT(*) AS DOUBLE PRECISION)" +
            $" FROM e, (SELECT COUNT(*) AS n FROM {table}) AS total GROUP BY total.n",
        };
        foreach (var (name, alias) in tail.Where(c => shifted.Contains(c.Alias)))
            branches.Add($"SELECT '', '', {Text(name)}, '', '', {Text(Partials.Shift)}, {alias} FROM m");
        string Value(string alias) => alias.Length == 0 ? One : alias;
        string Sum(string a, string b) => a.Length == 0 && b.Length == 0 ? "CAST(COUNT(*) AS DOUBLE PRECISION)" : $"SUM({Value(a)} * {Value(b)})";
        for (int i = 0; i < tail.Count; i++)
            for (int j = 0; j <= i; j++)
                branches.Add(Row("''", "''", Text(tail[i].Name), "''", "''", Text(tail[j].Name), Sum(tail[i].Alias, tail[j].Alias), null));
        for (int t = 0; t < terms.Count; t++)
        {
            var (group, level, termColumns) = terms[t];
            for (int a = 0; a < termColumns.Count; a++)
            {
                for (int b = 0; b <= a; b++)
                    branches.Add(Row(Text(group), level, Text(termColumns[a].Name), Text(group), level, Text(termColumns[b].Name),
                        Sum(termColumns[a].Alias, termColumns[b].Alias), level));
                foreach (var (name, alias) in tail)
                    branches.Add(Row(Text(group), level, Text(termColumns[a].Name), "''", "''", Text(name), Sum(termColumns[a].Alias, alias), level));
            }
            for (int s = t + 1; s < terms.Count; s++)
            {
                var (otherGroup, otherLevel, otherColumns) = terms[s];
                foreach (var (aName, aAlias) in termColumns)
                    foreach (var (bName, bAlias) in otherColumns)
                        branches.Add(Row(Text(group), level, Text(aName), Text(otherGroup), otherLevel, Text(bName),
                            Sum(aAlias, bAlias), $"{level}, {otherLevel}"));
            }
        }
        sql.Append(string.Join("\nUNION ALL\n", branches)).Append(";\n");
        return sql.ToString();
    }

    private static string Row(string aTerm, string aLevel, string aColumn, string bTerm, string bLevel, string bColumn, string value, string? groupBy)
    {
        var select = $"SELECT {aTerm} AS a_term, {aLevel} AS a_level, {aColumn} AS a_column, {bTerm} AS b_term, {bLevel} AS b_level, {bColumn} AS b_column, {value} AS value FROM e";
        return groupBy is null ? select : $"{select} GROUP BY {groupBy}";
    }

    private const string One = "CAST(1 AS DOUBLE PRECISION)";

    private static string Text(string value) => "'" + value.Replace("'", "''") + "'";

    private static string Name(string column) => "\"" + column.Replace("\"", "\"\"") + "\"";

    private static string Product(Term term) => string.Join(" * ", term.Factors.Select(Numeric));

    /// <summary>A formula expression as a numeric SQL expression.</summary>
    private static string Numeric(FormulaExpression expression) => expression switch
    {
        NumberLiteral number => number.Value.ToString("R", CultureInfo.InvariantCulture),
        VariableReference variable => $"CAST({Name(variable.Name)} AS DOUBLE PRECISION)",
        Negation negation => $"(-{Numeric(negation.Operand)})",
        BinaryOperation { Operator: '^' } power => $"POWER({Numeric(power.Left)}, {Numeric(power.Right)})",
        BinaryOperation operation => $"({Numeric(operation.Left)} {operation.Operator} {Numeric(operation.Right)})",
        FunctionCall { Name: "I", Arguments.Count: 1 } call => Numeric(call.Arguments[0]),
        FunctionCall { Name: "log", Arguments.Count: 1 } call => $"LN({Numeric(call.Arguments[0])})",
        FunctionCall { Name: "exp", Arguments.Count: 1 } call => $"EXP({Numeric(call.Arguments[0])})",
        FunctionCall { Name: "sqrt", Arguments.Count: 1 } call => $"SQRT({Numeric(call.Arguments[0])})",
        _ => throw new InputException($"sql: '{FormulaText.Format(expression)}' has no plain SQL form"),
    };
}
