using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace PolyakDashboard.BrowserTests;

/// <summary>
/// Issue 14's load case, on every test run: two child-speech trainings at once (the 1d page's "Train and compare",
/// Runs:MaxConcurrentRuns = 2), a generation streaming in the playground, and 10 viewers on the 1d page; the presenter's
/// clicks on the 1d page (the Epochs field's up arrow: a round trip through the server that re-renders the field) must
/// answer in under 200 ms in the median, timed in the page from the pointer event to the first frame showing the new
/// value. The viewers are real pages with their own circuits and live charts, in a small window (their charts lie
/// out of view and do not redraw), so that what is measured is the server, not ten renderers on the same two cores.
/// </summary>
public sealed class ChildSpeechResponsivenessProbe(ITestOutputHelper output)
{
    private const int Viewers = 10, Clicks = 25;
    private const double MaxMedianMs = 200;

    [Fact]
    public async Task With_two_1d_trainings_a_generation_and_10_viewers_the_presenters_clicks_answer_within_200_ms()
    {
        await using var host = await ProbeHost.StartAsync(maxConcurrentRuns: 2, viewportHeight: 768);
        var presenter = await host.Browser.NewPageAsync();
        await presenter.GotoAsync(host.BaseUrl + "1d");
        await DashboardFixture.WaitForInteractiveAsync(presenter);
        await presenter.Locator("[data-testid=run]").ClickAsync();   // sgd, adam, polyak-sgd on tiny: two train at once, one queued
        await presenter.WaitForFunctionAsync("() => /2 running/.test(document.querySelector('[data-testid=status]')?.innerText ?? '')",
            null, new() { Timeout = 60_000 });

        var viewers = new List<IPage>();
        for (int i = 0; i < Viewers; i++)
        {
            var viewer = await host.Browser.NewPageAsync();
            await viewer.SetViewportSizeAsync(480, 320);
            await viewer.GotoAsync(host.BaseUrl + "1d");
            viewers.Add(viewer);
        }
        foreach (var viewer in viewers) await DashboardFixture.WaitForInteractiveAsync(viewer);

        var playground = await host.Browser.NewPageAsync();
        await playground.GotoAsync(host.BaseUrl + "playground");
        await DashboardFixture.WaitForInteractiveAsync(playground);
        await playground.Locator("input[data-testid=max-new]").FillAsync("2000");
        await playground.Locator("input[data-testid=samples]").FillAsync("4");
        await playground.Locator("[data-testid=generate]").ClickAsync();
        await playground.WaitForFunctionAsync("() => document.querySelector('[data-testid=output]')?.dataset.state === 'running'",
            null, new() { Timeout = 30_000 });

        await presenter.BringToFrontAsync();
        await presenter.Locator(".mud-expand-panel-header").First.ClickAsync();   // Run folded the settings away
        await Assertions.Expect(presenter.Locator("input[data-testid=epochs]")).ToBeVisibleAsync();
        await presenter.EvaluateAsync(ClickTimer);
        var up = presenter.Locator("input[data-testid=epochs]").Locator("xpath=ancestor::div[contains(@class,'mud-input-control')][1]")
            .Locator(".mud-input-numeric-spin button").First;
        for (int i = 0; i < Clicks;)
        {
            // Measured before every click, once it has stopped moving: the panel unfolds with an animation and the page
            // scrolls as it does, so a box measured once can be stale for every click (CI saw 25 of 25 land beside the
            // arrow; here a box taken mid-unfold was 58 px above where the arrow came to rest).
            var box = await StableBoxAsync(presenter, up);
            int[] before = await presenter.EvaluateAsync<int[]>("() => [window.__clicks.times.length, window.__clicks.missed.length]");
            await presenter.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
            await presenter.WaitForFunctionAsync("([n, m]) => window.__clicks.times.length > n || window.__clicks.missed.length > m",
                before, new() { Timeout = 10_000 });
            if (await presenter.EvaluateAsync<int>("() => window.__clicks.missed.length") > before[1])
            {
                var landed = await presenter.EvaluateAsync<string[]>("() => window.__clicks.missed");
                Assert.True(landed.Length <= 5, "clicks aimed at Epochs' up arrow landed elsewhere: " + string.Join("; ", landed));
                continue;   // repeated
            }
            i++;
            await presenter.WaitForTimeoutAsync(300);
        }
        var times = (await presenter.EvaluateAsync<double[]>("() => window.__clicks.times")).Order().ToArray();
        var missed = await presenter.EvaluateAsync<string[]>("() => window.__clicks.missed");
        var stuck = await presenter.EvaluateAsync<string[]>("() => window.__clicks.stuck");
        string generating = await playground.Locator("[data-testid=output]").GetAttributeAsync("data-state") ?? "?";
        string status = await presenter.Locator("[data-testid=status]").InnerTextAsync();
        var runs = JsonDocument.Parse(await presenter.EvaluateAsync<string>("async () => await (await fetch('api/runs')).text()")).RootElement;
        int running = runs.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "running");
        await presenter.Locator("[data-testid=stop]").ClickAsync();

