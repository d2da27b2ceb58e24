using SparseLmm.Data;
using SparseLmm.Formulas;

namespace SparseLmm.Design;

/// <summary>Checks that refuse a model before any work on its matrices, with the counts or the cell that are
/// wrong: a stray text cell in a column of numbers, a constant response, and lme4's identifiability checks on the
/// grouping factors (<c>check.nobs.vs.nlev</c>, <c>check.nobs.vs.nRE</c>).</summary>
internal static class DesignChecks
{
    /// <summary>The columns whose values enter the model (response, fixed part, left-hand sides of random terms), as
    /// opposed to grouping factors, with the role for messages.</summary>
    public static List<(string Name, string Role)> ValueColumns(ModelFormula formula)
    {
        var found = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Collect(FormulaExpression e, string role)
        {
            var uses = new List<VariableUse>();
            FormulaParser.CollectVariables(e, uses);
            foreach (var use in uses)
                if (seen.Add(use.Name)) found.Add((use.Name, role));
        }
        Collect(formula.Response, "response");
        foreach (var term in formula.FixedTerms)
            foreach (var factor in term.Factors) Collect(factor, "covariate");
        foreach (var random in formula.RandomTerms)
            foreach (var term in random.Terms)
                foreach (var factor in term.Factors) Collect(factor, "covariate");
        foreach (var offset in formula.Offsets) Collect(offset, "offset");
        return found;
    }

    /// <summary>Refuses a categorical column used for its values when most of its cells are numbers: one stray text
    /// cell (a typo, "n/a", "-") would otherwise turn a covariate into a factor with a level per value, or a response
    /// into text. Names the column, the first text cell's line and its value. A column declared categorical
    /// (<c>--factor</c>) is taken as it is.</summary>
    public static void RequireNoStrayText(ModelFormula formula, DataTable table)
    {
        foreach (var (name, role) in ValueColumns(formula))
        {
            if (table[name] is not CategoricalColumn { Declared: false } column) continue;
            var isNumber = new bool[column.Levels.Length];
            for (int k = 0; k < isNumber.Length; k++) isNumber[k] = NumberParsing.TryParse(column.Levels[k], out _);
            if (!isNumber.Contains(true)) continue;
            long numbers = 0, texts = 0;
            int firstTextRow = -1;
            var codes = column.Codes;
            for (int row = 0; row < codes.Length; row++)
            {
                int code = codes[row];
                if (code < 0) continue;
                if (isNumber[code]) numbers++;
                else
                {
                    texts++;
                    if (firstTextRow < 0) firstTextRow = row;
                }
            }
            if (texts == 0 || texts >= numbers) continue;

            var (where, value) = column.FirstText is { } cell && !NumberParsing.TryParse(cell.Text, out _)
                ? ($"{table.Source} line {cell.Line}", cell.Text)
                : ($"{table.Source} data row {firstTextRow + 1}", column.Levels[codes[firstTextRow]]);
            string others = texts == 1 ? "the only text cell" : $"the first of {texts:N0} text cells";
            throw new InputException(
                $"{where}: {role} '{name}' is a column of numbers, but this cell is text: '{CsvReader.Escape(CsvReader.Shorten(value))}' " +
                $"({others} among {numbers:N0} numbers); write NA or leave the cell empty for a missing value, " +
                $"or declare the column categorical (--factor {FormulaText.FormatName(name)})");
        }
    }

    /// <summary>Refuses a response with one value over the rows used (lme4: "Response is constant"): there is nothing
    /// to fit, and a gaussian fit would drive the residual SD to zero.</summary>
    public static void RequireVaryingResponse(ModelResponse response, int rowCount)
    {
        string? value = response switch
        {
            NumericResponse numeric when numeric.Values.Length > 0 && Constant(numeric.Values) =>
                FormulaText.FormatNumber(numeric.Values[0]),
            CategoricalResponse categorical when categorical.Codes.Length > 0 && Constant(categorical.Codes) =>
                $"'{CsvReader.Escape(CsvReader.Shorten(categorical.Levels[categorical.Codes[0]]))}'",
            _ => null,
        };
        if (value is not null)
            throw new InputException(
                $"the response '{CsvReader.Escape(CsvReader.Shorten(response.Label))}' is constant: it is {value} in all " +
                $"{rowCount:N0} rows used; a model needs a response that varies");
    }

