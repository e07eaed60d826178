using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Components.ChildSpeech;

namespace PolyakDashboard.Tests;

public class ChildSpeechSettingsTests
{
    private static readonly string Measurements = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard",
        ChildSpeechLessonService.ReproductionPath));

    /// <summary>The page's default ("The report's settings") launches what the shipped reproduction runs ran, optimizer by
    /// optimizer, seed 0 being the page's seed (settings compared as the optimizers resolve them, so an explicit default
    /// equals a left-out one).</summary>
    [Fact]
    public void The_report_settings_are_what_the_shipped_reproduction_ran()
    {
        var runs = Directory.EnumerateDirectories(Measurements).Select(RunFolderContent.Read).ToList();
        // The page's seed has all three; other seeds may have some (each costs about an hour of two cores).
        var pageSeed = runs.Where(r => r.Summary.Request.Seed == new ChildSpeechSettings().Seed);
        Assert.Equal(["adam", "polyak-sgd", "sgd"], pageSeed.Select(r => r.Summary.Request.Optimizer).Order());
        Assert.All(runs.GroupBy(r => (r.Summary.Request.Seed, r.Summary.Request.Optimizer)), g => Assert.Single(g));
        var settings = new ChildSpeechSettings();
        settings.Optimizers = [.. runs.Select(r => r.Summary.Request.Optimizer)];
        var requests = settings.ToRequests().ToDictionary(r => r.Optimizer);
        foreach (var measured in runs.Select(r => r.Summary.Request))
        {
            var ours = requests[measured.Optimizer];
            Assert.Equal((measured.BatchSize, measured.Epochs), (ours.BatchSize, ours.Epochs));
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

    /// <summary>The shipped short Polyak SGD runs: each folder's config beside it is what it ran, at the report's rule (f* = 0,
    /// no cap) on the built-in corpus and the reproduction's data seed — only model, batch, dropout and seed vary.</summary>
    [Fact]
    public void The_short_polyak_runs_ran_their_shipped_configs_at_the_reports_rule()
    {
        string folder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard", ChildSpeechLessonService.FirstPhasePath));
        var folders = Directory.EnumerateDirectories(folder).ToList();
        Assert.NotEmpty(folders);
        foreach (var run in folders)
        {
            var measured = RunFolderContent.Read(run).Summary.Request;
            var config = System.Text.Json.JsonSerializer.Deserialize<PolyakCore.Training.RunRequest>(File.ReadAllText(run + ".json"), PolyakCore.Shared.PolyakJson.Options)!;
            Assert.Equal((config.Optimizer, config.BatchSize, config.Epochs, config.Seed), (measured.Optimizer, measured.BatchSize, measured.Epochs, measured.Seed));
            var (a, b) = (config.ProblemOptions.Text!, measured.ProblemOptions.Text!);
            Assert.Equal((a.Preset, a.Corpus, a.Dropout, a.EvalBatches), (b.Preset, b.Corpus, b.Dropout, b.EvalBatches));
            Assert.Equal((OptimizerCatalog.PolyakSgd, "child-speech", 0, "child-speech"), (measured.Optimizer, measured.Problem, measured.ProblemOptions.DataSeed, b.Corpus));
            var polyak = OptimizerCatalog.PolyakSettingsFor(measured.Optimizer, measured.OptimizerOptions);
            Assert.Equal((0.0, (double?)null), (polyak.FStar, polyak.MaxStep));
        }
    }

    [Fact]
    public void Adams_beta2_travels_to_the_request_and_back_to_a_followers_form()
    {
        var settings = ChildSpeechSettings.QuickLook();
        settings.AdamBeta2 = 0.9999;
        var requests = settings.ToRequests();
        Assert.Equal(0.9999, requests.Single(r => r.Optimizer == OptimizerCatalog.Adam).OptimizerOptions.Beta2);
        Assert.Null(requests.Single(r => r.Optimizer == OptimizerCatalog.Sgd).OptimizerOptions.Beta2);
        Assert.Equal(0.9999, ChildSpeechSettings.FromLaunch(requests).AdamBeta2);
        Assert.Contains("Adam lr 0.003, β₂ 0.9999", settings.Summary());
        Assert.Null(ChildSpeechSettings.FromLaunch(ChildSpeechSettings.QuickLook().ToRequests()).AdamBeta2);
    }

    /// <summary>A quick look is the short run the page had before the report's settings became its default: 10 epochs at
    /// batch 32 without dropout, at the rates the 10-epoch grids chose; it survives a follower's round trip.</summary>
    [Fact]
    public void A_quick_look_is_ten_epochs_at_batch_32_and_a_follower_sees_it()
    {
        var requests = ChildSpeechSettings.QuickLook().ToRequests();
        Assert.All(requests, r => Assert.Equal((10, 32, (double?)null), (r.Epochs, r.BatchSize, r.ProblemOptions.Text!.Dropout)));
        Assert.Equal(0.1, requests.Single(r => r.Optimizer == OptimizerCatalog.Sgd).OptimizerOptions.Lr);
        Assert.Equal(0.003, requests.Single(r => r.Optimizer == OptimizerCatalog.Adam).OptimizerOptions.Lr);
        var followed = ChildSpeechSettings.FromLaunch(requests);
        Assert.Equal(ChildSpeechSettings.QuickLook().Summary(), followed.Summary());
        Assert.Equal("tiny · child-speech · 100 epochs · batch 16 · seed 0 · sgd, adam, polyak-sgd · SGD lr 0.01 · Adam lr 0.001, β₂ 0.9999 · dropout 0.2",
            new ChildSpeechSettings().Summary());
    }

    /// <summary>The 1d experiment (CLI <c>experiment 1d</c>, <c>POST /api/experiments/1d/runs</c>) runs what the page's
    /// defaults run.</summary>
    [Fact]
    public void The_1d_experiment_runs_the_pages_defaults()
    {
        var experiment = PolyakCore.Experiments.ExperimentCatalog.Get("1d").Runs.ToDictionary(r => r.Optimizer);
        var page = new ChildSpeechSettings().ToRequests();
        Assert.Equal(page.Select(r => r.Optimizer).Order(), experiment.Keys.Order());
        foreach (var ours in page)
        {
            var theirs = experiment[ours.Optimizer];
            Assert.Equal((ours.BatchSize, ours.Epochs, ours.Seed), (theirs.BatchSize, theirs.Epochs, theirs.Seed));
            var (a, b) = (ours.ProblemOptions.Text!, theirs.ProblemOptions.Text!);
            Assert.Equal((a.Preset, a.Dropout), (b.Preset, b.Dropout));
            Assert.Equal((ours.OptimizerOptions.Lr, ours.OptimizerOptions.Beta2), (theirs.OptimizerOptions.Lr, theirs.OptimizerOptions.Beta2));
        }
    }
}
