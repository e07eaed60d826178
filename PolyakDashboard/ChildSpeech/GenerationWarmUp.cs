using Microsoft.Extensions.Options;
using PolyakCore.Text;

namespace PolyakDashboard.ChildSpeech;

/// <summary>Generates a few characters from the best shipped checkpoint at start-up, in the background, so the first
/// Generate of the day answers in milliseconds (cold, the first character took ~450 ms: the load and libtorch's
/// first-call set-up). Off with <c>ChildSpeech:WarmUp=false</c>.</summary>
public sealed class GenerationWarmUp(GenerationService generation, TextLibraries libraries, IOptions<ChildSpeechOptions> options,
    ILogger<GenerationWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!options.Value.WarmUp) return;
        try
        {
            await Task.Yield();   // never delay the host's start
            var best = libraries.Checkpoints.List().Where(c => c.Shipped).MinBy(c => c.Metadata.ValLoss);
            if (best is null) return;
            var outcome = await generation.GenerateAsync([best.Name], new SamplingSettings { MaxNewCharacters = 8, Seed = 0 }, cancel: stopping);
            logger.LogInformation("Generation warmed up on {Checkpoint} ({Seconds:F2} s)", best.Name, outcome.Seconds);
        }
        catch (Exception e) when (e is OperationCanceledException or GenerationException or CheckpointException or IOException)
        {
            logger.LogInformation("Generation warm-up skipped: {Message}", e.Message);
        }
    }
}
