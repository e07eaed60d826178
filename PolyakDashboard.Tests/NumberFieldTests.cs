using Bunit;
using PolyakDashboard.Components.Shared;

namespace PolyakDashboard.Tests;

/// <summary>The shared number field keeps what was typed and reports NaN for anything that is not a finite number,
/// where MudNumericField&lt;double&gt; clamped "NaN" to double.MinValue and "1e999" to double.MaxValue.</summary>
public class NumberFieldTests
{
    [Theory]
    [InlineData("0.05", 0.05, null)]
    [InlineData(" -2.5e-3 ", -0.0025, null)]
    [InlineData("NaN", double.NaN, "Learning rate: not a number (NaN).")]
    [InlineData("abc", double.NaN, "Learning rate: not a number (abc).")]
    [InlineData("1e999", double.NaN, "Learning rate: not a number (1e999).")]
    [InlineData("-Infinity", double.NaN, "Learning rate: not a number (-Infinity).")]
    [InlineData("", double.NaN, "Learning rate: enter a number.")]
    public void Parse_gives_the_value_or_NaN_and_a_message_naming_the_field(string text, double value, string? error)
    {
        var (parsed, message) = NumberField<double>.Parse(text, "Learning rate");
        Assert.Equal(value, parsed);
        Assert.Equal(error, message);
    }

    [Fact]
    public void An_empty_optional_field_is_null_and_valid() =>
        Assert.Equal((null, null), NumberField<double?>.Parse(" ", "Polyak cap"));

    [Fact]
    public async Task Typing_NaN_shows_the_text_and_a_message_and_reports_NaN_never_MinValue()
    {
        await using var ctx = ComponentTests.NewContext();
        var reported = new List<double>();
        var cut = ctx.Render<NumberField<double>>(p => p
            .Add(f => f.Value, 0.8).Add(f => f.Label, "Temperature")
            .Add(f => f.ValueChanged, (double v) => reported.Add(v)));
        cut.Find("input").Input("NaN");
        Assert.True(double.IsNaN(Assert.Single(reported)));
        Assert.Equal("NaN", cut.Find("input").GetAttribute("value"));
        Assert.Contains("Temperature: not a number (NaN).", cut.Markup);
        Assert.DoesNotContain("1.79", cut.Markup);

        // The page hands NaN back: the text and the message stay.
        cut.Render(p => p.Add(f => f.Value, double.NaN));
        Assert.Equal("NaN", cut.Find("input").GetAttribute("value"));
        Assert.Contains("Temperature: not a number (NaN).", cut.Markup);

        // A value from outside (Defaults) replaces both.
        cut.Render(p => p.Add(f => f.Value, 0.8));
        Assert.Equal("0.8", cut.Find("input").GetAttribute("value"));
        Assert.DoesNotContain("not a number", cut.Markup);
    }
}
