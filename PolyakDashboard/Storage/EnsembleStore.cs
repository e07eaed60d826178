using System.Runtime.InteropServices;
using System.Data.Common;
using PolyakCore.Experiments;
using PolyakCore.Training;
using static PolyakDashboard.Storage.RunStore;

namespace PolyakDashboard.Storage;

/// <summary>An ensemble as the run store keeps it: one group (an experiment's grid over many seeds), listed as one row.</summary>
/// <param name="Overrides">The grid's overrides (the page's settings), without seeds and vary.</param>
/// <param name="Configurations">How many configurations the grid has.</param>
/// <param name="Problem">The configurations' problem (one per experiment).</param>
/// <param name="Optimizers">The optimizers of the grid, in order of first appearance.</param>
public sealed record StoredEnsemble(string Id, string ExperimentId, ExperimentOverrides Overrides, EnsembleSpec Spec,
    int Configurations, string Problem, IReadOnlyList<string> Optimizers, RunStatus Status, string? Message,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, double? Seconds, IReadOnlyList<Finding> Findings)
{
    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    /// <summary>What the Runs page calls it: "ensemble · 20 seeds × 24 configurations".</summary>
    public string Title => EnsembleTitle(Spec.Seeds, Configurations);

    public static string EnsembleTitle(int seeds, int configurations) =>
        $"ensemble · {seeds} seed{(seeds == 1 ? "" : "s")} × {configurations} configuration{(configurations == 1 ? "" : "s")}";
}

/// <summary>Ensembles in the run store (tables <c>ensembles</c> and <c>ensemble_configurations</c>, schema V5): a row is
/// written when a group starts and completed, with every configuration's curves, when it ends.</summary>
/// <remarks>Writes are few (two per group), so they go straight to SQLite; a group's configurations are written in
/// the transaction that marks it finished, so a crash leaves a running group (interrupted at the next start), never half
/// its curves.</remarks>
public sealed class EnsembleStore(RunStore store)
{
    private const string Columns = """
        id, experiment_id, overrides, seeds, vary, configurations, problem, optimizers, status, message, created_at,
        finished_at, seconds, findings
        """;

    /// <summary>The row of a group that has started.</summary>
    public void Insert(StoredEnsemble group)
    {
        using var connection = store.Connect();
        using var command = Command(connection, $"""
            INSERT INTO ensembles ({Columns}, instance)
            VALUES ($id, $experiment, $overrides, $seeds, $vary, $configurations, $problem, $optimizers, $status, $message,
                    $created, $finished, $seconds, $findings, $instance)
            """, ("$id", group.Id), ("$experiment", group.ExperimentId), ("$overrides", Serialize(group.Overrides)),
            ("$seeds", group.Spec.Seeds), ("$vary", Serialize(group.Spec.Vary)), ("$configurations", group.Configurations),
            ("$problem", group.Problem), ("$optimizers", Serialize(group.Optimizers)), ("$status", StatusText(group.Status)),
            ("$message", group.Message), ("$created", Time(group.CreatedAt)), ("$finished", Time(group.FinishedAt)),
            ("$seconds", group.Seconds), ("$findings", Serialize(group.Findings)), ("$instance", store.Instance));
        command.ExecuteNonQuery();
    }

