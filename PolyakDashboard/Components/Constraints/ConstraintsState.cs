using PolyakCore.Demos;

namespace PolyakDashboard.Components.Constraints;

/// <summary>What tab 2a shows; kept by the page so that it survives a switch to another tab.</summary>
/// <param name="MiniBatchOn">Show the mini-batch comparison instead of the 2-D function.</param>
public sealed record LineSearchTabState(LineSearchSettings Settings, MiniBatchSettings MiniBatch, bool MiniBatchOn = false)
{
    public static LineSearchTabState Default { get; } = new(new LineSearchSettings(), new MiniBatchSettings());
}
