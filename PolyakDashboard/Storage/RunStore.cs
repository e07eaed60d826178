using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using PolyakCore.Training;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Storage;

/// <summary>The run store cannot be used at all (corrupt, locked, unreadable, from a newer version).</summary>
public sealed class RunStoreException(string path, string reason, Exception? inner = null)
    : Exception($"The run store {path} cannot be opened: {reason}. Move it aside or set ConnectionStrings:Runs.", inner);

/// <summary>What one flush writes for one run: its row (when it changed) and its new records.</summary>
public sealed record RunWrite(string RunId, StoredRun? Run, IReadOnlyList<BatchRecord> Batches, IReadOnlyList<EpochRecord> Epochs);

/// <summary>Runs and their records in SQLite — one file in WAL mode ("ConnectionStrings:Runs", default
/// <c>Data Source=data/runs.db</c> under the content root) — or, when the connection string names a host, in a
/// PostgreSQL database that several dashboard instances share; created and migrated on first use, same tables and
/// record chunks in both (<see cref="StoreDialect"/>).</summary>
/// <remarks>Thread-safe; each call opens a pooled connection. Writes are serialized by the caller
/// (<see cref="RunHistory"/>), so SQLite never has two writers of ours to arbitrate. On PostgreSQL each instance writes
/// the rows of the runs it started (column <c>instance</c>, "Runs:Instance", default the machine name), and at start-up
/// marks only its own unfinished runs interrupted.</remarks>
public sealed class RunStore : IRunArchive, IDisposable
{
    public const string DefaultConnectionString = "Data Source=data/runs.db";
    public const string RunningMessage = "The server stopped while this run was running.";
    public const string QueuedMessage = "The server stopped before this run started.";
    public const string EnsembleRunningMessage = "The server stopped while this ensemble was computing.";

    // PolyakJson, compact; rows written by an older build may carry a field this one no longer has.
    private static readonly JsonSerializerOptions Json = new(PolyakJson.Options)
    {
        WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private const string RunColumns = """
        id, launch_id, experiment_id, request, status, message, created_at, started_at, finished_at,
        total_steps, parameter_names, summary, tags, note
        """;

    private readonly StoreDialect _dialect;
    private readonly ILogger<RunStore> _logger;
    private readonly Lock _openGate = new();
    private volatile bool _opened;
    private DbConnection? _keepAlive;     // an in-memory store lives as long as a connection to it is open

    public RunStore(IConfiguration configuration, IHostEnvironment environment, ILogger<RunStore> logger)
    {
        _logger = logger;
        Instance = configuration["Runs:Instance"] is { Length: > 0 } instance ? instance : Environment.MachineName;
        string connectionString = configuration.GetConnectionString("Runs") ?? DefaultConnectionString;
        if (StoreDialect.IsPostgres(connectionString))
        {
            var postgres = new PostgresDialect(connectionString);
            (_dialect, DisplayPath) = (postgres, postgres.Display);
            return;
        }
        var builder = new SqliteConnectionStringBuilder(connectionString);
        bool isFile = builder.Mode != SqliteOpenMode.Memory && builder.DataSource is { Length: > 0 } source
            && source != ":memory:" && !source.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        if (isFile)
        {
            FilePath = Path.GetFullPath(builder.DataSource, environment.ContentRootPath);
            DisplayPath = Path.IsPathRooted(builder.DataSource) ? FilePath : Path.GetRelativePath(environment.ContentRootPath, FilePath);
            builder.DataSource = FilePath;
        }
        else DisplayPath = builder.DataSource;
        builder.ForeignKeys = true;
        _dialect = new SqliteDialect(builder.ToString());
    }

    /// <summary>Whether several dashboard instances share this store (PostgreSQL).</summary>
    public bool IsShared => _dialect.IsShared;

    /// <summary>This dashboard instance's name in a shared store ("Runs:Instance", default the machine name).</summary>
    public string Instance { get; }

    /// <summary>The database file (null for an in-memory store or PostgreSQL).</summary>
    public string? FilePath { get; }

    /// <summary>The file as messages name it: as configured, a relative path relative to the content root.</summary>
    public string DisplayPath { get; }

    /// <summary>Creates the folder and the file, switches to WAL, applies migrations and marks the runs a
    /// previous process left queued or running as interrupted. Idempotent; throws <see cref="RunStoreException"/>.</summary>
    public void Open()
    {
        if (_opened) return;
        lock (_openGate)
        {
            if (_opened) return;
            try
            {
                if (FilePath is not null) Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
                else if (!_dialect.IsShared)
                {
                    // "Mode=Memory;Cache=Shared": one database for every connection of this store, kept for its lifetime.
                    _keepAlive = _dialect.Open();
                }
                using var connection = _dialect.Open();
                if (!_dialect.IsShared) Execute(connection, "PRAGMA journal_mode = WAL");
                Migrate(connection);
                int interrupted = MarkInterrupted(connection);
                if (interrupted > 0) _logger.LogWarning("{Count} run(s) were left unfinished by the last process; marked interrupted", interrupted);
                _logger.LogInformation("Run store {Path} open (schema version {Version})", DisplayPath, StoreMigrations.All.Count);
                _opened = true;
            }
            catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new RunStoreException(DisplayPath, Reason(e), e);
            }
        }
    }

