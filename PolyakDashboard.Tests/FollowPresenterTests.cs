using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PolyakDashboard.Components.Layout;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

/// <summary>Follow-the-presenter does not navigate a circuit whose browser is gone (closed tab): on the server that
/// navigation failed inside NavigationManager ("Navigation failed …", "Unhandled exception in circuit …
/// TaskCanceledException"). It catches up when the browser reconnects.</summary>
public class FollowPresenterTests
{
    [Fact]
    public async Task A_disconnected_follower_is_not_navigated_and_catches_up_on_reconnect()
    {
        await using var ctx = new BunitContext();
        var presence = ctx.AddViewerServices(presenter: false);
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var navigation = ctx.Services.GetRequiredService<NavigationManager>();
        var cut = ctx.Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        cut.WaitForAssertion(() => Assert.Contains("data-interactive=\"true\"", cut.Markup), RoleComponentTests.Wait);

        // Connected: follows.
        presence.Show("/1a");
        cut.WaitForAssertion(() => Assert.EndsWith("/1a", navigation.Uri), RoleComponentTests.Wait);

        // The tab closes: the presenter's moves no longer navigate this circuit.
        var connection = ctx.Services.GetRequiredService<CircuitConnection>();
        await connection.OnConnectionDownAsync(null!, CancellationToken.None);
        presence.Show("/constraints");
        await Task.Delay(200);
        Assert.EndsWith("/1a", navigation.Uri);

        // Back: it goes where the presenter is now.
        await connection.OnConnectionUpAsync(null!, CancellationToken.None);
        cut.WaitForAssertion(() => Assert.EndsWith("/constraints", navigation.Uri), RoleComponentTests.Wait);
    }
}
