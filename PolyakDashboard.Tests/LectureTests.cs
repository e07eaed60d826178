using System.Buffers.Binary;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PolyakDashboard.Components.Layout;
using PolyakDashboard.Lecture;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

/// <summary>Lecture mode's server side: the room's address (for the Join card), the audience count, and the present query.</summary>
public class RoomAddressesTests
{
    private static readonly IPAddress[] Own =
    [
        IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("203.0.113.7"), IPAddress.Parse("192.168.1.20"),
        IPAddress.Parse("fe80::1"), IPAddress.Parse("2001:db8::5"), IPAddress.Parse("fd00::9"),
    ];

    [Theory]
    [InlineData("http://localhost:5000")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://[::1]:5000")]
    public void Localhost_only_gives_no_address_and_says_so(string listening)
    {
        var access = RoomAddresses.Compute([listening, "http://localhost:5001"], Own);
        Assert.True(access.LocalOnly);
        Assert.Empty(access.Urls);
    }

    [Fact]
    public void The_IPv4_wildcard_stands_for_each_own_IPv4_address_private_first_never_loopback()
    {
        var access = RoomAddresses.Compute(["http://0.0.0.0:5000"], Own);
        Assert.False(access.LocalOnly);
        Assert.Equal(["http://192.168.1.20:5000/", "http://203.0.113.7:5000/"], access.Urls);
    }

    [Fact]
    public void The_IPv6_wildcard_adds_IPv6_addresses_in_brackets_but_not_link_local_ones()
    {
        var access = RoomAddresses.Compute(["http://[::]:8080"], Own);
        Assert.Equal(["http://192.168.1.20:8080/", "http://203.0.113.7:8080/", "http://[fd00::9]:8080/", "http://[2001:db8::5]:8080/"], access.Urls);
        Assert.DoesNotContain(access.Urls, u => u.Contains("fe80", StringComparison.Ordinal));
    }

    [Fact]
    public void Explicit_addresses_and_names_are_given_as_they_are_a_name_first()
    {
        var access = RoomAddresses.Compute(["http://localhost:5000", "https://192.168.1.20:5443", "http://Dashboard.Example:80"], Own);
        Assert.False(access.LocalOnly);
        Assert.Equal(["http://dashboard.example:80/", "https://192.168.1.20:5443/"], access.Urls);
    }

    [Fact]
    public void A_wildcard_on_a_machine_without_a_network_is_not_local_only_but_has_no_address()
    {
        var access = RoomAddresses.Compute(["http://0.0.0.0:5000"], [IPAddress.Loopback]);
        Assert.False(access.LocalOnly);
        Assert.Empty(access.Urls);
    }

    [Fact]
    public void The_QR_code_is_a_PNG_sized_by_its_modules_with_a_quiet_zone()
    {
        byte[] png = RoomQrCode.Png("http://192.168.1.20:5000/");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        Assert.Equal(width, height);
        Assert.Equal(0, width % RoomQrCode.PixelsPerModule);
        int modules = width / RoomQrCode.PixelsPerModule - 8;           // 4 modules of quiet zone each side
        Assert.Equal(0, (modules - 17) % 4);                           // a QR version: 17 + 4v modules
        Assert.InRange((modules - 17) / 4, 1, 4);                      // a short URL: a coarse code a phone reads from afar
        Assert.StartsWith("data:image/png;base64,", RoomQrCode.DataUrl("http://192.168.1.20:5000/"));
    }
}

public class AudienceTests
{
    [Fact]
    public void Counts_connected_viewers_and_followers_and_tells_only_changes()
    {
        var audience = new Audience();
        var seen = new List<AudienceCount>();
        audience.Changed += seen.Add;
        audience.Join("a", following: true);
        audience.Join("b", following: false);
        Assert.Equal(new AudienceCount(2, 1), audience.Count);
        audience.SetFollowing("b", true);
        Assert.Equal(new AudienceCount(2, 2), audience.Count);
        audience.Disconnected("a");                      // a closed laptop does not count…
        Assert.Equal(new AudienceCount(1, 1), audience.Count);
        audience.Reconnected("a");                       // …until it is back
        Assert.Equal(new AudienceCount(2, 2), audience.Count);
        audience.SetFollowing("b", true);                // no change: no event
        audience.Leave("a");
        audience.Leave("a");
        audience.Leave("unknown");
        Assert.Equal(new AudienceCount(1, 1), audience.Count);
        Assert.Equal([new(1, 1), new(2, 1), new(2, 2), new(1, 1), new(2, 2), new(1, 1)], seen);
    }

