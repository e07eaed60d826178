using Microsoft.AspNetCore.Components;
using PolyakCore.Text;

namespace PolyakDashboard.Components.Playground;

public sealed partial class GenerationOutput
{
    private (int Column, int Sample, int Position)? _focus;
    private PlaygroundOutput? _shown;

    /// <summary>The generation to show; null before the first one.</summary>
    [Parameter] public PlaygroundOutput? Output { get; set; }

    /// <summary>Every known checkpoint (for the column headers' optimizer and loss).</summary>
    [Parameter] public IReadOnlyList<CheckpointInfo> Checkpoints { get; set; } = [];

    /// <summary>Whether the generation is still going (queued or running).</summary>
    [Parameter] public bool Running { get; set; }

    /// <summary>Whether it ended by Stop.</summary>
    [Parameter] public bool Stopped { get; set; }

    /// <summary>The seed, shown with the result.</summary>
    [Parameter] public int Seed { get; set; }

    /// <summary>Shows what has arrived since the last render; safe from any thread.</summary>
    public async Task RefreshAsync()
    {
        try { await InvokeAsync(StateHasChanged); }
        catch (ObjectDisposedException) { }                  // the page closed while a character was on its way
    }

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(_shown, Output)) _focus = null;  // a new generation: nothing selected
        _shown = Output;
    }

    private SampledCharacter? FocusedCharacter(int column)
    {
        if (_focus is not { } f || f.Column != column || Output is null) return null;
        var sample = Output.Snapshot(column).FirstOrDefault(s => s.Index == f.Sample);
        return sample?.Characters.FirstOrDefault(c => c.Position == f.Position);
    }

    /// <summary>For tests and styling: idle, queued, running, done or stopped.</summary>
    private string State => Running
        ? (Output?.Started == true ? "running" : "queued")
        : Output is null ? "idle" : Stopped ? "stopped" : "done";

    private string StatusText
    {
        get
        {
            if (Output is null) return "";
            if (Running && !Output.Started)
                return Output.Ahead is { } ahead ? $"Busy: queued, {ahead} ahead of you…" : "Loading the checkpoint…";
            string rate = $"{Output.Characters:N0} characters, {Output.CharactersPerSecond:N0} characters/s";
            string first = Output.FirstCharacterMs is { } ms ? $" · first character after {ms:N0} ms" : "";
            return Running ? $"Generating… {rate}{first}" : $"{(Stopped ? "Stopped" : "Done")}: {rate}{first} · seed {Seed}";
        }
    }
}
