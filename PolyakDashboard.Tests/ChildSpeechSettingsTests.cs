using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Components.ChildSpeech;

namespace PolyakDashboard.Tests;

public class ChildSpeechSettingsTests
{
    private static readonly string Measurements = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard",
        ChildSpeechLessonService.ReproductionPath));

    /// <summary>The page's "The report's settings" button launches what the shipped reproduction runs ran, optimizer by
    /// optimizer (settings compared as the optimizers resolve them, so an explicit default equals a left-out one).</summary>
    [Fact]
    public void The_report_settings_are_what_the_shipped_reproduction_ran()
    {
        var runs = Directory.EnumerateDirectories(Measurements).Select(RunFolderContent.Read).ToList();
        Assert.Equal(["adam", "polyak-sgd", "sgd"], runs.Select(r => r.Summary.Request.Optimizer).Order());
        var settings = ChildSpeechSettings.ReportSettings();
        settings.Optimizers = [.. runs.Select(r => r.Summary.Request.Optimizer)];
        var requests = settings.ToRequests().ToDictionary(r => r.Optimizer);
        foreach (var measured in runs.Select(r => r.Summary.Request))
        {
            var ours = requests[measured.Optimizer];
            Assert.Equal((measured.BatchSize, measured.Epochs, measured.Seed), (ours.BatchSize, ours.Epochs, ours.Seed));
            var (a, b) = (measured.ProblemOptions.Text!, ours.ProblemOptions.Text!);
            Assert.Equal((a.Preset, a.Corpus, a.Dropout, a.EvalBatches, a.NEmbd, a.Block), (b.Preset, b.Corpus, b.Dropout, b.EvalBatches, b.NEmbd, b.Block));
            Assert.Equal(measured.ProblemOptions.DataSeed, ours.ProblemOptions.DataSeed);
            var (m, o) = (measured.OptimizerOptions, ours.OptimizerOptions);
            if (OptimizerCatalog.UsesPolyak(measured.Optimizer))
                Assert.Equal(OptimizerCatalog.PolyakSettingsFor(measured.Optimizer, m), OptimizerCatalog.PolyakSettingsFor(ours.Optimizer, o));
            else
                Assert.Equal((m.Lr, m.Beta1 ?? 0.9, m.Beta2 ?? 0.999), (o.Lr, o.Beta1 ?? 0.9, o.Beta2 ?? 0.999));
        }
    }

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
