using Apache.Arrow;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using DuckDB.NET.Data;

// dotnet run --project tools/SparseLmm.DataFiles -- parquet IN.csv OUT.parquet [ROWS_PER_GROUP]
// dotnet run --project tools/SparseLmm.DataFiles -- arrow IN.csv OUT.arrow [ROWS_PER_BATCH]
// dotnet run --project tools/SparseLmm.DataFiles -- sql DATABASE.duckdb "STATEMENT"
if (args.Length < 3) { Console.Error.WriteLine("usage: parquet|arrow IN.csv OUT [ROWS] | sql DB STATEMENT"); return 2; }
using var connection = new DuckDBConnection(args[0] == "sql" ? $"Data Source={args[1]}" : "Data Source=:memory:");
connection.Open();
string input = args[1].Replace("'", "''"), output = args[2].Replace("'", "''");
int rows = args.Length > 3 ? int.Parse(args[3]) : 122_880;
switch (args[0])
{
    case "parquet":
        Execute($"COPY (SELECT * FROM read_csv('{input}', nullstr = ['NA', ''])) TO '{output}' (FORMAT parquet, ROW_GROUP_SIZE {rows})");
        break;
    case "sql":
        Execute(args[2]);
        break;
    case "arrow":
        WriteArrow(rows);
        break;
    default:
        Console.Error.WriteLine($"unknown kind '{args[0]}'");
        return 2;
}
return 0;

void Execute(string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    command.ExecuteNonQuery();
}

// DuckDB reads and types the CSV; each column goes to Arrow as double, int64 or a dictionary-encoded string (the way
// pandas and R's arrow write factors).
void WriteArrow(int batchRows)
{
    using var command = connection.CreateCommand();
    command.CommandText = $"SELECT * FROM read_csv('{input}', nullstr = ['NA', ''])";
    using var reader = command.ExecuteReader();
    int columns = reader.FieldCount;
    var values = Enumerable.Range(0, columns).Select(_ => new List<object?>()).ToArray();
    while (reader.Read())
        for (int c = 0; c < columns; c++) values[c].Add(reader.IsDBNull(c) ? null : reader.GetValue(c));
    var types = Enumerable.Range(0, columns).Select(reader.GetFieldType).ToArray();
    var fields = new List<Field>();
    for (int c = 0; c < columns; c++)
    {
        IArrowType type = types[c] == typeof(string) ? new DictionaryType(Int32Type.Default, StringType.Default, false)
            : types[c] == typeof(double) ? DoubleType.Default : Int64Type.Default;
        fields.Add(new Field(reader.GetName(c), type, true));
    }
    var schema = new Schema(fields, null);
    using var stream = File.Create(args[2]);
    using var writer = new ArrowFileWriter(stream, schema, leaveOpen: false, new IpcOptions
    {
        CompressionCodec = CompressionCodecType.Zstd,
        CompressionCodecFactory = new CompressionCodecFactory(),
    });
    int total = values.Length == 0 ? 0 : values[0].Count;
    for (int start = 0; start < total; start += batchRows)
    {
        int count = Math.Min(batchRows, total - start);
        var arrays = new IArrowArray[columns];
        for (int c = 0; c < columns; c++)
        {
            var slice = values[c].GetRange(start, count);
            if (types[c] == typeof(string))
            {
                // One dictionary for the whole column: the IPC file format does not allow a batch to replace it.
                var labels = values[c].Where(v => v is not null).Select(v => (string)v!).Distinct().ToList();
                var index = labels.Select((label, i) => (label, i)).ToDictionary(x => x.label, x => x.i);
                var codes = new Int32Array.Builder();
                foreach (var v in slice) { if (v is null) codes.AppendNull(); else codes.Append(index[(string)v]); }
                var dictionary = new StringArray.Builder().AppendRange(labels).Build();
                arrays[c] = new DictionaryArray((DictionaryType)fields[c].DataType, codes.Build(), dictionary);
            }
            else if (types[c] == typeof(double))
            {
                var builder = new DoubleArray.Builder();
                foreach (var v in slice) { if (v is null) builder.AppendNull(); else builder.Append(Convert.ToDouble(v)); }
                arrays[c] = builder.Build();
            }
            else
            {
                var builder = new Int64Array.Builder();
                foreach (var v in slice) { if (v is null) builder.AppendNull(); else builder.Append(Convert.ToInt64(v)); }
                arrays[c] = builder.Build();
            }
        }
        writer.WriteRecordBatch(new RecordBatch(schema, arrays, count));
    }
    writer.WriteEnd();
}
