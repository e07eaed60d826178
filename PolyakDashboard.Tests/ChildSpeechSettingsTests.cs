using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Components.ChildSpeech;

namespace PolyakDashboard.Tests;

public class ChildSpeechSettingsTests
{
    private static readonly string Measurements = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard",
        ChildSpeechLessonService.ReproductionPath));

    [Fact]
    public void Adams_beta2_travels_to_the_request_and_back_to_a_followers_form()
    {
        var settings = new ChildSpeechSettings { AdamBeta2 = 0.9999 };
        var requests = settings.ToRequests();
        Assert.Equal(0.9999, requests.Single(r => r.Optimizer == OptimizerCatalog.Adam).OptimizerOptions.Beta2);
        Assert.Null(requests.Single(r => r.Optimizer == OptimizerCatalog.Sgd).OptimizerOptions.Beta2);
        Assert.Equal(0.9999, ChildSpeechSettings.FromLaunch(requests).AdamBeta2);
        Assert.Contains("Adam lr 0.003, β₂ 0.9999", settings.Summary());
        Assert.Null(ChildSpeechSettings.FromLaunch(new ChildSpeechSettings().ToRequests()).AdamBeta2);
    }
}
