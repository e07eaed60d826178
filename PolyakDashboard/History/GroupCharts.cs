using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.History;

/// <summary>A stored group whole, as the comparison draws it.</summary>
/// <param name="Letter">How the charts' legends tell groups apart ("A", "B", …) when there are several.</param>
public sealed record LoadedGroup(StoredEnsemble Group, EnsembleResult Result, IReadOnlyList<string> Names, string Letter);

/// <summary>One panel of a comparison of groups: the experiment's panel (e.g. "σ = 1, batch 16") with every selected
/// group's configurations of it as medians with 10–90 % bands, and the selected single runs that belong there as lines.</summary>
public sealed record GroupPanel(string Title, bool ShowBatchLoss, IReadOnlyList<BandSeries> BatchLoss, IReadOnlyList<BandSeries> StepSize,
    IReadOnlyList<BandSeries> EpochLoss, double? Floor);

/// <summary>Groups side by side: panels keyed by the experiment's layout, so the same configuration of two groups (two
/// seeds-sets, two settings) shares a chart; a single run is drawn over the bands of its panel (is it typical of its
/// configuration?) when a selected group has that panel, and listed as not drawn otherwise.</summary>
public sealed class GroupCharts(EnsembleStore groups, RunService runs, RunCharts charts)
{
    public const int MaxGroups = 4, Points = 400;

    /// <summary>The finished groups among <paramref name="ids"/> (at most <see cref="MaxGroups"/>), read from the store.</summary>
    public IReadOnlyList<LoadedGroup> Load(IEnumerable<string> ids)
    {
        var loaded = new List<LoadedGroup>();
        foreach (var id in ids.Distinct())
        {
            if (loaded.Count == MaxGroups) break;
            if (groups.Load(id) is var (group, result, names)) loaded.Add(new(group, result, names, ((char)('A' + loaded.Count)).ToString()));
        }
        return loaded;
    }

    /// <summary>The panels of the groups with the runs drawn over them, and the runs that fit no panel.</summary>
    public (IReadOnlyList<GroupPanel> Panels, IReadOnlyList<string> NotDrawn) Build(IReadOnlyList<LoadedGroup> loaded, IReadOnlyList<string> runIds)
    {
        bool several = loaded.Count > 1, experiments = loaded.Select(g => g.Group.ExperimentId).Distinct().Count() > 1;
        var panels = new List<(string Key, string Experiment, List<(string Name, string Optimizer, ConfigurationEnsemble? Band, RunLines? Run)> Members)>();
        List<(string, string, ConfigurationEnsemble?, RunLines?)> PanelFor(string experiment, string title, bool create)
        {
            string key = experiments ? $"{experiment} · {title}" : title;
            var found = panels.FirstOrDefault(p => p.Key == key && p.Experiment == experiment);
            if (found.Members is not null || !create) return found.Members!;
            panels.Add((key, experiment, []));
            return panels[^1].Members;
        }
        foreach (var g in loaded)
        {
            var layout = ExperimentLayout.For(g.Group.ExperimentId);
            foreach (var c in g.Result.Configurations)
                PanelFor(g.Group.ExperimentId, layout.PanelOf(c.Request), create: true)
                    .Add((layout.SeriesName(c.Request) + (several ? $" · {g.Letter}" : ""), c.Request.Optimizer, c, null));
        }
        var notDrawn = new List<string>();
        foreach (var id in runIds)
        {
            if (runs.Get(id) is not { IsFinished: true } run) continue;
            string experiment = run.ExperimentId is { } e && Experiments.FindingsService.Has(e) ? e : ExperimentLayout.ForProblemId(run.Request.Problem);
            var members = run.Request.Problem == ProblemCatalog.ChildSpeech ? null
                : PanelFor(experiment, ExperimentLayout.For(experiment).PanelOf(run.Request), create: false);
            if (members is null) { notDrawn.Add(run.Request.Label ?? run.Id); continue; }
            members.Add((run.Request.Label ?? run.Id, run.Request.Optimizer, null, Lines(run)));
        }
        return ([.. panels.Select(p => Panel(p.Key, p.Experiment, p.Members))], notDrawn);
    }

    private static GroupPanel Panel(string title, string experiment, List<(string Name, string Optimizer, ConfigurationEnsemble? Band, RunLines? Run)> members)
    {
        var optimizers = members.Select(m => m.Optimizer).ToArray();
        IReadOnlyList<BandSeries> Series(Func<ConfigurationEnsemble, SpreadSeries> band, int firstX, Func<RunLines, (double[] X, double[] Y)> line) =>
            [.. members.Select((m, i) =>
            {
                string color = SeriesColors.InGroup(optimizers, i);
                if (m.Band is { } c)
                {
                    var (x, lo, mid, hi) = band(c).Decimate(Points, firstX);
                    return new BandSeries(m.Name, color, x, mid, lo, hi);
                }
                var (lx, ly) = line(m.Run!);
                return new BandSeries(m.Name, color, lx, ly);
            })];
        var floors = members.Where(m => m.Band is not null).SelectMany(m => m.Band!.Runs).Select(r => r.OptimalLoss).ToArray();
        double? floor = floors.Length > 0 && floors.All(f => f is > 1e-12) ? Spread.Of([.. floors.Select(f => f!.Value)]).Median : null;
        return new GroupPanel(title, ExperimentLayout.For(experiment).ShowBatchLoss,
            Series(c => c.Loss, 1, r => r.Loss), Series(c => c.StepSize, 1, r => r.StepSize), Series(c => c.EpochLoss, 0, r => r.EpochLoss), floor);
    }

    /// <summary>A run's lines on the bands' axes: steps for the mini-batch loss and step size, epochs for the full-data loss.</summary>
    private sealed record RunLines((double[] X, double[] Y) Loss, (double[] X, double[] Y) StepSize, (double[] X, double[] Y) EpochLoss);

    private RunLines Lines(LiveRun run)
    {
        var (batches, epochs) = charts.Records(run);
        var lines = RunCharts.Build(run, batches, epochs, ChartX.Step, Points);
        return new((lines.Loss.X, lines.Loss.Y), (lines.StepSize.X, lines.StepSize.Y),
            ([.. epochs.Select(e => (double)e.Epoch)], [.. epochs.Select(e => e.Loss)]));
    }
}
