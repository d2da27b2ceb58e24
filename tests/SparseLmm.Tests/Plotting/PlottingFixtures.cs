using System.Buffers.Binary;
using System.Xml.Linq;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Tests.Plotting;

/// <summary>The models the plotting tests draw, fitted once, and checks that an image is a real PNG or SVG.</summary>
internal static class PlottingFixtures
{
    public const string SleepstudyFormula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
    public const string SleepstudyInterceptFormula = "Reaction ~ 1 + Days + (1 | Subject)";
    public const string PenicillinFormula = "diameter ~ 1 + (1 | plate) + (1 | sample)";
    public const string CbppFormula = "cbind(incidence, size - incidence) ~ period + (1 | herd)";

    public sealed record Model(string Name, MixedModelFit Fit, DataTable Data);

    private static readonly Lazy<Model> SleepstudyModel = new(() => Load("sleepstudy", SleepstudyFormula));
    private static readonly Lazy<Model> SleepstudyInterceptModel = new(() => Load("sleepstudy", SleepstudyInterceptFormula));
    private static readonly Lazy<Model> PenicillinModel = new(() => Load("Penicillin", PenicillinFormula));
    private static readonly Lazy<Model> CbppModel = new(() =>
    {
        var data = ColumnConversions.ToCategorical(EmbeddedDatasets.Load("cbpp"), "period");
        return new Model("cbpp", MixedModel.Fit(CbppFormula, data, new FitOptions(Family: Family.Binomial())), data);
    });

    public static Model Get(string name) => name switch
    {
        "sleepstudy" => SleepstudyModel.Value,
        "sleepstudy-intercept" => SleepstudyInterceptModel.Value,
        "Penicillin" => PenicillinModel.Value,
        "cbpp" => CbppModel.Value,
        _ => throw new ArgumentException(name),
    };

    private static Model Load(string data, string formula)
    {
        var table = EmbeddedDatasets.Load(data);
        return new Model(data, MixedModel.Fit(formula, table), table);
    }

    /// <summary>Asserts a PNG signature and a well-formed IHDR chunk, and returns the width and height it declares.</summary>
    public static (int Width, int Height) PngSize(byte[] png)
    {
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(png.Length > 33, $"only {png.Length} bytes");
        Assert.Equal(signature, png[..8]);
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        int width = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16));
        int height = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20));
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
        return (width, height);
    }

    /// <summary>Parses an SVG document and returns its root's width and height.</summary>
    public static (int Width, int Height, XDocument Document) SvgSize(string svg)
    {
        var document = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", document.Root!.Name);
        int width = int.Parse(document.Root.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        int height = int.Parse(document.Root.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        return (width, height, document);
    }

    /// <summary>A sensible figure size: wide enough to read, not absurdly large.</summary>
    public static void AssertSensibleSize(int width, int height)
    {
        Assert.InRange(width, 600, 2000);
        Assert.InRange(height, 400, 3000);
    }

    /// <summary>The fraction of pixels that are not (near) white: a drawn figure has axes, text and data.</summary>
    public static double InkFraction(byte[] png)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        long ink = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red < 200 || c.Green < 200 || c.Blue < 200) ink++;
            }
        return ink / (double)((bitmap.Height + 1) / 2 * ((bitmap.Width + 1) / 2));
    }
}
