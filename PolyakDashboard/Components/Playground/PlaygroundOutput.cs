using System.Diagnostics;
using System.Text;
using PolyakCore.Text;
using PolyakDashboard.ChildSpeech;

namespace PolyakDashboard.Components.Playground;

/// <summary>What one generation has produced so far, per checkpoint and sample. Filled from the generation thread,
/// read by the page's renders: every access takes the lock.</summary>
public sealed class PlaygroundOutput(IReadOnlyList<string> checkpoints, string prompt, bool perCharacter, Action changed) : IGenerationObserver
{
    private readonly object _gate = new();
    private readonly List<Sample>[] _columns = [.. checkpoints.Select(_ => new List<Sample>())];
    private readonly Stopwatch _clock = Stopwatch.StartNew();           // from the click
    private double? _startedMs, _firstMs, _lastMs;
    private int _characters;
    private int? _ahead;

    public IReadOnlyList<string> Checkpoints { get; } = checkpoints;
    public string Prompt { get; } = prompt;

    /// <summary>Whether each character carries its top candidates (the per-character view).</summary>
    public bool PerCharacter { get; } = perCharacter;

    /// <summary>Generations ahead in line while waiting; null once running.</summary>
    public int? Ahead { get { lock (_gate) return _ahead; } }

    public bool Started { get { lock (_gate) return _startedMs is not null; } }

    public int Characters { get { lock (_gate) return _characters; } }

    /// <summary>From pressing Generate to the first character on the server.</summary>
    public double? FirstCharacterMs { get { lock (_gate) return _firstMs; } }

    /// <summary>Characters per second since the generation got its slot.</summary>
    public double CharactersPerSecond
    {
        get
        {
            lock (_gate)
            {
                if (_startedMs is not { } start || _characters == 0) return 0;
                double end = _lastMs ?? _clock.Elapsed.TotalMilliseconds;
                return _characters / Math.Max(1e-3, (end - start) / 1000);
            }
        }
    }

    /// <summary>The samples of checkpoint <paramref name="column"/> as they stand.</summary>
    public IReadOnlyList<SampleView> Snapshot(int column)
    {
        lock (_gate) return [.. _columns[column].Select(s => s.View())];
    }

    /// <summary>Ends the clock (rates stop moving once the generation is over).</summary>
    public void Finish(IReadOnlyList<CheckpointSamples>? results)
    {
        lock (_gate)
        {
            _lastMs ??= _clock.Elapsed.TotalMilliseconds;
            if (results is null) return;
            for (int c = 0; c < results.Count && c < _columns.Length; c++)
                foreach (var done in results[c].Samples)
                    SampleAt(c, done.Index).Finish = done.Finish;
        }
    }

    void IGenerationObserver.OnQueued(int ahead)
    {
        lock (_gate) _ahead = ahead;
        changed();
    }

    void IGenerationObserver.OnStarted()
    {
        lock (_gate)
        {
            _ahead = null;
            _startedMs = _clock.Elapsed.TotalMilliseconds;
        }
        changed();
    }

    void IGenerationObserver.OnCharacter(int column, SampledCharacter character)
    {
        lock (_gate)
        {
            var sample = SampleAt(column, character.Sample);
            sample.Text.Append(character.Character);
            if (PerCharacter) { sample.Characters.Add(character); sample.Tooltips.Add(Tooltip(character)); }
            _characters++;
            _firstMs ??= _clock.Elapsed.TotalMilliseconds;
        }
        changed();
    }

    /// <summary>Built once per character, not at every render.</summary>
    private static string Tooltip(SampledCharacter c) =>
        $"{CharTokenizer.Name(c.Character)} p = {c.Probability:P1}\nlikeliest: " +
        string.Join(" · ", (c.Top ?? []).Select(t => $"{CharTokenizer.Name(t.Character)} {t.Probability:P0}"));

    private Sample SampleAt(int column, int index)
    {
        var samples = _columns[column];
        while (samples.Count <= index) samples.Add(new Sample(samples.Count));
        return samples[index];
    }

    private sealed class Sample(int index)
    {
        public StringBuilder Text { get; } = new();
        public List<SampledCharacter> Characters { get; } = [];
        public List<string> Tooltips { get; } = [];
        public FinishReason? Finish { get; set; }
        public SampleView View() => new(index, Text.ToString(), [.. Characters], [.. Tooltips], Finish);
    }
}

/// <summary>One sample as the page renders it.</summary>
/// <param name="Tooltips">One per character in <paramref name="Characters"/>: the character's probability and its top candidates.</param>
public sealed record SampleView(int Index, string Text, IReadOnlyList<SampledCharacter> Characters, IReadOnlyList<string> Tooltips, FinishReason? Finish);