        double median = times[times.Length / 2], p95 = times[(int)Math.Ceiling(0.95 * times.Length) - 1];
        string report = $"1d: {running} trainings running at the end ({status}); generation {generating}; {Viewers} viewers; " +
            $"{times.Length} clicks on Epochs' up arrow → value on screen: median {median:F0} ms, p95 {p95:F0}, max {times[^1]:F0} ms" +
            (missed.Length > 0 ? $" ({missed.Length} clicks landed beside the arrow and were repeated: {string.Join("; ", missed)})" : "") +
            (stuck.Length > 0 ? $"; {stuck.Length} clicks unanswered after 8 s, the field then: {string.Join("; ", stuck.Distinct())}" : "");
        output.WriteLine(report);
        Assert.Equal(2, running);                                      // the load was there for the whole measurement
        Assert.Equal(Clicks, times.Length);
        Assert.True(median < MaxMedianMs, report);
    }

    /// <summary>Scrolls the arrow into view and returns its box once two measurements 100 ms apart agree.</summary>
    private static async Task<LocatorBoundingBoxResult> StableBoxAsync(IPage page, ILocator target)
    {
        LocatorBoundingBoxResult? last = null;
        for (int tries = 0; tries < 50; tries++)
        {
            await target.ScrollIntoViewIfNeededAsync();
            var box = await target.BoundingBoxAsync() ?? throw new InvalidOperationException("no up arrow on the Epochs field");
            if (last is not null && box.X == last.X && box.Y == last.Y && box.Width == last.Width && box.Height == last.Height) return box;
            last = box;
            await page.WaitForTimeoutAsync(100);
        }
        throw new InvalidOperationException("the Epochs field's up arrow kept moving for 5 s");
    }

    /// <summary>From each pointerdown on the Epochs field's arrows (its event time) to the first animation frame in which
    /// the field shows another value; a pointerdown anywhere else is recorded as missed, with what it hit.</summary>
    private const string ClickTimer = """
        () => {
          const c = window.__clicks = { times: [], missed: [], stuck: [] };
          document.addEventListener('pointerdown', e => {
            const input = document.querySelector('input[data-testid=epochs]');
            const spin = input?.closest('.mud-input-control')?.querySelector('.mud-input-numeric-spin');
            if (!spin || !spin.contains(e.target)) {
              const t = e.target;
              c.missed.push(`${t.tagName.toLowerCase()}.${[...t.classList].join('.')} at (${e.clientX}, ${e.clientY}), scrollY ${Math.round(scrollY)}`);
              return;
            }
            const before = input.value, t = e.timeStamp;
            const poll = () => {
              // the field on screen now: a re-render may have replaced the element the click went to
              const shown = document.querySelector('input[data-testid=epochs]');
              if (shown && shown.value !== before) c.times.push(performance.now() - t);
              else if (performance.now() - t > 8000) {
                const reconnect = document.querySelector('#components-reconnect-modal');
                c.stuck.push(`value ${before} (readOnly ${input.readOnly}, disabled ${input.disabled}, clicked element still in the page ${input.isConnected}, ` +
                  `page ${document.visibilityState}, reconnect UI ${reconnect?.checkVisibility() ? 'visible' : 'not visible'})`);
                c.times.push(Infinity);
              }
              else requestAnimationFrame(poll);
            };
            requestAnimationFrame(poll);
          }, true);
        }
        """;
}
