using SparseLmm;
using SparseLmm.Data;

namespace SparseLmm.ConsumerTests;

/// <summary>A program's own table streamed through the public <see cref="IDataSource"/>.</summary>
public class DataSourceTests
{
    [Fact]
    public void ATableReadInSlicesFitsAsTheTableInMemory()
    {
        const string formula = "Reaction ~ Days + (Days | Subject)";
        var table = EmbeddedDatasets.Load("sleepstudy");
        using var source = DataSource.FromTable(table, chunkRows: 50);
        Assert.Equal([50, 50, 50, 30], source.ReadChunks(["Reaction", "Subject"]).Select(chunk => chunk.RowCount));
        var streamed = MixedModel.FitStreamed(formula, source, new FitOptions(Reml: false));
        var inMemory = MixedModel.Fit(formula, table, new FitOptions(Reml: false));
        Assert.Equal(inMemory.LogLikelihood, streamed.LogLikelihood, 9);
        // lme4: logLik(lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = FALSE)) = -875.9697.
        Assert.Equal(-875.9697, streamed.LogLikelihood, 3);
    }
}
