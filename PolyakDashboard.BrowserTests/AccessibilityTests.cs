using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 20.6: every page passes axe-core without a serious or critical violation, in both themes.</summary>
[Collection(DashboardCollection.Name)]
public sealed class AccessibilityTests(DashboardFixture app)
{
    /// <summary>Every route of the Pages folder; the constraints page once per tab (2a, 2b, 2c).</summary>
    private static readonly (string Path, string? Tab)[] AllPages =
    [
        ("", null), ("1a", null), ("1b", null), ("1c", null), ("1d", null), ("1e", null), ("explorer", null),
        ("playground", null), ("runs", null), ("constraints", "2a"), ("constraints", "2b"), ("constraints", "2c"), ("not-found", null),
    ];

    public static TheoryData<string, string?, string> PagesAndThemes()
    {
        var data = new TheoryData<string, string?, string>();
        foreach (var theme in new[] { "light", "dark" })
            foreach (var (path, tab) in AllPages) data.Add(path, tab, theme);
        return data;
    }

    /// <summary>Every page once (the structure does not depend on the theme).</summary>
    public static TheoryData<string, string?> Pages()
    {
        var data = new TheoryData<string, string?>();
        foreach (var (path, tab) in AllPages) data.Add(path, tab);
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAndThemes))]
    public async Task No_serious_or_critical_axe_violations(string path, string? tab, string theme)
    {
        var page = await app.OpenInThemeAsync(path, theme);
        try
        {
            if (tab is not null) await page.GetByRole(AriaRole.Tab, new() { Name = tab, Exact = false }).ClickAsync();
            await SettleAsync(page, path);
            await AssertAxeCleanAsync(page, $"/{path}{(tab is null ? "" : " tab " + tab)} ({theme})");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    // Headings as a screen reader lists them (visible ones, by level) and the page's landmarks.
    private const string Outline = """
        () => {
            const shown = el => el.checkVisibility();
            const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')].filter(shown).map(h => ({
                level: h.hasAttribute('aria-level') ? Number(h.getAttribute('aria-level')) : Number(h.tagName.substring(1)) || 2,
                text: h.textContent.trim().slice(0, 40),
            }));
            const count = selector => [...document.querySelectorAll(selector)].filter(shown).length;
            const nav = [...document.querySelectorAll('nav, [role=navigation]')].filter(shown);
            return JSON.stringify({
                headings,
                main: count('main, [role=main]'),
                banner: count('header, [role=banner]'),
                navLinks: nav.reduce((n, el) => n + el.querySelectorAll('a[href]').length, 0),
                // The skip link comes before every landmark on purpose (as axe's region rule allows).
                outsideLandmarks: [...document.querySelectorAll('h1, h2, h3, button, a[href]:not(.skip-link), input')].filter(shown)
                    .filter(el => !el.closest('main, [role=main], header, [role=banner], nav, [role=navigation], [role=dialog], .mud-popover-provider'))
                    .map(el => el.outerHTML.slice(0, 80)),
            });
        }
        """;

    private sealed record Heading(int Level, string Text);
    private sealed record Structure(Heading[] Headings, int Main, int Banner, int NavLinks, string[] OutsideLandmarks);

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task One_h1_no_skipped_heading_level_and_main_banner_and_nav_landmarks(string path, string? tab)
    {
        var page = await app.OpenAsync(path);
        try
        {
            if (tab is not null) await page.GetByRole(AriaRole.Tab, new() { Name = tab, Exact = false }).ClickAsync();
            await SettleAsync(page, path);
            await AssertOutlineAsync(page, $"/{path}{(tab is null ? "" : " tab " + tab)}");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>No serious or critical axe-core violation on the page as it is now; the failure lists each (rule, targets).</summary>
    private static async Task AssertAxeCleanAsync(IPage page, string where)
    {
        // Colours mid-transition are no state anyone reads (a Run button caught fading from disabled grey to indigo
        // measured 1.4:1): wait until no CSS transition runs.
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== 'running')",
            null, new() { Timeout = 10_000, PollingInterval = 50 });
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToArray();
        Assert.True(serious.Length == 0, $"{where}:\n" + string.Join("\n", serious.Select(Describe)));
    }

    /// <summary>One h1, first; no heading level skipped; one main, one banner; the drawer's links in a nav; no control
    /// outside every landmark.</summary>
    private static async Task AssertOutlineAsync(IPage page, string where)
    {
        {
            var s = System.Text.Json.JsonSerializer.Deserialize<Structure>(await page.EvaluateAsync<string>(Outline),
                new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
            string outline = string.Join(" > ", s.Headings.Select(h => $"h{h.Level} '{h.Text}'"));
            Assert.True(s.Headings.Count(h => h.Level == 1) == 1, $"{where}: {s.Headings.Count(h => h.Level == 1)} h1: {outline}");
            Assert.True(s.Headings[0].Level == 1, $"{where}: the first heading is not the page's h1: {outline}");
            for (int i = 1; i < s.Headings.Length; i++)
                Assert.True(s.Headings[i].Level <= s.Headings[i - 1].Level + 1, $"{where}: '{s.Headings[i].Text}' skips a level: {outline}");
            Assert.True(s.Main == 1, $"{where}: {s.Main} main landmarks");
            Assert.True(s.Banner == 1, $"{where}: {s.Banner} banner landmarks");
            Assert.True(s.NavLinks >= 10, $"{where}: {s.NavLinks} links in navigation landmarks (the drawer has 10)");
            Assert.True(s.OutsideLandmarks.Length == 0, $"{where}: outside every landmark: {string.Join(" | ", s.OutsideLandmarks)}");
        }
    }

    /// <summary>The pages in use, with what only shows then: an experiment's results (panels, landscapes, results table),
    /// Runs with a comparison and the tag editor open, an escape map, and warning and error messages.</summary>
    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Pages_in_use_pass_axe_and_keep_their_outline(string theme)
    {
        var page = await app.OpenInThemeAsync("1a", theme);
        try
        {
            await page.Locator("input[data-testid=epochs]").FillAsync("20");
            await page.Locator("[data-testid=run]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=status]")).ToContainTextAsync("finished: 640 of 640", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("[data-testid=run]")).ToBeEnabledAsync();
            await Assertions.Expect(page.Locator("[data-testid=landscape] svg path").First).ToBeAttachedAsync(new() { Timeout = 15_000 });
            await page.WaitForTimeoutAsync(500);
            await AssertAxeCleanAsync(page, $"/1a after a run ({theme})");
            await AssertOutlineAsync(page, "/1a after a run");

            await page.Locator("[data-testid=run-link]").First.ClickAsync();          // the run in Runs
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"runs\?search="));
            var row = page.Locator("[data-testid=runs-table] tbody tr").Filter(new() { Has = page.Locator("[data-testid=run-name]") }).First;
            await row.Locator("input[type=checkbox]").CheckAsync(new() { Force = true, Timeout = 15_000 });
            await Assertions.Expect(page.Locator("[data-testid=compare][data-state=ready]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await row.Locator("[data-testid=edit]").ClickAsync();
            await page.Locator("input[data-testid=new-tag]").FillAsync("axe");
            await page.Locator("[data-testid=add-tag]").ClickAsync();
            await page.WaitForTimeoutAsync(500);
            await AssertAxeCleanAsync(page, $"/runs comparing, tags open ({theme})");
            await AssertOutlineAsync(page, "/runs comparing, tags open");

            await page.GotoAsync("explorer?batch=25&lr=0.04&opt=sgd,polyak-sgd&grid=20&map=1");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=map-cost]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await page.WaitForTimeoutAsync(500);
            await AssertAxeCleanAsync(page, $"/explorer with an escape map ({theme})");
            await AssertOutlineAsync(page, "/explorer with an escape map");

            // Messages: a warning about the URL, an error under a field and the summary of what was not run.
            await page.GotoAsync("explorer?x=abc");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await page.Locator("input[data-testid=batch]").FillAsync("0");
            await page.Locator("input[data-testid=batch]").PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator(".mud-alert-text-warning, .mud-alert-filled-warning, .mud-alert-outlined-warning").First).ToBeVisibleAsync();
            await AssertAxeCleanAsync(page, $"/explorer with messages ({theme})");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    // The focused element's outline, and its colour's contrast against the first opaque background behind the element
    // (the ring is drawn outside it, on that background) and against the element's own background where it has one.
    private const string FocusRing = """
        () => {
            const el = document.activeElement;
            const parse = c => (c.match(/[\d.]+/g) || []).map(Number);
            const lum = ([r, g, b]) => {
                const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
            };
            const ratio = (a, b) => { const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x); return (l1 + 0.05) / (l2 + 0.05); };
            const opaque = c => c.length === 3 || (c.length === 4 && c[3] > 0.9);
            const background = start => {
                for (let e = start; e; e = e.parentElement) {
                    const c = parse(getComputedStyle(e).backgroundColor);
                    if (opaque(c)) return c.slice(0, 3);
                }
                return [255, 255, 255];
            };
            const style = getComputedStyle(el);
            const ring = parse(style.outlineColor).slice(0, 3);
            const own = parse(style.backgroundColor);
            return JSON.stringify({
                element: el.outerHTML.slice(0, 120),
                style: style.outlineStyle,
                width: parseFloat(style.outlineWidth),
                offset: parseFloat(style.outlineOffset),
                background: ratio(ring, background(el.parentElement)),
                component: opaque(own) ? ratio(ring, own.slice(0, 3)) : null,
            });
        }
        """;

    private sealed record Ring(string Element, string Style, double Width, double Offset, double Background, double? Component);

    private static async Task<Ring> MeasureRingAsync(IPage page) =>
        System.Text.Json.JsonSerializer.Deserialize<Ring>(await page.EvaluateAsync<string>(FocusRing),
            new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    private static void AssertClearRing(Ring ring, string what, string theme)
    {
        Assert.True(ring.Style != "none" && ring.Width >= 2, $"{theme}: {what} focused shows an outline {ring.Style} {ring.Width}px: {ring.Element}");
        Assert.True(ring.Background >= 3, $"{theme}: {what}'s focus ring has {ring.Background:0.00}:1 against the background: {ring.Element}");
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Tab_shows_a_clear_focus_ring_on_a_nav_link_the_run_button_a_chip_and_the_app_bar(string theme)
    {
        var page = await app.OpenInThemeAsync("1b", theme);
        try
        {
            // All three measured first, so a failure names every one that lacks a ring.
            // The focus starts on the h1 (FocusOnNavigate): the drawer is behind it, Run ahead (results may follow Run,
            // a page of tab stops when 1b shows an earlier launch).
            await DashboardFixture.TabToAsync(page, "a.mud-nav-link", backwards: true);
            var link = await MeasureRingAsync(page);
            await DashboardFixture.TabToAsync(page, "[data-testid=run]");
            var run = await MeasureRingAsync(page);
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"focus-run-{theme}.png") });

            await page.GotoAsync("explorer");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await DashboardFixture.TabToAsync(page, ".mud-chip");
            var chip = await MeasureRingAsync(page);
            var box = (await page.Locator(".mud-chip:focus").BoundingBoxAsync())!;      // with room for the ring around it
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"focus-chip-{theme}.png"),
                Clip = new() { X = box.X - 40, Y = box.Y - 30, Width = box.Width + 200, Height = box.Height + 60 } });

            // On the app bar (indigo in light): its own ring colour.
            await DashboardFixture.TabToAsync(page, "[data-testid=theme-toggle]", backwards: true);
            var toggle = await MeasureRingAsync(page);

            var failures = new List<string>();
            foreach (var (ring, what) in new[] { (link, "a nav link"), (run, "Run"), (chip, "an optimizer chip"), (toggle, "the theme toggle") })
            {
                try { AssertClearRing(ring, what, theme); }
                catch (Xunit.Sdk.XunitException e) { failures.Add(e.Message); }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static string Describe(AxeResultItem v) =>
        $"{v.Id} ({v.Impact}): {v.Help}\n" + string.Join("\n", v.Nodes.Take(8).Select(n => $"    {n.Target}  {Short(string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message)))}"));

    private static string Short(string? s) => (s ?? "").Replace("\n", " ").Length > 200 ? (s ?? "").Replace("\n", " ")[..200] + "…" : (s ?? "").Replace("\n", " ");

    /// <summary>Waits until what a page draws after the circuit starts (charts, the landscape, findings) is there.</summary>
    private static async Task SettleAsync(IPage page, string path)
    {
        if (path == "explorer")
            await page.Locator("[data-testid=landscape] svg path").First.WaitForAsync(new() { Timeout = 15_000 });
        await page.WaitForTimeoutAsync(1000);
    }
}