    /// <summary>The newest <paramref name="count"/> runs, oldest first, records not read.</summary>
    public IReadOnlyList<LiveRun> LoadNewest(int count)
    {
        using var connection = Connect();
        using var command = Command(connection, $"""
            SELECT {RunColumns}, (SELECT max(last_step) FROM record_chunks WHERE run = runs.seq), worker
            FROM runs ORDER BY created_at DESC, seq DESC LIMIT $count
            """, ("$count", count));
        using var reader = command.ExecuteReader();
        var runs = new List<LiveRun>();
        while (reader.Read())
        {
            try
            {
                var stored = ReadRun(reader);
                if (stored.IsFinished) runs.Add(Restored(stored, reader.IsDBNull(14) ? 0 : reader.GetInt32(14)));
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
            {
                _logger.LogWarning(e, "Stored run {Id} cannot be read; it is left out", reader.GetString(0));   // one bad row must not stop the server
            }
        }
        runs.Reverse();
        return runs;
    }

    public LiveRun? Find(string id) =>
        // Unfinished rows belong to a live run, which the registry holds in memory.
        ReadRow(id) is var (stored, lastStep) && stored.IsFinished ? Restored(stored, lastStep) : null;

    /// <summary>A run whatever its state, as far as it is written (a shared store: a run another instance is
    /// training); records read on first access; null for an unknown id.</summary>
    public LiveRun? FindWritten(string id) =>
        ReadRow(id) is var (stored, lastStep) ? LiveRun.Elsewhere(stored, lastStep, () => LoadRecords(stored.Id)) : null;

    // A run's row and the last step its records reach.
    private (StoredRun Run, int LastStep)? ReadRow(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, $"""
            SELECT {RunColumns}, (SELECT max(last_step) FROM record_chunks WHERE run = runs.seq), worker FROM runs WHERE id = $id
            """, ("$id", id));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return (ReadRun(reader), reader.IsDBNull(14) ? 0 : reader.GetInt32(14));
    }

    public bool Contains(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, "SELECT 1 FROM runs WHERE id = $id", ("$id", id));
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Every record of a run, in step (epoch) order; empty for an unknown id.</summary>
    public RunRecorder LoadRecords(string id)
    {
        var records = new RunRecorder();
        using var connection = Connect();
        if (Seq(connection, id) is { } seq)
        {
            foreach (var (data, count, take) in Chunks(connection, seq)) RecordChunk.ReadRecords(data, count, take, records.Batches);
            records.Epochs.AddRange(LoadEpochs(connection, id));
        }
        return records;
    }

    /// <summary>What a chart needs of a run's batches, column-wise: step, epoch, seconds (NaN where not recorded),
    /// loss and step size; null for an unknown run.</summary>
    public BatchColumns? LoadBatchColumns(string id)
    {
        using var connection = Connect();
        if (Seq(connection, id) is not { } seq) return null;
        var chunks = Chunks(connection, seq);
        var columns = new BatchColumns(chunks.Sum(c => c.Take));
        foreach (var (data, count, take) in chunks)
        {
            RecordChunk.ReadColumns(data, count, take, columns, columns.Count);
            columns.Count += take;
        }
        return columns;
    }

    private static long? Seq(DbConnection connection, string id)
    {
        using var command = Command(connection, "SELECT seq FROM runs WHERE id = $id", ("$id", id));
        return command.ExecuteScalar() is long seq ? seq : null;
    }

