using System.Text.Json;

namespace SparseLmm.Tests.Reference;

/// <summary>An lme4 reference fit from tests/SparseLmm.Tests/data/reference.</summary>
public sealed class ReferenceCase
{
    private ReferenceCase(string name, JsonElement root, string dataDirectory)
    {
        Name = name;
        Root = root;
        this.dataDirectory = dataDirectory;
    }

    private readonly string dataDirectory;

    public string Name { get; }

    public JsonElement Root { get; }

    public string DataFile => Path.Combine(dataDirectory, Root.GetProperty("data").GetString()!);

    public string Formula => Root.GetProperty("formula").GetString()!;

    public string Family => Root.GetProperty("family").GetString()!;

    public bool Reml => Root.GetProperty("method").GetString() == "REML";

    public IReadOnlyList<string> Factors => Root.GetProperty("factors").EnumerateArray().Select(e => e.GetString()!).ToList();

    /// <summary>The prior weights column (data/models cases), or null.</summary>
    public string? Weights => Root.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null;

    /// <summary>Reference levels as COL=LEVEL (R's relevel; data/models cases).</summary>
    public IReadOnlyList<string> References => Root.TryGetProperty("refs", out var r) && r.ValueKind == JsonValueKind.Array
        ? r.EnumerateArray().Select(e => e.GetString()!).ToList()
        : [];

    /// <summary>A case of data/reference (data in data/csv), or, named "mlmrev/…" or "models/…", of data/mlmrev or
    /// data/models (data beside it).</summary>
    public static ReferenceCase Load(string name)
    {
        bool mlmrev = name.StartsWith("mlmrev/", StringComparison.Ordinal) || name.StartsWith("models/", StringComparison.Ordinal);
        string file = mlmrev
            ? Path.Combine(TestData.Directory, name + ".json")
            : Path.Combine(TestData.Directory, "reference", name + ".json");
        string data = mlmrev ? Path.Combine(TestData.Directory, name[..name.IndexOf('/')]) : Path.Combine(TestData.Directory, "csv");
        return new(name, JsonDocument.Parse(File.ReadAllText(file)).RootElement, data);
    }

    public override string ToString() => Name;
}

/// <summary>Where the copied test data live in the test output.</summary>
public static class TestData
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "data");
}
