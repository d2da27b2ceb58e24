namespace SparseLmm.Data;

/// <summary>A source whose chunks can be decoded on several threads at once (a Parquet file's row groups are
/// independent), still handed out in order: what a streamed pass reads through <see cref="Streaming.ChunkPrefetch.Read"/>.</summary>
internal interface IParallelChunkSource
{
    /// <summary>The chunks in order, as <see cref="IDataSource"/>'s, decoded by up to <paramref name="decoders"/>
    /// threads.</summary>
    IEnumerable<IReadOnlyList<ColumnChunk>> Chunks(IReadOnlyList<string> columns, int decoders);
}
