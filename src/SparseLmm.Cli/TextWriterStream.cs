using System.Text;

namespace SparseLmm.Cli;

/// <summary>A write-only stream that decodes UTF-8 bytes onto a <see cref="TextWriter"/>, so a
/// <see cref="System.Text.Json.Utf8JsonWriter"/> can stream to the CLI's output without building one huge string.</summary>
internal sealed class TextWriterStream(TextWriter target) : Stream
{
    private readonly Decoder decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private char[] characters = new char[4096];

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int needed = decoder.GetCharCount(buffer, flush: false);
        if (needed > characters.Length) characters = new char[needed];
        int written = decoder.GetChars(buffer, characters, flush: false);
        target.Write(characters, 0, written);
    }

    /// <inheritdoc />
    public override void Flush() => target.Flush();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
}
