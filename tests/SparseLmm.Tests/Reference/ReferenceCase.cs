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

    /// <summary>A case of data/reference (data in data/csv), or, named "mlmrev/…", of data/mlmrev (data beside it).</summary>
    public static ReferenceCase Load(string name)
    {
        bool mlmrev = name.StartsWith("mlmrev/", StringComparison.Ordinal);
        string file = mlmrev
            ? Path.Combine(TestData.Directory, name + ".json")
            : Path.Combine(TestData.Directory, "reference", name + ".json");
        string data = mlmrev ? Path.Combine(TestData.Directory, "mlmrev") : Path.Combine(TestData.Directory, "csv");
        return new(name, JsonDocument.Parse(File.ReadAllText(file)).RootElement, data);
    }

    public override string ToString() => Name;
}

/// <summary>Where the copied test data live in the test output.</summary>
public static class TestData
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "data");
}
