using System.Text.Json;
using SparseLmm.Data;

namespace SparseLmm.Tests.Inference;

/// <summary>Loads the public inference references copied into the test data.</summary>
internal static class InferenceReference
{
    public static JsonElement Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "reference", "inference", name + ".json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    public static double[] Doubles(JsonElement element) => element.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static string[] Strings(JsonElement element) => element.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static DataTable LoadData(JsonElement reference) =>
        MixedModel.LoadData(Path.GetFileNameWithoutExtension(reference.GetProperty("data").GetString()!));

    public static void Close(double expected, double actual, double relative, string what)
    {
        double tolerance = relative * Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, got {actual}");
    }
}
