using PolyakCore.Optimization;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Tests;

public sealed class SeriesColorsTests
{
    [Fact]
    public void Every_optimizer_has_its_own_colour()
    {
        var colors = OptimizerCatalog.Names.Select(SeriesColors.Optimizer).ToArray();
        Assert.DoesNotContain("#333333", colors);      // the fallback of an unknown name
        Assert.Equal(colors.Length, colors.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    // WCAG contrast of a line colour against the light (#ffffff surface, #f6f7fb background) and dark (MudBlazor's #373740
    // surface, #32333d background) themes: the fixes' colours were chosen to reach 3:1 on all four.
    [Theory]
    [InlineData("decsps")]
    [InlineData("adasps")]
    [InlineData("sgd-momentum")]
    [InlineData("momo")]
    [InlineData("momo-star")]
    [InlineData("momo-adam")]
    public void The_fixes_colours_read_at_3_to_1_on_both_themes(string optimizer)
    {
        foreach (var background in new[] { "#ffffff", "#f6f7fb", "#373740", "#32333d" })
        {
            double ratio = Contrast(SeriesColors.Optimizer(optimizer), background);
            Assert.True(ratio >= 3.0, $"{optimizer} {SeriesColors.Optimizer(optimizer)} on {background}: {ratio:F2}:1");
        }
    }

    private static double Contrast(string a, string b)
    {
        static double Luminance(string hex)
        {
            double Channel(int i)
            {
                double c = Convert.ToInt32(hex.Substring(1 + 2 * i, 2), 16) / 255.0;
                return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
            }
            return 0.2126 * Channel(0) + 0.7152 * Channel(1) + 0.0722 * Channel(2);
        }
        var (x, y) = (Luminance(a), Luminance(b));
        return (Math.Max(x, y) + 0.05) / (Math.Min(x, y) + 0.05);
    }

    [Fact]
    public void The_escape_maps_well_colours_are_used_by_no_optimizer_and_differ_from_each_other()
    {
        Assert.Empty(SeriesColors.WellColors.Intersect(SeriesColors.OptimizerColors, StringComparer.OrdinalIgnoreCase));
        Assert.Equal(SeriesColors.WellColors.Count, SeriesColors.WellColors.Distinct().Count());
    }

    [Fact]
    public void A_run_keeps_its_optimizers_hue_in_any_group_and_a_repeated_optimizer_gets_shades_of_it()
    {
        Assert.Equal(SeriesColors.Optimizer(OptimizerCatalog.Sgd), SeriesColors.InGroup([OptimizerCatalog.PolyakSgd, OptimizerCatalog.Sgd], 1));
        Assert.Equal(SeriesColors.Optimizer(OptimizerCatalog.Sgd), SeriesColors.InGroup([OptimizerCatalog.Sgd, OptimizerCatalog.PolyakSgd], 0));
        string[] group = [OptimizerCatalog.Sgd, OptimizerCatalog.Sgd, OptimizerCatalog.Sgd, OptimizerCatalog.Adam];
        var colors = group.Select((_, i) => SeriesColors.InGroup(group, i)).ToList();
        Assert.Equal(SeriesColors.Optimizer(OptimizerCatalog.Sgd), colors[0]);
        Assert.Equal(SeriesColors.Optimizer(OptimizerCatalog.Adam), colors[3]);
        Assert.Equal(4, colors.Distinct().Count());
        Assert.Equal("#000000", SeriesColors.Shade("#000000", 1));    // darker of black is black
        Assert.Equal("#ffffff", SeriesColors.Shade("#ffffff", 2));
    }
}