    /// <summary>Marks a group finished and writes its configurations (their names, e.g. run ids, in order) and its
    /// summary document, in one transaction. A group with no result (failed) gets its status only. False when the
    /// group is gone (deleted meanwhile).</summary>
    public bool Finish(StoredEnsemble group, EnsembleResult? result, IReadOnlyList<string> names, object? summary)
    {
        using var connection = store.Connect();
        using var transaction = connection.BeginTransaction();
        using var update = Command(connection, """
            UPDATE ensembles SET status = $status, message = $message, finished_at = $finished, seconds = $seconds,
                   findings = $findings, summary = $summary
            WHERE id = $id RETURNING seq
            """, ("$id", group.Id), ("$status", StatusText(group.Status)), ("$message", group.Message),
            ("$finished", Time(group.FinishedAt)), ("$seconds", group.Seconds), ("$findings", Serialize(group.Findings)),
            ("$summary", summary is null ? null : Serialize(summary)));
        update.Transaction = transaction;
        if (update.ExecuteScalar() is not long seq) return false;
        if (result is not null)
        {
            using var insert = Prepare(connection, transaction, """
                INSERT INTO ensemble_configurations (ensemble, configuration, name, request, runs, wells, steps, epochs, curves)
                VALUES ($ensemble, $configuration, $name, $request, $runs, $wells, $steps, $epochs, $curves)
                """, "$ensemble", "$configuration", "$name", "$request", "$runs", "$wells", "$steps", "$epochs", "$curves");
            for (int c = 0; c < result.Configurations.Count; c++)
            {
                var configuration = result.Configurations[c];
                Bind(insert, seq, c, names[c], Serialize(configuration.Request), Serialize(configuration.Runs),
                    configuration.Wells is null ? null : Serialize(configuration.Wells), configuration.Loss.Length,
                    configuration.EpochLoss.Length, Pack(configuration));
                insert.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return true;
    }

    /// <summary>Every group, newest first (no curves).</summary>
    public IReadOnlyList<StoredEnsemble> List()
    {
        using var connection = store.Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM ensembles ORDER BY created_at DESC, seq DESC");
        using var reader = command.ExecuteReader();
        var groups = new List<StoredEnsemble>();
        while (reader.Read()) groups.Add(Read(reader));
        return groups;
    }

    public StoredEnsemble? Find(string id)
    {
        using var connection = store.Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM ensembles WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>The summary document stored when the group ended (the CLI's ensemble.json); null while it runs.</summary>
    public string? Summary(string id)
    {
        using var connection = store.Connect();
        using var command = Command(connection, "SELECT summary FROM ensembles WHERE id = $id", ("$id", id));
        return command.ExecuteScalar() as string;
    }

    /// <summary>A finished group whole: its row, its result (curves exact, each seed's summary) and its configurations'
    /// names; null for an unknown id, one still running, or one that ended without results (failed, interrupted).</summary>
    public (StoredEnsemble Group, EnsembleResult Result, IReadOnlyList<string> Names)? Load(string id)
    {
        if (Find(id) is not { IsFinished: true } group) return null;
        using var connection = store.Connect();
        using var command = Command(connection, """
            SELECT c.name, c.request, c.runs, c.wells, c.steps, c.epochs, c.curves
            FROM ensemble_configurations c JOIN ensembles e ON e.seq = c.ensemble WHERE e.id = $id ORDER BY c.configuration
            """, ("$id", id));
        using var reader = command.ExecuteReader();
        var (configurations, names) = (new List<ConfigurationEnsemble>(), new List<string>());
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
            var (loss, stepSize, epochLoss) = Unpack((byte[])reader.GetValue(6), reader.GetInt32(4), reader.GetInt32(5));
            configurations.Add(new ConfigurationEnsemble
            {
                Request = Deserialize<RunRequest>(reader.GetString(1)),
                Runs = Deserialize<RunSummary[]>(reader.GetString(2)),
                Wells = Text(reader, 3) is { } wells ? Deserialize<Dictionary<string, int>>(wells) : null,
                Loss = loss, StepSize = stepSize, EpochLoss = epochLoss,
            });
        }
        if (configurations.Count == 0) return null;
        return (group, new EnsembleResult(group.Spec, configurations, group.Seconds ?? 0), names);
    }

    /// <summary>Deletes a group and its configurations; false for an unknown id.</summary>
    public bool Delete(string id)
    {
        using var connection = store.Connect();
        using var command = Command(connection, "DELETE FROM ensembles WHERE id = $id", ("$id", id));
        return command.ExecuteNonQuery() > 0;
    }

    public bool Contains(string id)
    {
        using var connection = store.Connect();
        using var command = Command(connection, "SELECT 1 FROM ensembles WHERE id = $id", ("$id", id));
        return command.ExecuteScalar() is not null;
    }

    private static StoredEnsemble Read(DbDataReader r) => new(
        Id: r.GetString(0), ExperimentId: r.GetString(1), Overrides: Deserialize<ExperimentOverrides>(r.GetString(2)),
        Spec: new EnsembleSpec(r.GetInt32(3), Deserialize<SeedVariation>(r.GetString(4))), Configurations: r.GetInt32(5),
        Problem: r.GetString(6), Optimizers: Deserialize<string[]>(r.GetString(7)),
        Status: Enum.Parse<RunStatus>(r.GetString(8), ignoreCase: true), Message: Text(r, 9),
        CreatedAt: ParseTime(r.GetString(10)), FinishedAt: Text(r, 11) is { } f ? ParseTime(f) : null,
        Seconds: r.IsDBNull(12) ? null : r.GetDouble(12), Findings: Deserialize<Finding[]>(r.GetString(13)));

    // The curves as float64 columns, back to back: loss p10, median, p90, step size p10, median, p90 (a value per
    // step), then the full-data loss p10, median, p90 (a value per epoch).
    private static byte[] Pack(ConfigurationEnsemble c)
    {
        double[][] columns = [c.Loss.P10, c.Loss.Median, c.Loss.P90, c.StepSize.P10, c.StepSize.Median, c.StepSize.P90,
            c.EpochLoss.P10, c.EpochLoss.Median, c.EpochLoss.P90];
        var bytes = new byte[columns.Sum(x => x.Length) * sizeof(double)];
        int at = 0;
        foreach (var column in columns)
        {
            MemoryMarshal.AsBytes(column.AsSpan()).CopyTo(bytes.AsSpan(at));
            at += column.Length * sizeof(double);
        }
        return bytes;
    }

    private static (SpreadSeries Loss, SpreadSeries StepSize, SpreadSeries EpochLoss) Unpack(byte[] bytes, int steps, int epochs)
    {
        var values = MemoryMarshal.Cast<byte, double>(bytes).ToArray();
        if (values.Length != 6 * steps + 3 * epochs)
            throw new InvalidDataException($"An ensemble's curves hold {values.Length} values, not {6 * steps + 3 * epochs}.");
        int at = 0;
        double[] Next(int n) { var column = values[at..(at + n)]; at += n; return column; }
        var loss = new SpreadSeries(Next(steps), Next(steps), Next(steps));
        var stepSize = new SpreadSeries(Next(steps), Next(steps), Next(steps));
        return (loss, stepSize, new SpreadSeries(Next(epochs), Next(epochs), Next(epochs)));
    }
}
