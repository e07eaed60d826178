using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>The interactive API reference at /api/docs as a viewer opens it on a server with a presenter key: it draws
/// the document's calls under the Content-Security-Policy with no violation, asks nothing of any other host (it must
/// work offline), and no answer it receives holds the key. Screenshots at 1366×768 in the light and dark schemes.</summary>
[Collection(KeyedDashboardCollection.Name)]
public sealed class ApiReferenceTests(KeyedDashboardFixture app)
{
    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task The_reference_draws_every_call_offline_under_the_policy_without_the_key(string scheme)
    {
        var page = await app.NewPageAsync();
        var problems = new List<string>();
        var elsewhere = new List<string>();
        var bodies = new List<Task<string>>();
        var origin = new Uri(app.BaseUrl);
        page.Console += (_, m) => { if (m.Type == "error") problems.Add(m.Text); };
        page.PageError += (_, e) => problems.Add(e);
        // Anything for another host fails here as it would offline; it is recorded, then refused.
        await page.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "http" or "https" && url.Authority != origin.Authority)
            {
                elsewhere.Add(route.Request.Url);
                await route.AbortAsync();
            }
            else await route.ContinueAsync();
        });
        page.Response += (_, r) => { lock (bodies) bodies.Add(r.TextAsync().ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "")); };
        await page.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
            """);
        try
        {
            await page.SetViewportSizeAsync(1366, 768);
            await page.EmulateMediaAsync(new() { ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
            var response = await page.GotoAsync("api/docs");
            Assert.NotNull(response);
            Assert.Equal(200, response.Status);
            Assert.Contains("script-src 'self' 'nonce-", (await response.AllHeadersAsync())["content-security-policy"]);

            // Scalar renders every operation's summary from the document: the first and a presenter call, in the page.
            await page.GetByText("Start a run").First.WaitForAsync(new() { Timeout = 30_000 });
            await page.GetByText("Generate text").First.WaitForAsync(new() { Timeout = 10_000 });
            await page.WaitForTimeoutAsync(500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"api-docs-{scheme}.png") });

            var violations = await page.EvaluateAsync<string[]>("window.__cspViolations");
            Assert.True(violations.Length == 0, "CSP violations: " + string.Join("; ", violations));
            Assert.True(elsewhere.Count == 0, "asked other hosts: " + string.Join(", ", elsewhere.Distinct()));
            Assert.True(problems.Count == 0, "console errors: " + string.Join("; ", problems));
            string[] received;
            lock (bodies) received = [.. (await Task.WhenAll(bodies))];
            Assert.Contains(received, b => b.Contains("\"openapi\"", StringComparison.Ordinal));     // the document came
            Assert.DoesNotContain(received, b => b.Contains(KeyedDashboardFixture.Key, StringComparison.Ordinal));
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
