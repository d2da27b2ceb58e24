using SparseLmm.Results;

namespace SparseLmm.Tests.Reporting;

/// <summary>A result cannot be changed through the lists it hands out, nor through the arrays it was built from.</summary>
public class ImmutableResultTests
{
    [Fact]
    public void The_lists_of_a_fit_are_not_arrays_or_lists_a_caller_can_write_to()
    {
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", "sleepstudy");
        foreach (var list in new object[] { fit.Theta, fit.Response, fit.Fitted, fit.Residuals, fit.FixedEffects,
                     fit.FixedEffectsCovariance, fit.FixedEffectsCovariance[0], fit.RandomEffects["Subject"].Levels,
                     fit.RandomEffects["Subject"].Values[0], fit.VarianceComponents[0].Correlations[1] })
        {
            Assert.False(list is Array, list.GetType().Name);
            Assert.False(list is System.Collections.IList { IsReadOnly: false }, list.GetType().Name);
        }
        Assert.False(fit.RandomEffects is System.Collections.IDictionary { IsReadOnly: false });
    }

    [Fact]
    public void Writing_to_the_array_a_record_was_built_from_does_not_change_it()
    {
        double[] sds = [1, 2];
        var component = new VarianceComponent("g", ["(Intercept)", "x"], sds, [[1.0, 0.5], [0.5, 1.0]]);
        sds[0] = 99;
        Assert.Equal(1, component.StandardDeviations[0]);
        var copy = component with { StandardDeviations = sds };
        sds[1] = 99;
        Assert.Equal(2, copy.StandardDeviations.Count);
        Assert.Equal(99, copy.StandardDeviations[0]);
        Assert.Equal(99, sds[1]);
        Assert.NotEqual(99, copy.StandardDeviations[1]);
    }
}
