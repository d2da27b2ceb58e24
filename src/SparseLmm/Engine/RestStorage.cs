namespace SparseLmm.Engine;

/// <summary>Which storage the rest of the penalized system uses (see <see cref="RestStructure"/>).</summary>
internal enum RestStorage
{
    /// <summary>Chosen from the data.</summary>
    Automatic,

    /// <summary>One dense block.</summary>
    Dense,

    /// <summary>The supernodal sparse factor.</summary>
    Supernodal,
}
