using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

/// <summary>Files that are not what the reader expects (issue 10, items 6, 7, 8, 12, 13, 18): refused with what they
/// are and where, or read right; never a silently different table, never a hang.</summary>
public class HostileInputTests
{
    private static string TempPath(string extension) =>
        Path.Combine(Path.GetTempPath(), $"sparselmm-hostile-{Guid.NewGuid():N}{extension}");

    private static InputException ReadFileError(byte[] bytes, string extension = ".csv")
    {
        var path = TempPath(extension);
        File.WriteAllBytes(path, bytes);
        try
        {
            return Assert.Throws<InputException>(() => CsvReader.ReadFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Latin1_file_is_refused_with_its_line_not_merged()
    {
        // "Müller" and "Mäller" in Latin-1: read as UTF-8 with replacement characters they would be one label.
        var bytes = Encoding.Latin1.GetBytes("y,g\n1,a\n2,M\u00fcller\n3,M\u00e4ller\n");
        var e = ReadFileError(bytes);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("UTF-8", e.Message);
        Assert.Contains("Latin-1", e.Message);
    }

    [Fact]
    public void Latin1_is_found_in_a_later_chunk_and_in_the_header()
    {
        var text = new StringBuilder("y,g\n");
        for (int i = 0; i < 3000; i++) text.Append(i).Append(",g").Append(i % 10).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString()).Concat(Encoding.Latin1.GetBytes("1,\u00e9\n")).ToArray();
        var path = TempPath(".csv");
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.Throws<InputException>(() => CsvReader.ReadFile(path, chunkSize: 1000));
            Assert.Contains("line 3002", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("line 1", ReadFileError(Encoding.Latin1.GetBytes("y,Gr\u00f6\u00dfe\n1,2\n")).Message);
    }

    [Fact]
    public void Valid_utf8_labels_stay_distinct()
    {
        var path = TempPath(".csv");
        File.WriteAllText(path, "y,g\n1,M\u00fcller\n2,M\u00e4ller\n", new UTF8Encoding(false));
        try
        {
            var g = Assert.IsType<CategoricalColumn>(CsvReader.ReadFile(path)["g"]);
            Assert.Equal(2, g.Levels.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("\t")]
    [InlineData("\" \"")]
    public void Whitespace_only_cell_is_missing_and_the_column_stays_numeric(string cell)
    {
        var t = CsvReader.Parse($"y,x\n1,2\n2,{cell}\n3,4\n", "t.csv");
        var x = Assert.IsType<NumericColumn>(t["x"]);
        Assert.True(x.IsMissing(1));
        Assert.False(x.IsMissing(0));
        Assert.Equal(4, x.Values[2]);
    }

    [Fact]
    public void Whitespace_only_cell_in_a_text_column_is_missing_too()
    {
        var g = Assert.IsType<CategoricalColumn>(CsvReader.Parse("y,g\n1,a\n2,  \n3,b\n", "t.csv")["g"]);
        Assert.Equal(["a", "b"], g.Levels);
        Assert.Equal(-1, g.Codes[1]);
    }

    [Fact]
    public void Stray_text_cell_is_recorded_with_its_line()
    {
        // A quoted field with a newline makes the line differ from row + 2.
        var t = CsvReader.Parse("y,x,n\n1,2,\"a\nb\"\n2,oops,c\n3,4,d\n", "t.csv");
        var x = Assert.IsType<CategoricalColumn>(t["x"]);
        Assert.Equal(new TextCell(4, "oops"), x.FirstText);
    }

    [Fact]
    public void Truncated_gzip_is_an_error()
    {
        var text = new StringBuilder("y,x,g\n");
        var random = new Random(3);
        for (int i = 0; i < 2000; i++) text.Append(random.NextDouble()).Append(',').Append(i % 9).Append(",g").Append(i % 13).Append('\n');
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));
        var whole = compressed.ToArray();

        var path = TempPath(".csv.gz");
        try
        {
            File.WriteAllBytes(path, whole);
            Assert.Equal(2000, CsvReader.ReadFile(path).RowCount);
            foreach (int keep in new[] { whole.Length / 3, whole.Length / 2, whole.Length - 9, whole.Length - 1, 10 })
            {
                File.WriteAllBytes(path, whole[..keep]);
                var e = Assert.Throws<InputException>(() => CsvReader.ReadFile(path));
                Assert.Contains("truncated", e.Message);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A stream that cannot seek, as standard input or a pipe.</summary>
    private sealed class PipeLikeStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream inner = new(bytes);
        public int Reads { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) { Reads++; return inner.Read(buffer, offset, count); }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Stream_that_cannot_seek_is_read_once_plain_or_gzip()
    {
        // A column that turns categorical late needs the reader's second pass: from memory, not from the pipe.
        var text = new StringBuilder("y,x\n");
        for (int i = 0; i < 5000; i++) text.Append(i).Append(',').Append(i).Append('\n');
        text.Append("1,late\n");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var t = CsvReader.ReadStream(new PipeLikeStream(bytes), "<stdin>");
        Assert.Equal(5001, t.RowCount);
        Assert.IsType<CategoricalColumn>(t["x"]);
        Assert.Equal("<stdin>", t.Source);

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        Assert.Equal(5001, CsvReader.ReadStream(new PipeLikeStream(compressed.ToArray()), "<stdin>").RowCount);
    }

    [Fact]
    public async Task Fifo_is_read_once_without_hanging()
    {
        if (!OperatingSystem.IsLinux()) return;
        var path = TempPath(".csv");
        using (var mkfifo = Process.Start("mkfifo", path)) mkfifo.WaitForExit();
        try
        {
            var writer = Task.Run(() => File.WriteAllText(path, "y,x,g\n1,2,a\n2,3,b\n3,4,a\n"));
            var read = Task.Run(() => CsvReader.ReadFile(path));
            var table = await read.WaitAsync(TimeSpan.FromSeconds(30));   // a TimeoutException when it hangs
            Assert.Equal(3, table.RowCount);
            await writer.WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Header_longer_than_the_limit_is_refused()
    {
        var path = TempPath(".csv");
        File.WriteAllText(path, new string('a', 20_000) + "\n1\n");
        try
        {
            var e = Assert.Throws<InputException>(() => CsvReader.ReadFile(path, chunkSize: 64, maxRecordLength: 4096));
            Assert.Contains("header is longer than", e.Message);
            // A header without any line end, from memory too.
            var inMemory = Assert.Throws<InputException>(() =>
                CsvReader.Parse(new string('a', 20_000).AsMemory(), "m.csv", null, int.MaxValue, 64, 4096));
            Assert.Contains("header is longer than", inMemory.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Record_longer_than_the_limit_is_refused_with_its_line()
    {
        var path = TempPath(".csv");
        File.WriteAllText(path, "y,g\n1,a\n2,\"" + new string('b', 20_000) + "\n3,c\n");
        try
        {
            var e = Assert.Throws<InputException>(() => CsvReader.ReadFile(path, chunkSize: 64, maxRecordLength: 4096));
            Assert.Contains("line 3", e.Message);
            Assert.Contains("record longer than", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Carriage_return_line_ends_say_what_they_are()
    {
        var e = ReadFileError(Encoding.UTF8.GetBytes("y,x,g\r1,2,a\r2,3,b\r"));
        Assert.Contains("carriage return", e.Message);
        Assert.Contains("Mac", e.Message);
    }

    [Fact]
    public void Semicolon_separated_file_says_what_it_is()
    {
        var e = ReadFileError(Encoding.UTF8.GetBytes("y;x;g\n1,5;2;a\n2,5;3;b\n"));
        Assert.Contains("semicolon", e.Message);
        // Asked for explicitly, a semicolon is a delimiter like any other.
        Assert.Equal(2, CsvReader.Read(new StringReader("a;b\n1;2\n"), "x", ';').Columns.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Utf16_without_byte_order_mark_says_what_it_is(bool bigEndian)
    {
        var encoding = new UnicodeEncoding(bigEndian, byteOrderMark: false);
        var e = ReadFileError(encoding.GetBytes("y,x,g\n1,2,a\n2,3,b\n"));
        Assert.Contains("UTF-16", e.Message);
        // With a byte order mark it is read.
        var path = TempPath(".csv");
        File.WriteAllText(path, "y,x,g\n1,2,a\n2,3,b\n", new UnicodeEncoding(bigEndian, byteOrderMark: true));
        try
        {
            Assert.Equal(2, CsvReader.ReadFile(path).RowCount);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
