namespace PolyakDashboard.Security;

/// <summary>Who may start, cancel and delete runs ("Presenter" in configuration, <c>Presenter__Key</c> in the environment).</summary>
public sealed class PresenterOptions
{
    /// <summary>The presenter key. Default: none, and then one is generated and printed at start-up
    /// (and, while the server listens on localhost only, the local user is presenter without it).</summary>
    public string? Key { get; set; }

    /// <summary>How long the browser's sign-in cookie lasts (days). Default 30.</summary>
    public int CookieDays { get; set; } = 30;
}

/// <summary>What viewers may ask of the server ("Viewers" in configuration). Presenters are not limited.</summary>
public sealed class ViewerLimitOptions
{
    /// <summary>Explorer computations a viewer may start in a burst (a race is 1, an escape map <see cref="EscapeMapCost"/>). Default 10.</summary>
    public int ComputationBurst { get; set; } = 10;

    /// <summary>Computations a viewer earns back per second. Default 2.</summary>
    public double ComputationsPerSecond { get; set; } = 2;

    /// <summary>What an escape map (hundreds of runs) costs against the burst. Default 10.</summary>
    public int EscapeMapCost { get; set; } = 10;

    /// <summary>Escape maps computed at once over the whole server; past it viewers are told to wait. Default one per two cores.</summary>
    public int MaxConcurrentHeavyComputations { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Sign-in attempts per client address per minute. Default 10.</summary>
    public int SignInsPerMinute { get; set; } = 10;

    /// <summary>Wrong presenter keys (header or sign-in) per client address per minute before every try is refused. Default 10.</summary>
    public int FailedKeysPerMinute { get; set; } = 10;
}

/// <summary>Who may reach the server by which name ("Security" in configuration).</summary>
public sealed class SiteOptions
{
    /// <summary>More host names the server answers to besides localhost, the loopback and this machine's addresses,
    /// its name and the listening URLs' hosts (e.g. the name a reverse proxy passes on). <c>Security__Hosts__0=…</c>.</summary>
    public string[] Hosts { get; set; } = [];

    /// <summary>Addresses of the reverse proxies in front of this server (e.g. scale-out/PolyakProxy): from them, and
    /// only them, <c>X-Forwarded-For</c> is the client's address and <c>X-Forwarded-Proto</c> the scheme. Empty (the
    /// default): the scheme from a proxy on this machine, the client address always the connection's.
    /// <c>Security__Proxies__0=10.0.0.5</c>.</summary>
    public string[] Proxies { get; set; } = [];
}
