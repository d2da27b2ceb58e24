using System.Buffers.Binary;

namespace SparseLmm.Data;

/// <summary>Detects a truncated or damaged gzip file. <see cref="System.IO.Compression.GZipStream"/> ends quietly
/// where the compressed data stop, so a file cut short would read as fewer rows. A gzip member ends with the length
/// of its uncompressed data (mod 2³²); the decompressed length is checked against it. Files of many members written by
/// bgzip (BGZF, each block holding its own size) are walked block by block and their lengths summed.</summary>
internal static class GzipIntegrity
{
    /// <summary>The uncompressed length the file's trailers promise (mod 2³²). Leaves the stream's position anywhere.</summary>
    /// <param name="stream">The compressed bytes; must be seekable.</param>
    /// <param name="source">Names the file in messages.</param>
    public static long ExpectedLength(Stream stream, string source)
    {
        try
        {
            long length = stream.Length;
            Span<byte> header = stackalloc byte[18];
            stream.Seek(0, SeekOrigin.Begin);
            int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < 2 || header[0] != 0x1f || header[1] != 0x8b)
                throw new InputException($"cannot read '{source}': it is not gzip data (its name ends in .gz)");
            if (got < header.Length || length < 18)
                throw Truncated(source);
            if (IsBgzfHeader(header)) return BgzfLength(stream, length, source);
            Span<byte> trailer = stackalloc byte[4];
            stream.Seek(length - 4, SeekOrigin.Begin);
            stream.ReadExactly(trailer);
            return BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{source}': {e.Message.ReplaceLineEndings(" ").Trim()}");
        }
    }

    /// <summary>A BGZF block header: FEXTRA set, one extra subfield "BC" of length 2 holding the block size − 1.</summary>
    private static bool IsBgzfHeader(ReadOnlySpan<byte> header) =>
        header[2] == 8 && (header[3] & 4) != 0 && header[10] == 6 && header[11] == 0 &&
        header[12] == (byte)'B' && header[13] == (byte)'C' && header[14] == 2 && header[15] == 0;

    private static long BgzfLength(Stream stream, long length, string source)
    {
        Span<byte> header = stackalloc byte[18];
        Span<byte> trailer = stackalloc byte[4];
        long offset = 0, total = 0;
        while (offset < length)
        {
            stream.Seek(offset, SeekOrigin.Begin);
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
                throw Truncated(source);
            if (header[0] != 0x1f || header[1] != 0x8b || !IsBgzfHeader(header))
                throw new InputException($"cannot read '{source}': damaged bgzip (BGZF) block at byte {offset:N0}");
            long blockSize = BinaryPrimitives.ReadUInt16LittleEndian(header[16..]) + 1L;
            if (offset + blockSize > length) throw Truncated(source);
            stream.Seek(offset + blockSize - 4, SeekOrigin.Begin);
            stream.ReadExactly(trailer);
            total += BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            offset += blockSize;
        }
        return total;
    }

    private static InputException Truncated(string source) =>
        new($"cannot read '{source}': the gzip data end early (the file is truncated)");

    /// <summary>Decompressed bytes, counted; at their end the count must match the trailer's length.</summary>
    internal sealed class CheckedStream(Stream inner, long expectedLength) : Stream
    {
        private long total;
        private bool verified;

        public override int Read(byte[] buffer, int offset, int count) => Check(inner.Read(buffer, offset, count), count);

        public override int Read(Span<byte> buffer) => Check(inner.Read(buffer), buffer.Length);

        private int Check(int read, int requested)
        {
            total += read;
            if (read == 0 && requested > 0 && !verified)
            {
                verified = true;
                if ((uint)total != (uint)expectedLength)
                    throw new InvalidDataException(
                        $"the gzip data end early or are damaged: {total:N0} bytes decompressed, but the gzip trailer " +
                        $"says {(uint)expectedLength:N0} (mod 2^32); the file is truncated (or is several gzip files " +
                        "joined together: decompress it first)");
            }
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => total; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
