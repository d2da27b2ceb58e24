using SparseLmm.Data;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>The GLMM chain's iterations allocate nothing: every buffer of its moves (factors, solves, the likelihood
/// pass) belongs to the chain, so a run of 1,100 draws allocates exactly what a run of 100 does (the warmup history and
/// the adaptation's few arrays, the same for both).</summary>
public class GeneralizedChainTests
{
    [Fact]
    public void Iterations_allocate_nothing()
    {
        var fit = MixedModel.Fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", EmbeddedDatasets.Load("cbpp"),
            new FitOptions(Family: Family.Binomial(), FactorColumns: ["period"]));
        var source = fit.GlmmSource!;
        var design = source.Design;
        var coordinates = SparseLmm.Engine.FixedEffectScaling.Standardized(design.X, design.RowCount, design.FixedEffectCount);
        var centred = design with { X = coordinates.Transform(design.X) };
        var parameterization = new SparseLmm.Engine.CovarianceParameterization(source.Terms);
        var layout = new ParameterLayout(source.Terms, parameterization, fit.FixedEffects.Select(e => e.Name).ToList(), true, false);
        var theta = fit.Theta.ToArray();
        var chain = new GeneralizedChain(centred, coordinates, source.Terms, source.Response, McmcPrior.HalfStudentT, layout, theta, theta,
            new RandomStream(1, 0), new SparseLmm.Numerics.ThreadBudget(1));
        var shortRun = new double[100 * layout.Count];
        var longRun = new double[1100 * layout.Count];
        chain.Run(100, 100, shortRun);

        // An iteration that allocated would show in every window as 1,000 iterations' worth; the quietest of several
        // windows must show none (a loaded machine once showed bytes in a single window, from the runtime).
        long extra = long.MaxValue;
        for (int window = 0; window < 5 && extra != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            chain.Run(100, 100, shortRun);
            long shortBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            before = GC.GetAllocatedBytesForCurrentThread();
            chain.Run(100, 1100, longRun);
            long longBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            extra = Math.Min(extra, Math.Abs(longBytes - shortBytes));
        }

        Assert.Equal(0, extra);
        Assert.True(chain.Accepted > 0);
    }
}
