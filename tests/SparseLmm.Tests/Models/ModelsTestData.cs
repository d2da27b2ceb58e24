using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Tests.Reference;

namespace SparseLmm.Tests.Models;

/// <summary>The data and lme4 references of data/models (made by make_models.R).</summary>
internal static class ModelsTestData
{
    public static string File(string name) => Path.Combine(TestData.Directory, "models", name);

    public static DataTable Table(string name) => CsvReader.ReadFile(File(name));

    public static JsonElement Reference(string caseName) =>
        JsonDocument.Parse(System.IO.File.ReadAllText(File(caseName + ".json"))).RootElement;

    public static double[] Numbers(JsonElement element) => element.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
