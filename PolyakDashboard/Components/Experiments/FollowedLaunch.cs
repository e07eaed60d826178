using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Experiments;

/// <summary>What a following viewer's experiment page switches to when the presenter starts a launch.</summary>
public static class FollowedLaunch
{
    /// <summary>The runs of the presenter's new launch of <paramref name="experimentId"/>, or null when this page
    /// should stay as it is (a presenter, a viewer browsing freely, another experiment, or the launch already shown).</summary>
    public static IReadOnlyList<LiveRun>? Find(PresenterLocation where, ViewerSession session, RunRegistry registry,
        string experimentId, IReadOnlyList<LiveRun> shown)
    {
        if (session.IsPresenter || !session.Following || where.LaunchId is not { } launch) return null;
        if (shown.Count > 0 && shown[0].LaunchId == launch) return null;
        var runs = registry.All.Where(r => r.LaunchId == launch && r.ExperimentId == experimentId).ToList();
        return runs.Count == 0 ? null : runs;
    }
}
