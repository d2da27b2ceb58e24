using System.Collections.Immutable;
using System.Collections.ObjectModel;

namespace SparseLmm.Results;

/// <summary>Copies given to a public record into values no one can change: an <see cref="ImmutableArray{T}"/> behind
/// <see cref="IReadOnlyList{T}"/> cannot be cast back to the array or list it came from, so a result does not change
/// when the caller (or the engine, whose arrays the builders pass in) later writes to its own buffer.</summary>
internal static class Frozen
{
    /// <summary><paramref name="values"/> as an immutable array: copied unless it already is one.</summary>
    public static IReadOnlyList<T> List<T>(IReadOnlyList<T> values) =>
        values is ImmutableArray<T> ? values : ImmutableArray.CreateRange(values ?? throw new ArgumentNullException(nameof(values)));

    /// <summary><see cref="List{T}"/>, or null for null.</summary>
    public static IReadOnlyList<T>? OptionalList<T>(IReadOnlyList<T>? values) => values is null ? null : List(values);

    /// <summary>A list of rows (a matrix, or one list per level), every row frozen.</summary>
    public static IReadOnlyList<IReadOnlyList<T>> Rows<T>(IReadOnlyList<IReadOnlyList<T>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows is ImmutableArray<IReadOnlyList<T>> && rows.All(row => row is ImmutableArray<T>)) return rows;
        return rows.Select(List).ToImmutableArray();
    }

    /// <summary>A read-only copy that keeps the order of <paramref name="entries"/> (the order results are printed in).</summary>
    public static IReadOnlyDictionary<string, T> Dictionary<T>(IReadOnlyDictionary<string, T> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var copy = new Dictionary<string, T>(entries.Count, StringComparer.Ordinal);
        foreach (var (key, value) in entries) copy.Add(key, value);
        return new ReadOnlyDictionary<string, T>(copy);
    }
}