    [Fact]
    public async Task A_viewers_circuit_counts_while_connected_and_follows_its_toggle_a_presenters_never()
    {
        var audience = new Audience();
        var viewer = Session(presenter: false);
        var tracker = new AudienceTracker(audience, viewer);
        await tracker.OnCircuitOpenedAsync(null!, CancellationToken.None);
        Assert.Equal(new AudienceCount(1, 1), audience.Count);
        viewer.Following = false;                          // the app bar's "Browsing freely"
        Assert.Equal(new AudienceCount(1, 0), audience.Count);
        await tracker.OnConnectionDownAsync(null!, CancellationToken.None);
        Assert.Equal(new AudienceCount(0, 0), audience.Count);
        await tracker.OnConnectionUpAsync(null!, CancellationToken.None);
        Assert.Equal(new AudienceCount(1, 0), audience.Count);
        await tracker.OnCircuitClosedAsync(null!, CancellationToken.None);
        Assert.Equal(new AudienceCount(0, 0), audience.Count);
        viewer.Following = true;                           // closed: no longer counted
        Assert.Equal(new AudienceCount(0, 0), audience.Count);

        var presenter = new AudienceTracker(audience, Session(presenter: true));
        await presenter.OnCircuitOpenedAsync(null!, CancellationToken.None);
        Assert.Equal(new AudienceCount(0, 0), audience.Count);
    }

    [Fact]
    public async Task A_viewer_following_over_the_hub_counts_until_it_stops_or_disconnects()
    {
        await using var keyed = new DashboardFactory { Settings = new Dictionary<string, string> { ["Presenter:Key"] = "audience-test-key" } };
        var audience = keyed.Services.GetRequiredService<Audience>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(keyed.Server.BaseAddress, TrainingHub.Path), o => o.HttpMessageHandlerFactory = _ => keyed.Server.CreateHandler())
            .Build();
        await hub.StartAsync();
        await hub.InvokeAsync<PresenterLocation?>("FollowPresenter");
        Assert.Equal(new AudienceCount(1, 1), audience.Count);
        await hub.InvokeAsync("StopFollowing");
        Assert.Equal(new AudienceCount(0, 0), audience.Count);
        await hub.InvokeAsync<PresenterLocation?>("FollowPresenter");
        Assert.Equal(new AudienceCount(1, 1), audience.Count);
        await hub.StopAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (audience.Count.Viewers > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(new AudienceCount(0, 0), audience.Count);
    }

    private static ViewerSession Session(bool presenter) =>
        new(Options.Create(new ViewerLimitOptions()), new FixedAuth(presenter));

    private sealed class FixedAuth(bool presenter) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(
            new ClaimsPrincipal(presenter ? new ClaimsIdentity([new Claim(ClaimTypes.Role, Presenter.Role)], "test") : new ClaimsIdentity())));
    }
}

public class PresentationModeTests
{
    [Theory]
    [InlineData("http://h/1c?present=1", true)]
    [InlineData("http://h/explorer?x=1&present=true#map", true)]
    [InlineData("http://h/1c?present=0", false)]
    [InlineData("http://h/1c?presenter=1", null)]
    [InlineData("http://h/1c", null)]
    [InlineData("http://h/1c?present=maybe", null)]
    public void A_URL_turns_it_on_or_off_or_says_nothing(string uri, bool? expected) =>
        Assert.Equal(expected, PresentationMode.Requested(uri));

    [Theory]
    [InlineData("/1c?present=1", "/1c")]
    [InlineData("/explorer?x=1&present=1&y=2#top", "/explorer?x=1&y=2#top")]
    [InlineData("/explorer?x=1", "/explorer?x=1")]
    [InlineData("/runs", "/runs")]
    public void The_presenters_projector_setting_is_not_sent_to_followers(string path, string expected) =>
        Assert.Equal(expected, PresentationMode.WithoutQueryKey(path));
}

public class ConfiguredRoomUrlTests
{
    [Fact]
    public void Configured_room_URLs_come_first_and_bad_ones_are_ignored()
    {
        var room = new RoomAddresses(Options.Create(new LectureOptions { RoomUrls = ["https://dashboard.example/", "not a url", "ftp://x/", " http://hall.example:5000 "] }));
        var access = room.Current();
        Assert.False(access.LocalOnly);
        Assert.Equal(["https://dashboard.example/", "http://hall.example:5000/"], access.Urls);
        Assert.True(new RoomAddresses().Current().LocalOnly);     // no server addresses at all (in memory): local
    }
}

public class JoinCommandTests
{
    [Fact]
    public void The_Join_cards_command_is_the_READMEs()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PolyakDashboard.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        Assert.Contains("`" + RoomAccess.OpenCommand + "`", File.ReadAllText(Path.Combine(dir!.FullName, "README.md")));
    }
}
