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
        bool probeSeen = false;
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
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
                { directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, column: e.columnNumber }));
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
            Assert.Equal(0, await page.GetByText("Generate SDK").CountAsync());     // no toolbar of hosted services
            // A presenter call: its request body (RunRequest) and answers, the lock of the presenter key.
            await page.GetByRole(AriaRole.Link, new() { Name = "Start a run" }).First.ClickAsync();
            await page.GetByText("Validates the request and queues the run").First.WaitForAsync(new() { Timeout = 10_000 });
            await page.WaitForTimeoutAsync(500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"api-docs-start-a-run-{scheme}.png") });

            // One refusal is expected and harmless: the Zod validator in Scalar's bundle probes whether it may compile
            // code (try { Function('') } catch { use the slower path }). Only that exact probe is let through.
            var violations = await page.EvaluateAsync<Violation[]>("window.__cspViolations");
            string bundle = await (await page.APIRequest.GetAsync("api/docs/scalar.js")).TextAsync();
            var unexpected = violations.Where(v => !IsZodProbe(v, bundle)).ToList();
            Assert.True(unexpected.Count == 0, "CSP violations: " + string.Join("; ", unexpected));
            probeSeen = violations.Length > 0;
            if (probeSeen) problems.RemoveAll(p => p.Contains("unsafe-eval", StringComparison.Ordinal));
            Assert.True(elsewhere.Count == 0, "asked other hosts: " + string.Join(", ", elsewhere.Distinct()));
            Assert.True(problems.Count == 0, "console errors: " + string.Join("; ", problems));
            Task<string>[] pending;
            lock (bodies) pending = [.. bodies];
            var received = await Task.WhenAll(pending);
            Assert.Contains(received, b => b.Contains("\"openapi\"", StringComparison.Ordinal));     // the document came
            Assert.DoesNotContain(received, b => b.Contains(KeyedDashboardFixture.Key, StringComparison.Ordinal));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    public sealed class Violation
    {
        public string Directive { get; set; } = "";
        public string Blocked { get; set; } = "";
        public string Source { get; set; } = "";
        public int Line { get; set; }
        public int Column { get; set; }
        public override string ToString() => $"{Directive} {Blocked} at {Source}:{Line}:{Column}";
    }

    /// <summary>The refusal of <c>Function(``)</c> inside Zod's <c>try { … } catch { return false }</c> in scalar.js.</summary>
    private static bool IsZodProbe(Violation v, string bundle)
    {
        if (v.Blocked != "eval" || !v.Source.EndsWith("/api/docs/scalar.js", StringComparison.Ordinal)) return false;
        var lines = bundle.Split('\n');
        if (v.Line < 1 || v.Line > lines.Length) return false;
        string line = lines[v.Line - 1];
        int at = Math.Clamp(v.Column - 1, 0, line.Length);
        string around = line[Math.Max(0, at - 40)..Math.Min(line.Length, at + 40)];
        return around.Contains("try{return Function(``),!0}catch{return!1}", StringComparison.Ordinal);
    }
}
