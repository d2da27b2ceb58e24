namespace SparseLmm.Design;

/// <summary>A formula factor evaluated over the rows kept for the model: numeric values or categorical codes.</summary>
/// <param name="Label">The factor as lme4 prints it (a column name or a transform such as <c>log(x)</c>).</param>
internal abstract record EvaluatedFactor(string Label);

/// <summary>A numeric factor: one value per kept row.</summary>
internal sealed record NumericFactor(string Label, double[] Values) : EvaluatedFactor(Label);

/// <summary>A categorical factor: a level code per kept row and the level labels.</summary>
internal sealed record CategoricalFactor(string Label, int[] Codes, string[] Levels) : EvaluatedFactor(Label);

/// <summary>A factor of several numeric columns, such as <c>poly(x, 2)</c>: model-matrix columns named the label
/// followed by 1, 2, ... (R's names for a matrix-valued term).</summary>
internal sealed record MatrixFactor(string Label, double[][] Columns) : EvaluatedFactor(Label);
