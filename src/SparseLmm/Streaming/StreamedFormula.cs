using SparseLmm.Formulas;
using SparseLmm.Results;

namespace SparseLmm.Streaming;

/// <summary>What a streamed fit, a partial or the SQL statements cannot take from a formula or the options, refused
/// with the reason: transforms whose result depends on the whole data's values (<c>scale</c>, <c>poly</c>: their
/// statistics; <c>factor</c>: its levels) would be evaluated per chunk, and offsets, prior weights and reference levels
/// are not carried by the sufficient statistics.</summary>
internal static class StreamedFormula
{
    private static readonly string[] WholeDataFunctions = ["scale", "poly", "factor"];

    /// <param name="allowWeights">A streamed GLMM reads its prior weights with the rows.</param>
    public static void Require(ModelFormula formula, FitOptions options, string what, bool allowWeights = false)
    {
        if (formula.Offsets.Count > 0) throw new InputException($"{what} does not support offset() terms");
        if (options.WeightsColumn is not null && !allowWeights) throw new InputException($"{what} does not support prior weights (--weights)");
        if (options.ReferenceLevels is { Count: > 0 }) throw new InputException($"{what} does not support reference levels");
        // The streamed layout is built from the level pairs alone, and glmmTMB's standard errors of a structured fit
        // need the fit's source.
        if (formula.RandomTerms.FirstOrDefault(t => t.Structure != CovarianceStructure.Unstructured) is { } structured)
            throw new InputException($"{what} does not support {structured.Structure.Name()}() random-effects terms");
        var calls = new List<string>();
        void Walk(FormulaExpression e)
        {
            switch (e)
            {
                case FunctionCall call:
                    if (WholeDataFunctions.Contains(call.Name)) calls.Add(call.Name);
                    foreach (var argument in call.Arguments) Walk(argument);
                    break;
                case BinaryOperation operation:
                    Walk(operation.Left);
                    Walk(operation.Right);
                    break;
                case Negation negation:
                    Walk(negation.Operand);
                    break;
            }
        }
        Walk(formula.Response);
        foreach (var term in formula.FixedTerms.Concat(formula.RandomTerms.SelectMany(t => t.Terms)))
            foreach (var factor in term.Factors) Walk(factor);
        if (calls.Count > 0)
            throw new InputException(
                $"{what} does not support {calls[0]}(), whose result depends on the whole data (declare a factor with --factor; scale a column beforehand)");
    }
}
