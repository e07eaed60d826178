using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Every page works under the Content-Security-Policy the server sends: Blazor's circuit, MudBlazor, the
/// charts (ApexCharts, d3-contour), the hub — and the browser reports no violation.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ContentSecurityPolicyTests(DashboardFixture app)
{
    private static readonly string[] Pages = ["", "1a", "1b", "1c", "1d", "1e", "explorer", "playground", "constraints", "runs"];

    [Fact]
    public async Task Every_page_loads_and_draws_under_the_policy_without_a_violation()
    {
        var page = await app.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error" || m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) problems.Add($"{page.Url}: {m.Text}");
        };
        page.PageError += (_, e) => problems.Add($"{page.Url}: {e}");
        // Violations also as events (the console may word them differently); init scripts are not subject to the policy.
        await page.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
            """);
        try
        {
            foreach (var path in Pages)
            {
                var response = await page.GotoAsync(path);
                Assert.NotNull(response);
                Assert.Contains("script-src 'self' 'nonce-", (await response.AllHeadersAsync())["content-security-policy"]);
                await DashboardFixture.WaitForInteractiveAsync(page);
                await page.WaitForTimeoutAsync(700);      // charts load their scripts and draw after the circuit starts
                var violations = await page.EvaluateAsync<string[]>("window.__cspViolations");
                Assert.True(violations.Length == 0, $"/{path}: {string.Join("; ", violations)}");
            }
            // The explorer draws its contours and paths with d3 and ApexCharts: proof that their scripts ran.
            await page.GotoAsync("explorer");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await page.Locator("svg path").First.WaitForAsync(new() { Timeout = 15_000 });
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
