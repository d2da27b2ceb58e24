using SparseLmm.Data;
using SparseLmm.Plotting;
using static SparseLmm.Tests.Plotting.PlottingFixtures;

namespace SparseLmm.Tests.Plotting;

/// <summary>The numbers behind the figures: no-pooling estimates, row alignment, QQ positions, the smoother.</summary>
public class PlotComputationTests
{
    [Theory]
    [InlineData(new[] { 345.0, 346.0, 300.0 }, 10.0)]
    [InlineData(new[] { 1.0, 1.0, 1.0, 1.0 }, 0.5)]
    [InlineData(new[] { 0.0, 50.0, 100.0 }, 10.0)]
    public void Spread_labels_are_a_gap_apart_in_their_order_and_centred(double[] wanted, double gap)
    {
        var heights = PlotMath.Spread(wanted, gap);
        var order = Enumerable.Range(0, wanted.Length).OrderBy(i => wanted[i]).ToArray();
        for (int k = 1; k < order.Length; k++)
            Assert.True(heights[order[k]] - heights[order[k - 1]] >= gap - 1e-12, $"labels {order[k - 1]} and {order[k]} are closer than {gap}");
        Assert.Equal(wanted.Average(), heights.Average(), 9);
        // Labels already apart stay where they were wanted.
        if (order.Zip(order.Skip(1)).All(p => wanted[p.Second] - wanted[p.First] >= gap))
            Assert.Equal(wanted, heights);
    }

    [Fact]
    public void No_pooling_estimates_of_sleepstudy_are_the_per_subject_regressions()
    {
        // lme4: coef(lmList(Reaction ~ Days | Subject, sleepstudy))["308", ] = 244.1927, 21.7647.
        var m = Get("sleepstudy");
        var context = new PlotContext(m.Fit, ModelRows.Build(m.Fit, m.Data), PlotOptions.Default);
        var group = m.Fit.RandomEffects["Subject"];
        var estimates = ShrinkagePlot.Compute(context, context.Rows!, group).ToList();
        int s308 = group.Levels.ToList().IndexOf("308");
        Assert.Equal(["(Intercept)", "Days"], estimates.Select(e => e.Term));
        Assert.Equal(244.1927, estimates[0].Naive[s308], 3);
        Assert.Equal(21.7647, estimates[1].Naive[s308], 3);
        Assert.Equal(m.Fit.FixedEffects[1].Estimate + group["308", "Days"], estimates[1].Model[s308], 9);
        Assert.All(estimates[0].Sizes, n => Assert.Equal(10, n));
    }

    [Fact]
    public void No_pooling_estimate_of_a_crossed_factor_removes_the_other_factors_effects()
    {
        var m = Get("Penicillin");
        var context = new PlotContext(m.Fit, ModelRows.Build(m.Fit, m.Data), PlotOptions.Default);
        var plate = m.Fit.RandomEffects["plate"];
        var sample = m.Fit.RandomEffects["sample"];
        var estimate = ShrinkagePlot.Compute(context, context.Rows!, plate).Single();

        var diameter = ((NumericColumn)m.Data["diameter"]).Values;
        var plates = (CategoricalColumn)m.Data["plate"];
        var samples = (CategoricalColumn)m.Data["sample"];
        for (int p = 0; p < plate.Levels.Count; p++)
        {
            var rows = Enumerable.Range(0, diameter.Length).Where(i => plates.Levels[plates.Codes[i]] == plate.Levels[p]).ToList();
            double expected = rows.Average(i => diameter[i] - sample[samples.Levels[samples.Codes[i]], "(Intercept)"]);
            Assert.Equal(expected, estimate.Naive[p], 9);
        }
        Assert.Equal(m.Fit.FixedEffects[0].Estimate, estimate.Population, 12);
    }

    [Fact]
    public void Rows_with_missing_values_are_left_out_as_the_fit_leaves_them_out()
    {
        var baseTable = EmbeddedDatasets.Load("sleepstudy");
        var reaction = (NumericColumn)baseTable["Reaction"];
        var values = (double[])reaction.Values.Clone();
        var missing = new bool[values.Length];
        foreach (int i in new[] { 3, 50, 177 })
        {
            missing[i] = true;
            values[i] = double.NaN;
        }
        var table = baseTable.WithColumns([new NumericColumn("Reaction", values, missing)]);
        var fit = MixedModel.Fit(SleepstudyFormula, table);
        Assert.Equal(3, fit.DroppedRowCount);

        var rows = ModelRows.Build(fit, table);
        Assert.Equal(177, rows.Kept.Length);
        Assert.DoesNotContain(50, rows.Kept);
        using var plot = fit.Plot(PlotKind.Shrinkage, table);
        PngSize(plot.ToPng());
        using var slopes = fit.Plot(PlotKind.Slopes, table);
        PngSize(slopes.ToPng());
    }

