namespace SparseLmm.Data;

/// <summary>The not yet consumed part of a text that is either held in memory (the whole text is available at once)
/// or read from a <see cref="TextReader"/> a few megabytes at a time, so that a large file is never held whole.</summary>
internal sealed class CsvTextWindow : IDisposable
{
    private readonly ReadOnlyMemory<char> memory;
    private readonly TextReader? reader;
    private readonly string? path;
    private char[] buffer = [];
    private int start;
    private int end;
    private bool atEnd;

    /// <summary>A window on text held in memory.</summary>
    public CsvTextWindow(ReadOnlyMemory<char> text)
    {
        memory = text;
        atEnd = true;
    }

    /// <summary>A window on text read from <paramref name="reader"/>, which the window disposes.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="path">When not null, read errors become <see cref="InputException"/>s naming this file.</param>
    public CsvTextWindow(TextReader reader, string? path)
    {
        this.reader = reader;
        this.path = path;
    }

    /// <summary>True when the text is held in memory (chunks of it can be used without copying).</summary>
    public bool InMemory => reader is null;

    /// <summary>True when <see cref="Available"/> reaches the end of the text.</summary>
    public bool AtEnd => atEnd;

    /// <summary>The text read but not consumed.</summary>
    public ReadOnlyMemory<char> Available => reader is null ? memory[start..] : buffer.AsMemory(start, end - start);

    /// <summary>Consumes the first <paramref name="count"/> characters of <see cref="Available"/>.</summary>
    public void Consume(int count) => start += count;

    /// <summary>Reads until at least <paramref name="length"/> characters are available or the text ends.</summary>
    public void Fill(int length)
    {
        if (reader is null || atEnd || end - start >= length) return;
        int held = end - start;
        if (buffer.Length < length)
        {
            var larger = new char[(int)Math.Min(Array.MaxLength, Math.Max(length, 2L * buffer.Length))];
            Array.Copy(buffer, start, larger, 0, held);
            buffer = larger;
            start = 0;
            end = held;
        }
        else if (buffer.Length - start < length)
        {
            Array.Copy(buffer, start, buffer, 0, held);
            start = 0;
            end = held;
        }
        while (end - start < length && end < buffer.Length)
        {
            int read = Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                atEnd = true;
                return;
            }
            end += read;
        }
    }

    private int Read(char[] target, int offset, int count)
    {
        if (path is null) return reader!.Read(target, offset, count);
        try
        {
            return reader!.Read(target, offset, count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InputException($"cannot read '{path}': {e.Message.ReplaceLineEndings(" ").Trim()}");
        }
    }

    public void Dispose() => reader?.Dispose();
}
