using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 20.6: every page passes axe-core without a serious or critical violation, in both themes.</summary>
[Collection(DashboardCollection.Name)]
public sealed class AccessibilityTests(DashboardFixture app)
{
    /// <summary>Every route of the Pages folder; the constraints page once per tab (2a, 2b, 2c).</summary>
    public static TheoryData<string, string?, string> PagesAndThemes()
    {
        var data = new TheoryData<string, string?, string>();
        (string Path, string? Tab)[] pages =
        [
            ("", null), ("1a", null), ("1b", null), ("1c", null), ("1d", null), ("1e", null), ("explorer", null),
            ("playground", null), ("runs", null), ("constraints", "2a"), ("constraints", "2b"), ("constraints", "2c"), ("not-found", null),
        ];
        foreach (var theme in new[] { "light", "dark" })
            foreach (var (path, tab) in pages) data.Add(path, tab, theme);
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
