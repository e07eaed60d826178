using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace PolyakDashboard.Tests;

/// <summary>The app in memory, with small queue limits so tests can hit them.</summary>
public sealed class DashboardFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Runs:MaxQueueLength", "40");
        builder.UseSetting("Runs:BroadcastIntervalMs", "20");
        builder.UseSetting("Runs:MaxConcurrentRuns", "2");   // a slow test run must not hold up the others
    }
}
