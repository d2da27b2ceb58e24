namespace SparseLmm;

/// <summary>A problem with what the user gave us (data, formula, options). The message is one line meant for a person:
/// it names the file, line, column or term at fault. The CLI prints it and exits with code 2.</summary>
public sealed class InputException(string message) : Exception(message);
