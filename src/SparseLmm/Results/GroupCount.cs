namespace SparseLmm.Results;

/// <summary>Number of levels of a grouping factor among the rows used.</summary>
public sealed record GroupCount(string Group, int Levels);