    // A run's chunks in step order, each with how many of its records to take: all of them, but for the steps a
    // later write (a chunk starting further on) holds again. A malformed chunk is skipped, and logged.
    private List<(byte[] Data, int Count, int Take)> Chunks(DbConnection connection, long seq)
    {
        var chunks = new List<(byte[] Data, int Count, int Take)>();
        using var command = Command(connection, "SELECT first_step, count, records FROM record_chunks WHERE run = $run ORDER BY first_step", ("$run", seq));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (first, count, data) = (reader.GetInt32(0), reader.GetInt32(1), (byte[])reader.GetValue(2));
            if (!RecordChunk.IsValid(data, count) || RecordChunk.Step(data, count, 0) != first)
            {
                _logger.LogWarning("A chunk of {Count} records of run #{Run} from step {Step} is malformed; it is left out", count, seq, first);
                continue;
            }
            if (chunks.Count > 0 && chunks[^1] is var previous)
                chunks[^1] = previous with { Take = RecordChunk.CountBelow(previous.Data, previous.Count, first) };
            chunks.Add((data, count, count));
        }
        return chunks;
    }

    /// <summary>A run's per-epoch records (small: one per epoch).</summary>
    public IReadOnlyList<EpochRecord> LoadEpochs(string id)
    {
        using var connection = Connect();
        return LoadEpochs(connection, id);
    }

    private static List<EpochRecord> LoadEpochs(DbConnection connection, string id)
    {
        var epochs = new List<EpochRecord>();
        using var command = Command(connection, """
            SELECT e.epoch, e.loss, e.parameters, e.val_loss FROM epochs e JOIN runs r ON r.seq = e.run WHERE r.id = $id ORDER BY e.epoch
            """, ("$id", id));
        using var reader = command.ExecuteReader();
        while (reader.Read())
            epochs.Add(new EpochRecord(reader.GetInt32(0), Real(reader, 1), Doubles(reader, 2))
            {
                ValLoss = reader.IsDBNull(3) ? null : reader.GetFieldType(3) == typeof(string) ? double.NaN : reader.GetDouble(3),
            });
        return epochs;
    }

    /// <summary>Writes run rows (insert or update) and records in one transaction, with one prepared statement
    /// per table; a run's new batch records become one <see cref="RecordChunk"/>. Records of a run with no row (deleted
    /// meanwhile) are skipped. A write replaces the chunks that start within its steps (a retry of a failed one).</summary>
    public void Write(IReadOnlyList<RunWrite> writes)
    {
        if (writes.Count == 0) return;
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        using var upsert = Prepare(connection, transaction, $"""
            INSERT INTO runs ({RunColumns}, label, instance, worker)
            VALUES ($id, $launch_id, $experiment_id, $request, $status, $message, $created_at, $started_at, $finished_at,
                    $total_steps, $parameter_names, $summary, $tags, $note, $label, $instance, $worker)
            ON CONFLICT (id) DO UPDATE SET
                launch_id = excluded.launch_id, experiment_id = excluded.experiment_id, request = excluded.request,
                status = excluded.status, message = excluded.message, created_at = excluded.created_at,
                started_at = excluded.started_at, finished_at = excluded.finished_at, total_steps = excluded.total_steps,
                parameter_names = excluded.parameter_names, summary = excluded.summary, tags = excluded.tags,
                note = excluded.note, label = excluded.label, worker = excluded.worker
            RETURNING seq
            """, "$id", "$launch_id", "$experiment_id", "$request", "$status", "$message", "$created_at", "$started_at",
            "$finished_at", "$total_steps", "$parameter_names", "$summary", "$tags", "$note", "$label", "$instance", "$worker");
        using var lookup = Prepare(connection, transaction, "SELECT seq FROM runs WHERE id = $id", "$id");
        // A write's records as one chunk; chunks it re-writes (a retry) go first.
        using var replaced = Prepare(connection, transaction, """
            DELETE FROM record_chunks WHERE run = $run AND first_step BETWEEN $first_step AND $last_step
            """, "$run", "$first_step", "$last_step");
        using var chunk = Prepare(connection, transaction, """
            INSERT INTO record_chunks (run, first_step, last_step, count, records) VALUES ($run, $first_step, $last_step, $count, $records)
            """, "$run", "$first_step", "$last_step", "$count", "$records");
        using var epoch = Prepare(connection, transaction, """
            INSERT INTO epochs (run, epoch, loss, parameters, val_loss) VALUES ($run, $epoch, $loss, $parameters, $val_loss)
            ON CONFLICT (run, epoch) DO UPDATE SET loss = excluded.loss, parameters = excluded.parameters, val_loss = excluded.val_loss
            """, "$run", "$epoch", "$loss", "$parameters", "$val_loss");

        foreach (var write in writes)
        {
            object? seq;
            if (write.Run is { } run)
            {
                Bind(upsert, run.Id, run.LaunchId, run.ExperimentId, Serialize(run.Request), StatusText(run.Status), run.Message,
                    Time(run.CreatedAt), Time(run.StartedAt), Time(run.FinishedAt), run.TotalSteps, Serialize(run.ParameterNames),
                    run.Summary is null ? null : Serialize(run.Summary), Serialize(run.Tags), run.Note, run.Request.Label, Instance, run.Worker);
                seq = upsert.ExecuteScalar();
            }
            else
            {
                Bind(lookup, write.RunId);
                seq = lookup.ExecuteScalar();
            }
            if (seq is null) continue;
            if (write.Batches is [var firstBatch, ..] && write.Batches[^1] is var lastBatch)
            {
                Bind(replaced, seq, firstBatch.Step, lastBatch.Step);
                replaced.ExecuteNonQuery();
                Bind(chunk, seq, firstBatch.Step, lastBatch.Step, write.Batches.Count, RecordChunk.Pack(write.Batches));
                chunk.ExecuteNonQuery();
            }
            var ep = epoch.Parameters;
            ep[0].Value = seq;
            foreach (var e in write.Epochs)
            {
                (ep[1].Value, ep[2].Value, ep[3].Value, ep[4].Value) = (e.Epoch, Real(e.Loss), Blob(e.Parameters), ValLoss(e.ValLoss));
                epoch.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    /// <summary>One page of the stored runs and ensembles (every run, live ones included: their rows are written as
    /// they stream; an ensemble is one row).</summary>
    public RunPage Query(RunQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            string like = "%" + query.Search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            where.Add("""
                (id LIKE $q ESCAPE '\' OR coalesce(label, '') LIKE $q ESCAPE '\' OR coalesce(experiment_id, '') LIKE $q ESCAPE '\'
                 OR coalesce(problem, '') LIKE $q ESCAPE '\' OR coalesce(optimizer, '') LIKE $q ESCAPE '\'
                 OR tags LIKE $q ESCAPE '\' OR coalesce(note, '') LIKE $q ESCAPE '\' OR (kind = 1 AND 'ensemble' LIKE $q ESCAPE '\'))
                """.Replace(" LIKE ", $" {_dialect.Like} "));
            parameters.Add(("$q", like));
        }
        if (query.Status is { } status)
        {
            where.Add("status = $status");
            parameters.Add(("$status", StatusText(status)));
        }
        string filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        string order = query.Sort switch
        {
            RunSort.Experiment => "coalesce(experiment_id, '')",
            RunSort.Problem => "problem",
            RunSort.Optimizer => "optimizer",
            RunSort.Batch => "batch",
            RunSort.Seed => "seed",
            RunSort.Status => "status",
            RunSort.FinalLoss => _dialect.JsonNumber("summary", "finalLoss"),
            RunSort.Duration => _dialect.Seconds("started_at", "finished_at"),
            _ => "created_at",
        };
        string direction = query.Descending ? "DESC" : "ASC";
        int take = Math.Clamp(query.Take, 1, RunQuery.MaxTake);

        using var connection = Connect();
        using var count = Command(connection, $"WITH listed AS ({Listed()}) SELECT count(*) FROM listed {filter}", [.. parameters]);
        int total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        using var command = Command(connection, $"""
            WITH listed AS ({Listed()})
            SELECT id, label, experiment_id, problem, optimizer, batch, seed, status, message,
                   CASE kind WHEN 0 THEN coalesce((SELECT max(last_step) FROM record_chunks WHERE run = listed.seq), 0) ELSE 0 END,
                   total_steps, {_dialect.JsonText("summary", "finalLoss")}, started_at, finished_at, created_at, tags, note,
                   seeds, configurations, vary, worker
            FROM listed {filter}
            ORDER BY {order} IS NULL, {order} {direction}, created_at {direction}, kind {direction}, seq {direction}
            LIMIT $take OFFSET $skip
            """, [.. parameters, ("$take", take), ("$skip", Math.Max(0, query.Skip))]);
        using var reader = command.ExecuteReader();
        var rows = new List<RunRow>();
        while (reader.Read())
        {
            try
            {
                rows.Add(new RunRow(reader.GetString(0), Text(reader, 1), Text(reader, 2), Text(reader, 3) ?? "", Text(reader, 4) ?? "",
                    reader.IsDBNull(5) ? 0 : reader.GetInt32(5), reader.IsDBNull(6) ? 0 : reader.GetInt32(6),
                    Enum.Parse<RunStatus>(reader.GetString(7), ignoreCase: true), Text(reader, 8), reader.GetInt32(9), reader.GetInt32(10),
                    Loose(reader, 11), Text(reader, 12) is { } started && Text(reader, 13) is { } finished
                        ? (ParseTime(finished) - ParseTime(started)).TotalSeconds : null,
                    ParseTime(reader.GetString(14)), Deserialize<string[]>(reader.GetString(15)), Text(reader, 16))
                {
                    Worker = Text(reader, 20),
                    Ensemble = reader.IsDBNull(17) ? null
                        : new EnsembleRow(reader.GetInt32(17), reader.GetInt32(18), Deserialize<SeedVariation>(reader.GetString(19))),
                });
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
            {
                _logger.LogWarning(e, "Stored run {Id} cannot be read; it is left out", reader.GetString(0));
            }
        }
        return new(rows, total);
    }

    // Runs and ensembles as one list: an ensemble is one row (no label, batch, seed, steps or tags of its own; its
    // optimizers comma-separated; its duration from creation to end).
    // Diverged runs have "NaN" or "Infinity" (strings) as their final loss: sorting by it, they go last, as NULLs do.
    private string Listed() => $"""
        SELECT 0 AS kind, seq, id, label, experiment_id, {_dialect.JsonText("request", "problem")} AS problem,
               {_dialect.JsonText("request", "optimizer")} AS optimizer, {_dialect.JsonInt("request", "batchSize")} AS batch,
               {_dialect.JsonInt("request", "seed")} AS seed, status, message, total_steps, summary, started_at, finished_at,
               created_at, tags, note, NULL AS seeds, NULL AS configurations, NULL AS vary, worker
        FROM runs
        UNION ALL
        SELECT 1, seq, id, NULL, experiment_id, problem, {_dialect.JsonJoin("optimizers")},
               NULL, NULL, status, message, 0, NULL, created_at, finished_at, created_at, '[]', NULL, seeds, configurations, vary, NULL
        FROM ensembles
        """;

    // A JSON number, or one of PolyakJson's named literals.
    private static double? Loose(DbDataReader r, int i) => r.IsDBNull(i) ? null
        : r.GetFieldType(i) == typeof(string) ? double.Parse(r.GetString(i), NumberStyles.Float, CultureInfo.InvariantCulture)
        : r.GetDouble(i);

    /// <summary>Deletes a run and its records; false for an unknown id.</summary>
    public bool Delete(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, "DELETE FROM runs WHERE id = $id", ("$id", id));
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>How many batch and epoch records a run has (tests and diagnostics).</summary>
    public (int Batches, int Epochs) CountRecords(string id)
    {
        using var connection = Connect();
        if (Seq(connection, id) is not { } seq) return (0, 0);
        using var epochs = Command(connection, "SELECT count(*) FROM epochs WHERE run = $run", ("$run", seq));
        return (Chunks(connection, seq).Sum(c => c.Take), Convert.ToInt32(epochs.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    /// <summary>Releases the pooled connections to the file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        _dialect.Dispose();
        _keepAlive?.Dispose();
    }

    private LiveRun Restored(StoredRun stored, int step) => new(stored, step, () => LoadRecords(stored.Id));

    /// <summary>An open connection to the store (opened and migrated first).</summary>
    internal DbConnection Connect()
    {
        Open();
        var connection = _dialect.Open();
        // WAL: a crash loses no committed write; power loss the last few
        if (!_dialect.IsShared) Execute(connection, "PRAGMA synchronous = NORMAL");
        return connection;
    }

    private void Migrate(DbConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        // Instances starting together on a shared store migrate one after the other (the lock ends with the transaction).
        if (_dialect.IsShared) Execute(connection, "SELECT pg_advisory_xact_lock(7316051)", transaction);
        Execute(connection, _dialect.SchemaVersionTable, transaction);
        using var current = Command(connection, "SELECT coalesce(max(version), 0) FROM schema_version");
        current.Transaction = transaction;
        int version = Convert.ToInt32(current.ExecuteScalar(), CultureInfo.InvariantCulture);
        var migrations = StoreMigrations.All;
        if (version > migrations.Count)
            throw new InvalidDataException($"it has schema version {version}, newer than this build knows ({migrations.Count}): it was written by a newer version of the dashboard");
        for (int v = version + 1; v <= migrations.Count; v++)
        {
            Execute(connection, _dialect.IsShared ? migrations[v - 1].Postgres : migrations[v - 1].Sql, transaction);
            migrations[v - 1].Then?.Invoke(connection, transaction);
            using var record = Command(connection, "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at)",
                ("$v", v), ("$at", Time(DateTimeOffset.UtcNow)));
            record.Transaction = transaction;
            record.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    // A file has one writer: everything left unfinished is this instance's. A shared store: only this instance's rows.
    private int MarkInterrupted(DbConnection connection)
    {
        string mine = _dialect.IsShared ? "AND instance = $instance" : "";
        using var command = Command(connection, $"""
            UPDATE runs SET status = 'interrupted', message = CASE status WHEN 'queued' THEN $queued ELSE $running END
            WHERE status IN ('queued', 'running') {mine}
            """, ("$queued", QueuedMessage), ("$running", RunningMessage), ("$instance", Instance));
        using var ensembles = Command(connection, $"""
            UPDATE ensembles SET status = 'interrupted', message = $running WHERE status IN ('queued', 'running') {mine}
            """, ("$running", EnsembleRunningMessage), ("$instance", Instance));
        return command.ExecuteNonQuery() + ensembles.ExecuteNonQuery();
    }

    private static StoredRun ReadRun(DbDataReader r) => new(
        Id: r.GetString(0), LaunchId: r.GetString(1), ExperimentId: Text(r, 2),
        Request: Deserialize<RunRequest>(r.GetString(3)), Status: Enum.Parse<RunStatus>(r.GetString(4), ignoreCase: true),
        Message: Text(r, 5), CreatedAt: ParseTime(r.GetString(6)), StartedAt: Text(r, 7) is { } s ? ParseTime(s) : null,
        FinishedAt: Text(r, 8) is { } f ? ParseTime(f) : null, TotalSteps: r.GetInt32(9),
        ParameterNames: Deserialize<string[]>(r.GetString(10)),
        Summary: Text(r, 11) is { } summary ? Deserialize<RunSummary>(summary) : null,
        Tags: Deserialize<string[]>(r.GetString(12)), Note: Text(r, 13)) { Worker = r.FieldCount > 15 ? Text(r, 15) : null };

    private static string Reason(Exception e) => e.Message.TrimEnd('.');

    // Values as SQLite holds them.
    internal static string StatusText(RunStatus status) => status.ToString().ToLowerInvariant();
    internal static string? Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
    internal static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    internal static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
    internal static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;
    private static object Real(double value) => double.IsNaN(value) ? DBNull.Value : value;     // SQLite has no NaN
    private static double Real(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
    private object ValLoss(double? value) => value is { } v ? _dialect.ValLoss(v) : DBNull.Value;
    internal static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    // Parameters as float64 bytes (little-endian on every platform we build for): exact, NaN included.
    private static object Blob(double[]? values) => values is null ? DBNull.Value : MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    private static double[]? Doubles(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : MemoryMarshal.Cast<byte, double>((byte[])r.GetValue(i)).ToArray();

    internal static void Execute(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = StoreDialect.Sql(connection, sql);
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    internal static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = StoreDialect.Sql(connection, sql);
        foreach (var (name, value) in parameters)
        {
            if (!sql.Contains(name, StringComparison.Ordinal)) continue;     // PostgreSQL refuses a parameter the SQL does not use
            var parameter = command.CreateParameter();
            (parameter.ParameterName, parameter.Value) = (StoreDialect.ParameterName(connection, name), value ?? DBNull.Value);
            command.Parameters.Add(parameter);
        }
        return command;
    }

    internal static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.CommandText = StoreDialect.Sql(connection, sql);
        command.Transaction = transaction;
        foreach (var name in names)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = StoreDialect.ParameterName(connection, name);
            command.Parameters.Add(parameter);
        }
        if (StoreDialect.PrepareEarly(connection)) command.Prepare();
        return command;
    }

    internal static void Bind(DbCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }
}
