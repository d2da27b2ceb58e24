using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SparseLmm.Data;

namespace SparseLmm.Tests.Engine;

/// <summary>Fits do not depend on where a column's values sit or on their units: the engine centres and scales X and y
/// internally (issue 10, items 1 and 15).</summary>
public class CentringTests
{
    private static readonly DataTable Sleepstudy = EmbeddedDatasets.Load("sleepstudy");

    [Theory]
    [InlineData("Reaction")]
    [InlineData("I(Reaction + 1e7)")]
    [InlineData("I(Reaction + 1e9)")]
    [InlineData("I(Reaction + 1e10)")]
    [InlineData("I(Reaction - 3e11)")]
    public void LargeMeanSmallSpreadKeepsItsDigits(string response)
    {
        var fit = MixedModel.Fit($"{response} ~ 1 + Days + (1 + Days | Subject)", Sleepstudy);
        // lme4 1.1-31 on sleepstudy: σ 25.59182, REML criterion 1743.628, θ (0.96673, 0.01517, 0.23091).
        Assert.Equal(25.59182, fit.Sigma!.Value, 1e-4);
        Assert.Equal(1743.628, -2 * fit.LogLikelihood, 1e-3);
        Assert.Equal(0.96673, fit.Theta[0], 1e-4);
        Assert.Equal(0.01517, fit.Theta[1], 1e-4);
        Assert.Equal(0.23091, fit.Theta[2], 1e-4);
        Assert.Equal(10.46729, fit.FixedEffects[1].Estimate, 1e-4);
        Assert.Equal(1.545789, fit.FixedEffects[1].StandardError, 1e-5);
    }

    [Property(MaxTest = 25)]
    public Property ShiftingAndRescalingACovariateMapsExactly() => Prop.ForAll(
        Gen.Choose(-6, 6).ToArbitrary(), Gen.Choose(-6, 6).ToArbitrary(), (shiftPower, scalePower) =>
        {
            // Shifts up to 10⁶ spreads: further out, the column is numerically the intercept and dropped as aliased
            // (by R's QR tolerance, as lme4 does).
            double scale = Math.Pow(10, scalePower) * 1.7;
            double shift = Math.Sign(shiftPower) * Math.Pow(10, Math.Abs(shiftPower)) * scale;
            // ML: the REML criterion itself changes with the units of X (by log|det| of the change), as in lme4.
            var ml = new FitOptions(Reml: false);
            var reference = MixedModel.Fit("Reaction ~ 1 + Days + (1 | Subject)", Sleepstudy, ml);
            var moved = MixedModel.Fit($"Reaction ~ 1 + I(Days * {scale:R} + {shift:R}) + (1 | Subject)", Sleepstudy, ml);
            Assert.Equal(reference.LogLikelihood, moved.LogLikelihood, 1e-6 * Math.Abs(reference.LogLikelihood));
            Assert.Equal(reference.Sigma!.Value, moved.Sigma!.Value, 1e-7 * reference.Sigma.Value);
            Assert.Equal(reference.Theta[0], moved.Theta[0], 1e-5);
            double slope = reference.FixedEffects[1].Estimate / scale, slopeSe = reference.FixedEffects[1].StandardError / scale;
            Assert.Equal(slope, moved.FixedEffects[1].Estimate, 1e-7 * Math.Abs(slope));
            Assert.Equal(slopeSe, moved.FixedEffects[1].StandardError, 1e-6 * slopeSe);
            return true;
        });

    [Theory]
    [InlineData("I(Reaction * 1e-200) ~ 1 + Days + (1 | Subject)", "response 'I(Reaction * 1e-200)'")]
    [InlineData("Reaction ~ 1 + I(Days * 1e154) + (1 | Subject)", "fixed-effect column 'I(Days * 1e+154)'")]
    [InlineData("Reaction ~ 1 + exp(Days * 50) + (1 | Subject)", "fixed-effect column 'exp(Days * 50)'")]
    public void ScalesBeyondDoublePrecisionAreRefusedByName(string formula, string named)
    {
        var error = Assert.Throws<InputException>(() => MixedModel.Fit(formula, Sleepstudy));
        Assert.Contains(named, error.Message);
        Assert.Contains("rescale", error.Message);
    }

    [Fact]
    public void ColumnAliasedOnlyByItsLocationGetsAHint()
    {
        // As lme4, the column is dropped (its spread is 10⁻⁹ of its size, below R's QR tolerance); unlike lme4, the note
        // says why and how to keep it. A truly aliased column gets no such hint.
        var shifted = MixedModel.Fit("Reaction ~ 1 + I(Days + 1e9) + (1 | Subject)", Sleepstudy);
        Assert.Contains("I(Days + 1e+09)", shifted.AliasedFixedEffects);
        Assert.Contains(shifted.Notes, note => note.Contains("dropped only because the values are large beside their spread"));
        var doubled = MixedModel.Fit("Reaction ~ 1 + Days + I(2 * Days) + (1 | Subject)", Sleepstudy);
        Assert.Single(doubled.AliasedFixedEffects);
        Assert.DoesNotContain(doubled.Notes, note => note.Contains("dropped only because"));
    }
}