    private static bool Constant(double[] values)
    {
        double first = values[0];
        foreach (double v in values)
            if (v != first) return false;
        return true;
    }

    private static bool Constant(int[] codes)
    {
        int first = codes[0];
        foreach (int c in codes)
            if (c != first) return false;
        return true;
    }

    /// <summary>lme4's checks that the random effects can be told apart from the residual: each grouping factor has
    /// fewer levels than there are observations, and each term fewer random effects (levels × columns) than
    /// observations. A GLMM (<paramref name="allowEqual"/>, lme4's <c>allow.n</c>) may have as many, for an
    /// observation-level random effect, since it has no residual variance. <c>cs</c> and <c>ar1</c> terms are exempt
/// from the second check.</summary>
    public static void RequireIdentifiable(ModelFormula formula, IReadOnlyList<RandomEffectsDesign> terms, int rowCount,
        bool allowEqual)
    {
        string relation = allowEqual ? "no more" : "fewer";
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int levels = term.LevelCount;
            if (allowEqual ? levels > rowCount : levels >= rowCount)
                throw new InputException(
                    $"grouping factor '{term.GroupName}' has {levels:N0} levels for {rowCount:N0} observations; " +
                    $"a grouping factor needs {relation} levels than observations (lme4's check.nobs.vs.nlev)" +
                    (allowEqual ? "" : ": one random effect per observation cannot be told apart from the residual"));
            long size = (long)levels * term.ColumnCount;
            // cs and ar1 tie the columns together through one correlation, which the residual does not have, so a
            // term with a random effect per observation (one row per subject and time) is identifiable, as
            // glmmTMB fits it.
            bool correlated = term.Structure is Results.CovarianceStructure.CompoundSymmetry or Results.CovarianceStructure.AutoRegressive;
            if (!correlated && (allowEqual ? size > rowCount : size >= rowCount))
                throw new InputException(
                    $"random-effects term {FormulaText.Format(formula.RandomTerms[t])} has {size:N0} random effects " +
                    $"({levels:N0} levels × {term.ColumnCount:N0} column{(term.ColumnCount == 1 ? "" : "s")}) for {rowCount:N0} observations; " +
                    $"each term needs {relation} random effects than observations, else its variance parameters " +
                    (allowEqual ? "" : "and the residual variance ") + "are unidentifiable (lme4's check.nobs.vs.nRE)");
        }
    }

    /// <summary>Refuses an unstructured term with an intercept whose slope column is constant in the rows used: it is the
    /// intercept again. A slope far from zero is searched centred, and refused beyond that frame's reach, by
    /// <see cref="Engine.CentredFrame"/> (linear fits and GLMMs alike).</summary>
    public static void RequireVaryingSlopes(ModelFormula formula, IReadOnlyList<RandomEffectsDesign> terms)
    {
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount, intercept = term.TermNames.ToList().IndexOf("(Intercept)");
            if (k < 2 || intercept < 0 || term.Structure != Results.CovarianceStructure.Unstructured) continue;
            int n = term.LevelOfRow.Length;
            for (int c = 0; c < k; c++)
            {
                if (c == intercept) continue;
                double first = term.Z[c];
                bool constant = true;
                for (int i = 1; i < n && constant; i++) constant = term.Z[i * k + c] == first;
                if (constant)
                    throw new InputException(
                        $"random-effects term {FormulaText.Format(formula.RandomTerms[t])}: '{term.TermNames[c]}' is {first:G6} in every row used, so it is the intercept again and its variance cannot be told apart; leave it out of the term");
            }
        }
    }

    /// <summary>The refusal of a random slope of <paramref name="mean"/> and <paramref name="sd"/> (above 0) in the term
    /// written <paramref name="term"/>, when it is more than <paramref name="maxRatio"/> SDs from zero
    /// (<paramref name="why"/> says what that costs); null otherwise.</summary>
    public static string? SlopeProblem(string term, string name, double mean, double sd, double maxRatio, string why) =>
        Math.Abs(mean) > maxRatio * sd || !double.IsFinite(mean / sd)
            ? $"random-effects term {term}: '{name}' has mean {mean:G6} but SD {sd:G3} (|mean|/SD {Math.Abs(mean) / sd:G3}, " +
              $"above {maxRatio:G}), so {why}; " +
              $"centre it (subtract about {mean:G6}): that is the same model, with the intercept's variance at the new origin"
            : null;
}