    [Fact]
    public void Normal_scores_are_symmetric_and_follow_qqnorm()
    {
        var five = PlotMath.NormalScores(5);
        // R: qqnorm(1:5)$x = -1.1797611 -0.4972006 0.0000000 0.4972006 1.1797611
        Assert.Equal(-1.1797611, five[0], 6);
        Assert.Equal(-0.4972006, five[1], 6);
        Assert.Equal(0, five[2], 12);
        var many = PlotMath.NormalScores(20);
        // R: qqnorm(1:20)$x[1] = -1.959964 (positions (i - 1/2)/n above n = 10)
        Assert.Equal(-1.959964, many[0], 5);
        Assert.Equal(-many[0], many[^1], 12);
    }

    [Fact]
    public void Lowess_of_a_line_is_the_line()
    {
        var x = Enumerable.Range(0, 40).Select(i => (double)i).ToArray();
        var y = x.Select(v => 3 - 0.5 * v).ToArray();
        var (sx, sy) = PlotMath.Lowess(x, y);
        Assert.Equal(40, sx.Length);
        for (int i = 0; i < sx.Length; i++) Assert.Equal(3 - 0.5 * sx[i], sy[i], 9);

        var big = Enumerable.Range(0, 5000).Select(i => i / 100.0).ToArray();
        var (bx, by) = PlotMath.Lowess(big, big.Select(v => 2 * v).ToArray());
        Assert.True(bx.Length <= 200);
        for (int i = 0; i < bx.Length; i++) Assert.Equal(2 * bx[i], by[i], 6);
    }

    [Fact]
    public void Group_sizes_spread_widely_are_coloured_on_a_log_scale()
    {
        Assert.True(ShrinkagePlot.UsesLogScale(1, 9528));
        Assert.False(ShrinkagePlot.UsesLogScale(6, 24));
        Assert.False(ShrinkagePlot.UsesLogScale(10, 10));
    }

    [Fact]
    public void Least_squares_detects_rank_deficiency()
    {
        double[] one = [1, 1, 1], x = [2, 2, 2], y = [1, 2, 3];
        Assert.Null(PlotMath.LeastSquares([one, x], y, [0, 1, 2]));
        var fit = PlotMath.LeastSquares([one, new double[] { 0, 1, 2 }], y, [0, 1, 2])!;
        Assert.Equal(1, fit[0], 12);
        Assert.Equal(1, fit[1], 12);
    }

    [Theory]
    [InlineData(6, 24)]
    [InlineData(10, 13)]
    [InlineData(2, 19)]
    [InlineData(37, 1200)]
    public void Group_size_ticks_are_whole_numbers_from_the_smallest_to_the_largest(int min, int max)
    {
        var ticks = ShrinkagePlot.LinearTicks(min, max);
        Assert.Equal(min, ticks[0]);
        Assert.Equal(max, ticks[^1]);
        Assert.True(ticks.Zip(ticks.Skip(1)).All(pair => pair.Second > pair.First), string.Join(", ", ticks));
        Assert.InRange(ticks.Count, 2, 7);
    }

    [Fact]
    public void Faint_points_fade_with_their_number()
    {
        Assert.Equal(0.8, PlotStyle.PointAlpha(100));
        Assert.True(PlotStyle.PointAlpha(73_421) < 0.1);
        Assert.True(PlotStyle.PointAlpha(5_000) < PlotStyle.PointAlpha(1_000));
    }

    [Fact]
    public void Lines_say_what_they_hold_fixed_and_name_a_few_groups()
    {
        var data = ColumnConversions.ToCategorical(CsvReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "data", "mlmrev", "egsingle.csv")), "schoolid");
        var fit = MixedModel.Fit("math ~ year + lowinc + (year | schoolid)", data);
        using var plot = fit.Plot(PlotKind.Slopes, data);
        var lowinc = ((NumericColumn)data["lowinc"]).Values;
        // Every row is used, so the mean over the fit's rows is the column's mean.
        Assert.Contains($"lines at lowinc = {PlotMath.Format(lowinc.Average(), 3)} (its mean)", plot.Subtitle);
        Assert.Contains("each line over the x range its group was observed at", plot.Subtitle);
    }

    [Fact]
    public void Glmm_residuals_are_pearson_residuals()
    {
        var m = Get("cbpp");
        using var plot = m.Fit.Plot(PlotKind.Residuals, m.Data);
        Assert.Equal("Pearson residuals against fitted values", plot.Title);
    }
}
