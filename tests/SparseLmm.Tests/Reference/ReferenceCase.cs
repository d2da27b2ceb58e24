using System.Text.Json;

namespace SparseLmm.Tests.Reference;

/// <summary>An lme4 reference fit from tests/SparseLmm.Tests/data/reference.</summary>
public sealed class ReferenceCase
{
    private ReferenceCase(string name, JsonElement root)
    {
        Name = name;
        Root = root;
    }

    public string Name { get; }

    public JsonElement Root { get; }

    public string DataFile => Path.Combine(TestData.Directory, "csv", Root.GetProperty("data").GetString()!);

    public string Formula => Root.GetProperty("formula").GetString()!;

    public string Family => Root.GetProperty("family").GetString()!;

    public bool Reml => Root.GetProperty("method").GetString() == "REML";

    public IReadOnlyList<string> Factors => Root.GetProperty("factors").EnumerateArray().Select(e => e.GetString()!).ToList();

    public static ReferenceCase Load(string name) =>
        new(name, JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Directory, "reference", name + ".json"))).RootElement);

    public override string ToString() => Name;
}

/// <summary>Where the copied test data live in the test output.</summary>
public static class TestData
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "data");
}
