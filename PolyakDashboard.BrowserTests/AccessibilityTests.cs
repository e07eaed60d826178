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
            var result = await page.RunAxe();
            var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToArray();
            Assert.True(serious.Length == 0, $"/{path}{(tab is null ? "" : " tab " + tab)} ({theme}):\n" + string.Join("\n", serious.Select(Describe)));
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
            var s = System.Text.Json.JsonSerializer.Deserialize<Structure>(await page.EvaluateAsync<string>(Outline),
                new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
            string where = $"/{path}{(tab is null ? "" : " tab " + tab)}";
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
