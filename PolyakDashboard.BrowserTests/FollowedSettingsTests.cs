using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakCore.Experiments;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>A student following the lecture sees the settings of the run on their screen, not the page's defaults.</summary>
[Collection(KeyedDashboardCollection.Name)]
public sealed class FollowedSettingsTests(KeyedDashboardFixture app)
{
    [Fact]
    public async Task A_following_viewer_sees_the_settings_of_the_presenters_launch_read_only_and_whose_run_it_is()
    {
        var presence = app.Services.GetRequiredService<PresenterPresence>();
        var runs = app.Services.GetRequiredService<RunService>();
        presence.Show("/1b");
        var page = await app.OpenAsync("1b");
        StartResult? started = null;
        try
        {

            // The presenter sets Epochs 20 and f* 1 and presses Run.
            started = runs.StartExperiment("1b", new ExperimentOverrides { Epochs = 20, FStar = 1, Eps = 1e-8, C = 1 });
            Assert.True(started.Started);
            presence.Show("/1b", started.Runs[0].LaunchId);

            var summary = page.Locator("[data-testid=settings-summary]");
            await Assertions.Expect(summary).ToContainTextAsync("20 epochs", new() { Timeout = 10_000 });
            await Assertions.Expect(summary).ToContainTextAsync("f* 1 ");
            await Assertions.Expect(page.Locator("[data-testid=launch-owner]")).ToContainTextAsync("The presenter's run");

            // Unfolded, the form holds the launch's values and cannot be edited.
            await summary.ClickAsync();
            var epochs = page.Locator("input[data-testid=epochs]");
            await Assertions.Expect(epochs).ToHaveValueAsync("20", new() { Timeout = 5_000 });
            await Assertions.Expect(epochs).ToHaveAttributeAsync("readonly", new System.Text.RegularExpressions.Regex(".*"));
            await Assertions.Expect(page.GetByLabel("Polyak f*")).ToHaveValueAsync("1");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "viewer-1b-followed-settings.png") });
        }
        finally
        {
            if (started is { Started: true }) runs.CancelLaunch(started.Runs[0].LaunchId);
            await page.CloseAsync();
        }
    }
}
