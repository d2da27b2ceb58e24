using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>The independence Metropolis move of θ (<see cref="ThetaLaplace"/>): used only where the Gaussian
/// approximation is checked to hold, and sampling the same posterior as the slice sampler it replaces.</summary>
public class IndependenceProposalTests
{
    /// <summary>2,000 groups of 10 rows with a correlated random intercept and slope: θ's posterior is close to Gaussian.</summary>
    private static readonly Lazy<Results.MixedModelFit> Large = new(() =>
    {
        var random = new Random(11);
        int groups = 2000, perGroup = 10, n = groups * perGroup;
        var x = new double[n];
        var y = new double[n];
        var g = new int[n];
        for (int l = 0; l < groups; l++)
        {
            double a = Normal(random), b = 0.5 * Normal(random) + 0.3 * a;
            for (int r = 0; r < perGroup; r++)
            {
                int i = l * perGroup + r;
                g[i] = l;
                x[i] = r + random.NextDouble();
                y[i] = 3 + 0.8 * x[i] + a + b * x[i] + 1.2 * Normal(random);
            }
        }
        var table = new DataTable([new NumericColumn("y", y), new NumericColumn("x", x),
            new CategoricalColumn("g", g, Enumerable.Range(0, groups).Select(l => $"g{l}").ToArray())], "simulated");
        return MixedModel.Fit("y ~ 1 + x + (1 + x | g)", table);
    });

    private static readonly Lazy<Results.MixedModelFit> Sleepstudy = new(() =>
        MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy")));

    [Fact]
    public void Sleepstudy_keeps_slice_sampling_and_many_data_use_the_proposal()
    {
        Assert.Null(Find(Sleepstudy.Value));
        var laplace = Find(Large.Value);
        Assert.NotNull(laplace);
        // The approximation's mode is near the ML θ̂ (the posterior mode differs by O(1/n)), in log for the diagonal.
        var theta = Large.Value.Theta;
        Assert.Equal(Math.Log(theta[0]), laplace.Mode[0], 0.05);
        Assert.Equal(theta[1], laplace.Mode[1], 0.05);
        Assert.Equal(Math.Log(theta[2]), laplace.Mode[2], 0.05);
    }

    [Fact]
    public void The_independence_sampler_agrees_with_the_slice_sampler_on_many_data() =>
        AgreesWithSliceSampling(Large.Value, Find(Large.Value)!, draws: 1500, minimumAcceptance: 0.6);

    /// <summary>Sleepstudy's θ posterior is skewed, so the check refuses the proposal, but the independence sampler is
    /// exact with any proposal: forced here, it must still sample what the slice sampler does (this is where an error
    /// in the weights, such as a missing Jacobian of the log coordinates, would show; with many data it is invisible).</summary>
    [Fact]
    public void The_independence_sampler_agrees_with_the_slice_sampler_where_the_check_refuses_it()
    {
        var source = FittedMixedModel.Of(Sleepstudy.Value).Source;
        var laplace = ThetaLaplace.Approximate(new ThetaPosterior(source.Products, McmcPrior.HalfStudentT), source.Parameterization,
            Sleepstudy.Value.Theta.ToArray());
        AgreesWithSliceSampling(Sleepstudy.Value, laplace!, draws: 20000, minimumAcceptance: 0.5);
    }

    private static void AgreesWithSliceSampling(Results.MixedModelFit fit, ThetaLaplace laplace, int draws, double minimumAcceptance)
    {
        var source = FittedMixedModel.Of(fit).Source;
        const int warmup = 300;
        var names = fit.FixedEffects.Select(e => e.Name).ToList();
        double[] Chain(ThetaLaplace? proposal, int stream, out ParameterLayout layout)
        {
            layout = new ParameterLayout(source.Terms, source.Parameterization, names, randomEffects: false, sigma: true);
            var output = new double[draws * layout.Count];
            var chain = new LinearChain(source.Products, McmcPrior.HalfStudentT, layout, fit.Theta.ToArray(), new RandomStream(5, stream), proposal);
            chain.Run(warmup, draws, output);
            if (proposal is not null) Assert.InRange(chain.Moves.Accepted / (double)chain.Moves.Proposed, minimumAcceptance, 1);
            return output;
        }
        var independence = Chain(laplace, 0, out var layout);
        var slice = Chain(null, 1, out _);
        for (int j = 0; j < layout.Count; j++)
        {
            var (meanA, sdA, errorA) = Moments(independence, layout.Count, j);
            var (meanB, sdB, errorB) = Moments(slice, layout.Count, j);
            double combined = Math.Sqrt(errorA * errorA + errorB * errorB);
            Assert.True(Math.Abs(meanA - meanB) < 4 * combined, $"{layout.Names[j]}: mean {meanA} against the slice sampler's {meanB} (error {combined})");
            Assert.True(Math.Abs(sdA / sdB - 1) < 0.15, $"{layout.Names[j]}: sd {sdA} against the slice sampler's {sdB}");
        }
    }

    private static ThetaLaplace? Find(Results.MixedModelFit fit)
    {
        var source = FittedMixedModel.Of(fit).Source;
        return ThetaLaplace.Find(new ThetaPosterior(source.Products, McmcPrior.HalfStudentT), source.Parameterization, fit.Theta.ToArray());
    }

    /// <summary>Mean, SD and the mean's Monte Carlo error (from the chain's bulk ESS) of parameter j.</summary>
    private static (double Mean, double Sd, double Error) Moments(double[] draws, int stride, int j)
    {
        var values = Enumerable.Range(0, draws.Length / stride).Select(d => draws[d * stride + j]).ToArray();
        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        var (_, bulk, _) = ConvergenceDiagnostics.Compute([values]);
        return (mean, sd, sd / Math.Sqrt(bulk));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
