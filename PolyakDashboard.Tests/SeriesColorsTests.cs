using PolyakCore.Optimization;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Tests;

public sealed class SeriesColorsTests
{
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
