namespace SparseLmm.Design;

/// <summary>The evaluated left-hand side of a formula.</summary>
internal abstract record ModelResponse(string Label);

/// <summary>A numeric response.</summary>
internal sealed record NumericResponse(string Label, double[] Values) : ModelResponse(Label);

/// <summary>A text (categorical) response, e.g. a two-level outcome for a binomial model.</summary>
internal sealed record CategoricalResponse(string Label, int[] Codes, string[] Levels) : ModelResponse(Label);

/// <summary><c>cbind(successes, failures)</c> for a binomial model.</summary>
internal sealed record BinomialCountsResponse(string Label, double[] Successes, double[] Failures) : ModelResponse(Label);
