using System.Linq.Expressions;
using System.Reflection;

namespace SparseLmm.Data;

/// <summary>Columns from a sequence of records (see <see cref="DataTable.FromRecords{T}"/>): the public properties of
/// <typeparamref name="T"/> are read once, each through a compiled getter, so that a million records cost a million
/// calls per property and no reflection per row.</summary>
internal static class RecordColumns<T>
{
    private static readonly Type[] NumericTypes =
    [
        typeof(double), typeof(float), typeof(decimal), typeof(long), typeof(ulong), typeof(int), typeof(uint),
        typeof(short), typeof(ushort), typeof(byte), typeof(sbyte),
    ];

    /// <summary>One column per public instance property, in declaration order.</summary>
    /// <exception cref="InputException">A property is neither a number, text, bool, char nor enum (or T has none).</exception>
    public static IReadOnlyList<DataColumn> Build(IEnumerable<T> records)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .ToList();
        if (properties.Count == 0)
            throw new InputException($"{typeof(T).Name} has no public properties to make columns of");
        var rows = records as IReadOnlyList<T> ?? records.ToList();
        return properties.Select(p => Column(p, rows)).ToList();
    }

    private static DataColumn Column(PropertyInfo property, IReadOnlyList<T> rows)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (NumericTypes.Contains(type)) return Numeric(property, rows);
        if (type == typeof(string) || type == typeof(bool) || type == typeof(char) || type.IsEnum) return Categorical(property, type, rows);
        throw new InputException(
            $"property '{property.Name}' of {typeof(T).Name} is a {property.PropertyType.Name}, which is neither a number nor text, bool, char or enum: leave it out (for example records.Select(r => new {{ r.A, r.B }}))");
    }

    /// <summary>Numbers as doubles; null is missing.</summary>
    private static NumericColumn Numeric(PropertyInfo property, IReadOnlyList<T> rows)
    {
        var record = Expression.Parameter(typeof(T));
        var getter = Expression.Lambda<Func<T, double?>>(
            Expression.Convert(Expression.Property(record, property), typeof(double?)), record).Compile();
        var values = new double[rows.Count];
        bool[]? missing = null;
        for (int i = 0; i < rows.Count; i++)
        {
            if (getter(rows[i]) is double value)
            {
                values[i] = value;
                continue;
            }
            values[i] = double.NaN;
            (missing ??= new bool[rows.Count])[i] = true;
        }
        return new NumericColumn(property.Name, values, missing);
    }

    /// <summary>Text, chars and bools (as R names them: FALSE, TRUE) in the data layer's level order; an enum's levels
    /// in declaration order (the first is the reference level of its contrasts); null is missing.</summary>
    private static CategoricalColumn Categorical(PropertyInfo property, Type type, IReadOnlyList<T> rows)
    {
        var record = Expression.Parameter(typeof(T));
        var getter = Expression.Lambda<Func<T, object?>>(
            Expression.Convert(Expression.Property(record, property), typeof(object)), record).Compile();
        var labels = new string?[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            labels[i] = getter(rows[i]) switch
            {
                null => null,
                bool flag => flag ? "TRUE" : "FALSE",
                var value => value.ToString(),
            };
        }
        if (!type.IsEnum) return CategoricalColumn.FromStrings(property.Name, labels);
        var present = labels.Where(l => l is not null).ToHashSet(StringComparer.Ordinal);
        var levels = Enum.GetValues(type).Cast<object>().OrderBy(v => v).Select(v => v.ToString()!).Distinct()
            .Where(present.Contains).ToArray();
        var index = levels.Select((label, k) => (label, k)).ToDictionary(e => e.label, e => e.k, StringComparer.Ordinal);
        var codes = labels.Select(l => l is null ? -1 : index[l]).ToArray();
        return new CategoricalColumn(property.Name, codes, levels) { Declared = true };
    }
}
