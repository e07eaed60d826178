using Microsoft.Playwright;
using PolyakCore.Text;
using Xunit.Abstractions;

namespace PolyakDashboard.BrowserTests;

/// <summary>The checkpoints shipped with the app (PolyakDashboard/checkpoints), as a fresh clone's playground shows them:
/// the report's sample block side by side, and text that reads like the corpus (constant SGD's is phrase-shaped but
/// misspelt, as in the report's block: the test prints how many phrases each sample holds).</summary>
public sealed class ShippedCheckpointsTests(ITestOutputHelper output)
{
    private const int Samples = 4;

    [Fact]
    public async Task The_playground_opens_on_the_shipped_SGD_Polyak_and_Adam_in_the_reports_order_and_Adam_and_Polyak_speak_in_corpus_phrases()
    {
        await using var host = await ProbeHost.StartAsync(maxConcurrentRuns: null, viewportHeight: 768);
        var page = await host.Browser.NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "playground");
        await DashboardFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=checkpoint-info]")).ToHaveCountAsync(3);
        var samples = page.Locator("input[data-testid=samples]");
        await samples.FillAsync(Samples.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await samples.PressAsync("Tab");
        await page.Locator("[data-testid=generate]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=output]")).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });

        var columns = page.Locator("[data-testid=output-column]");
        Assert.Equal(["sgd", "polyak-sgd", "adam"], await columns.EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.optimizer)"));   // the report's block order
        var phrasesIn = new Dictionary<string, int[]>();
        foreach (var optimizer in new[] { "sgd", "polyak-sgd", "adam" })
        {
            var texts = await page.Locator($"[data-testid=output-column][data-optimizer='{optimizer}'] [data-testid=sample-text]").AllInnerTextsAsync();
            Assert.Equal(Samples, texts.Count);
            phrasesIn[optimizer] = [.. texts.Select(t => ChildSpeechCorpus.Phrases.Count(p => t.Contains(p, StringComparison.Ordinal)))];
            output.WriteLine($"{optimizer}: corpus phrases per sample {string.Join(", ", phrasesIn[optimizer])}; first sample: {texts[0].ReplaceLineEndings(" / ")}");
        }
        Assert.All(phrasesIn["adam"], n => Assert.True(n >= 1, "an Adam sample without a single corpus phrase"));
        Assert.All(phrasesIn["polyak-sgd"], n => Assert.True(n >= 1, "a Polyak SGD sample without a single corpus phrase"));
    }
}
