using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Storage;

/// <summary>The run store cannot be used at all (corrupt, locked, unreadable, from a newer version).</summary>
public sealed class RunStoreException(string path, string reason, Exception? inner = null)
    : Exception($"The run store {path} cannot be opened: {reason}. Move it aside or set ConnectionStrings:Runs.", inner);

/// <summary>What one flush writes for one run: its row (when it changed) and its new records.</summary>
public sealed record RunWrite(string RunId, StoredRun? Run, IReadOnlyList<BatchRecord> Batches, IReadOnlyList<EpochRecord> Epochs);

/// <summary>Runs and their records in SQLite: one file in WAL mode ("ConnectionStrings:Runs", default
/// <c>Data Source=data/runs.db</c> under the content root), created and migrated on first use.</summary>
/// <remarks>Thread-safe; each call opens a pooled connection. Writes are serialized by the caller
/// (<see cref="RunHistory"/>), so SQLite never has two writers of ours to arbitrate.</remarks>
public sealed class RunStore : IRunArchive, IDisposable
{
    public const string DefaultConnectionString = "Data Source=data/runs.db";
    public const string RunningMessage = "The server stopped while this run was running.";
    public const string QueuedMessage = "The server stopped before this run started.";

    // PolyakJson, compact; rows written by an older build may carry a field this one no longer has.
    private static readonly JsonSerializerOptions Json = new(PolyakJson.Options)
    {
        WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private const string RunColumns = """
        id, launch_id, experiment_id, request, status, message, created_at, started_at, finished_at,
        total_steps, parameter_names, summary, tags, note
        """;

    private readonly string _connectionString;
    private readonly ILogger<RunStore> _logger;
    private readonly Lock _openGate = new();
    private volatile bool _opened;

    public RunStore(IConfiguration configuration, IHostEnvironment environment, ILogger<RunStore> logger)
    {
        _logger = logger;
        var builder = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Runs") ?? DefaultConnectionString);
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
        _connectionString = builder.ToString();
    }

    /// <summary>The database file (null for an in-memory store).</summary>
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
                using var connection = new SqliteConnection(_connectionString);
                connection.Open();
                Execute(connection, "PRAGMA journal_mode = WAL");
                Migrate(connection);
                int interrupted = MarkInterrupted(connection);
                if (interrupted > 0) _logger.LogWarning("{Count} run(s) were left unfinished by the last process; marked interrupted", interrupted);
                _logger.LogInformation("Run store {Path} open (schema version {Version})", DisplayPath, StoreMigrations.Scripts.Count);
                _opened = true;
            }
            catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or InvalidDataException)
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
            SELECT {RunColumns}, (SELECT max(step) FROM batches WHERE run = runs.seq)
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

    public LiveRun? Find(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, $"""
            SELECT {RunColumns}, (SELECT max(step) FROM batches WHERE run = runs.seq) FROM runs WHERE id = $id
            """, ("$id", id));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        var stored = ReadRun(reader);
        // Unfinished rows belong to a live run, which the registry holds in memory.
        return stored.IsFinished ? Restored(stored, reader.IsDBNull(14) ? 0 : reader.GetInt32(14)) : null;
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
        using (var command = Command(connection, """
            SELECT b.step, b.epoch, b.loss, b.step_size, b.grad_norm_sq, b.effective_step, b.evaluations, b.parameters, b.seconds
            FROM batches b JOIN runs r ON r.seq = b.run WHERE r.id = $id ORDER BY b.step
            """, ("$id", id)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                records.Batches.Add(new BatchRecord(reader.GetInt32(0), reader.GetInt32(1), Real(reader, 2), Real(reader, 3),
                    Real(reader, 4), Real(reader, 5), reader.GetInt32(6), Doubles(reader, 7)) { Seconds = Real(reader, 8) });
        }
        records.Epochs.AddRange(LoadEpochs(connection, id));
        return records;
    }

    /// <summary>What a chart needs of a run's batches, column-wise: step, epoch, seconds (NaN where not recorded),
    /// loss and step size; null for an unknown run.</summary>
    /// <remarks>Read from <c>batch_chunks</c>, the same columns packed into one blob per write (a million records are
    /// a few dozen blobs, read in tens of milliseconds); runs stored before chunks existed (schema version 1) fall back
    /// to reading those columns row by row from <c>batches</c> (about ten times slower: a second or more per million).</remarks>
    public BatchColumns? LoadBatchColumns(string id)
    {
        using var connection = Connect();
        // count(*) walks the run's rows inside SQLite (a tenth of reading them out); it tells whether the chunks hold every record.
        using var find = Command(connection, """
            SELECT r.seq, (SELECT min(step) FROM batches WHERE run = r.seq), (SELECT max(step) FROM batches WHERE run = r.seq),
                   (SELECT count(*) FROM batches WHERE run = r.seq)
            FROM runs r WHERE r.id = $id
            """, ("$id", id));
        long seq;
        int first, last, rows;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read()) return null;
            if (reader.IsDBNull(1)) return new BatchColumns(0);
            (seq, first, last, rows) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
        }
        return FromChunks(connection, seq, first, last, rows) ?? FromRows(connection, seq, rows);
    }

    // The chunks, if they hold every record (as many, from the first step to the last, in order); else null.
    private static BatchColumns? FromChunks(SqliteConnection connection, long seq, int first, int last, int rows)
    {
        var chunks = new List<(int First, int Count, byte[] Data)>();
        int total = 0;
        using (var command = Command(connection, "SELECT first_step, count, columns FROM batch_chunks WHERE run = $run ORDER BY first_step", ("$run", seq)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var chunk = (reader.GetInt32(0), reader.GetInt32(1), (byte[])reader.GetValue(2));
                if (chunk.Item3.Length != chunk.Item2 * ChunkRecordBytes) return null;
                chunks.Add(chunk);
                total += chunk.Item2;
            }
        }
        if (chunks.Count == 0 || chunks[0].First != first || total != rows) return null;
        var columns = new BatchColumns(total) { Count = total };
        int at = 0, previous = int.MinValue;
        foreach (var (_, count, data) in chunks)
        {
            var ints = MemoryMarshal.Cast<byte, int>(data.AsSpan(0, 8 * count));
            var doubles = MemoryMarshal.Cast<byte, double>(data.AsSpan(8 * count));
            ints[..count].CopyTo(columns.Step.AsSpan(at));
            ints[count..].CopyTo(columns.Epoch.AsSpan(at));
            doubles[..count].CopyTo(columns.Seconds.AsSpan(at));
            doubles.Slice(count, count).CopyTo(columns.Loss.AsSpan(at));
            doubles.Slice(2 * count, count).CopyTo(columns.StepSize.AsSpan(at));
            if (count > 0 && columns.Step[at] <= previous) return null;      // overlapping chunks: not ours to untangle
            at += count;
            if (at > 0) previous = columns.Step[at - 1];
        }
        return previous == last ? columns : null;
    }

    private static BatchColumns FromRows(SqliteConnection connection, long seq, int n)
    {
        var columns = new BatchColumns(n);
        using var command = Command(connection, """
            SELECT step, epoch, seconds, loss, step_size FROM batches WHERE run = $run ORDER BY step
            """, ("$run", seq));
        using var reader = command.ExecuteReader();
        int i = 0;
        while (i < n && reader.Read())
        {
            columns.Step[i] = reader.GetInt32(0);
            columns.Epoch[i] = reader.GetInt32(1);
            columns.Seconds[i] = Real(reader, 2);
            columns.Loss[i] = Real(reader, 3);
            columns.StepSize[i] = Real(reader, 4);
            i++;
        }
        columns.Count = i;
        return columns;
    }

    // A chunk: step and epoch as int32, then seconds, loss and step size as float64, each column whole (NaN kept).
    private const int ChunkRecordBytes = 2 * sizeof(int) + 3 * sizeof(double);

    private static byte[] Chunk(IReadOnlyList<BatchRecord> batches)
    {
        int n = batches.Count;
        var data = new byte[n * ChunkRecordBytes];
        var ints = MemoryMarshal.Cast<byte, int>(data.AsSpan(0, 8 * n));
        var doubles = MemoryMarshal.Cast<byte, double>(data.AsSpan(8 * n));
        for (int i = 0; i < n; i++)
        {
            var b = batches[i];
            (ints[i], ints[n + i]) = (b.Step, b.Epoch);
            (doubles[i], doubles[n + i], doubles[2 * n + i]) = (b.Seconds, b.Loss, b.StepSize);
        }
        return data;
    }

    /// <summary>A run's per-epoch records (small: one per epoch).</summary>
    public IReadOnlyList<EpochRecord> LoadEpochs(string id)
    {
        using var connection = Connect();
        return LoadEpochs(connection, id);
    }

    private static List<EpochRecord> LoadEpochs(SqliteConnection connection, string id)
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
    /// per table. Records of a run with no row (deleted meanwhile) are skipped. Re-writing a record replaces it.</summary>
    public void Write(IReadOnlyList<RunWrite> writes)
    {
        if (writes.Count == 0) return;
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        using var upsert = Prepare(connection, transaction, $"""
            INSERT INTO runs ({RunColumns}, label)
            VALUES ($id, $launch_id, $experiment_id, $request, $status, $message, $created_at, $started_at, $finished_at,
                    $total_steps, $parameter_names, $summary, $tags, $note, $label)
            ON CONFLICT (id) DO UPDATE SET
                launch_id = excluded.launch_id, experiment_id = excluded.experiment_id, request = excluded.request,
                status = excluded.status, message = excluded.message, created_at = excluded.created_at,
                started_at = excluded.started_at, finished_at = excluded.finished_at, total_steps = excluded.total_steps,
                parameter_names = excluded.parameter_names, summary = excluded.summary, tags = excluded.tags,
                note = excluded.note, label = excluded.label
            RETURNING seq
            """, "$id", "$launch_id", "$experiment_id", "$request", "$status", "$message", "$created_at", "$started_at",
            "$finished_at", "$total_steps", "$parameter_names", "$summary", "$tags", "$note", "$label");
        using var lookup = Prepare(connection, transaction, "SELECT seq FROM runs WHERE id = $id", "$id");
        using var batch = Prepare(connection, transaction, """
            INSERT OR REPLACE INTO batches (run, step, epoch, loss, step_size, grad_norm_sq, effective_step, evaluations, parameters, seconds)
            VALUES ($run, $step, $epoch, $loss, $step_size, $grad_norm_sq, $effective_step, $evaluations, $parameters, $seconds)
            """, "$run", "$step", "$epoch", "$loss", "$step_size", "$grad_norm_sq", "$effective_step", "$evaluations", "$parameters", "$seconds");
        using var chunk = Prepare(connection, transaction, """
            INSERT OR REPLACE INTO batch_chunks (run, first_step, count, columns) VALUES ($run, $first_step, $count, $columns)
            """, "$run", "$first_step", "$count", "$columns");
        using var epoch = Prepare(connection, transaction, """
            INSERT OR REPLACE INTO epochs (run, epoch, loss, parameters, val_loss) VALUES ($run, $epoch, $loss, $parameters, $val_loss)
            """, "$run", "$epoch", "$loss", "$parameters", "$val_loss");

        foreach (var write in writes)
        {
            object? seq;
            if (write.Run is { } run)
            {
                Bind(upsert, run.Id, run.LaunchId, run.ExperimentId, Serialize(run.Request), StatusText(run.Status), run.Message,
                    Time(run.CreatedAt), Time(run.StartedAt), Time(run.FinishedAt), run.TotalSteps, Serialize(run.ParameterNames),
                    run.Summary is null ? null : Serialize(run.Summary), Serialize(run.Tags), run.Note, run.Request.Label);
                seq = upsert.ExecuteScalar();
            }
            else
            {
                Bind(lookup, write.RunId);
                seq = lookup.ExecuteScalar();
            }
            if (seq is null) continue;
            var (bp, ep) = (batch.Parameters, epoch.Parameters);
            bp[0].Value = ep[0].Value = seq;
            foreach (var b in write.Batches)
            {
                (bp[1].Value, bp[2].Value, bp[3].Value, bp[4].Value) = (b.Step, b.Epoch, Real(b.Loss), Real(b.StepSize));
                (bp[5].Value, bp[6].Value, bp[7].Value, bp[8].Value) = (Real(b.GradNormSq), Real(b.EffectiveStep), b.Evaluations, Blob(b.Parameters));
                bp[9].Value = Real(b.Seconds);
                batch.ExecuteNonQuery();
            }
            if (write.Batches.Count > 0)
            {
                Bind(chunk, seq, write.Batches[0].Step, write.Batches.Count, Chunk(write.Batches));
                chunk.ExecuteNonQuery();
            }
            foreach (var e in write.Epochs)
            {
                (ep[1].Value, ep[2].Value, ep[3].Value, ep[4].Value) = (e.Epoch, Real(e.Loss), Blob(e.Parameters), ValLoss(e.ValLoss));
                epoch.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    /// <summary>One page of the stored runs (every run, live ones included: their rows are written as they stream).</summary>
    public RunPage Query(RunQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            string like = "%" + query.Search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            where.Add("""
                (id LIKE $q ESCAPE '\' OR coalesce(label, '') LIKE $q ESCAPE '\' OR coalesce(experiment_id, '') LIKE $q ESCAPE '\'
                 OR coalesce(json_extract(request, '$.problem'), '') LIKE $q ESCAPE '\'
                 OR coalesce(json_extract(request, '$.optimizer'), '') LIKE $q ESCAPE '\'
                 OR tags LIKE $q ESCAPE '\' OR coalesce(note, '') LIKE $q ESCAPE '\')
                """);
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
            RunSort.Problem => "json_extract(request, '$.problem')",
            RunSort.Optimizer => "json_extract(request, '$.optimizer')",
            RunSort.Batch => "json_extract(request, '$.batchSize')",
            RunSort.Seed => "json_extract(request, '$.seed')",
            RunSort.Status => "status",
            RunSort.FinalLoss => FinalLossSql,
            RunSort.Duration => DurationSql,
            _ => "created_at",
        };
        string direction = query.Descending ? "DESC" : "ASC";
        int take = Math.Clamp(query.Take, 1, RunQuery.MaxTake);

        using var connection = Connect();
        using var count = Command(connection, $"SELECT count(*) FROM runs {filter}", [.. parameters]);
        int total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        using var command = Command(connection, $"""
            SELECT id, label, experiment_id, json_extract(request, '$.problem'), json_extract(request, '$.optimizer'),
                   json_extract(request, '$.batchSize'), json_extract(request, '$.seed'), status, message,
                   coalesce((SELECT max(step) FROM batches WHERE run = runs.seq), 0), total_steps,
                   json_extract(summary, '$.finalLoss'), started_at, finished_at, created_at, tags, note
            FROM runs {filter}
            ORDER BY {order} IS NULL, {order} {direction}, created_at {direction}, seq {direction}
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
                    ParseTime(reader.GetString(14)), Deserialize<string[]>(reader.GetString(15)), Text(reader, 16)));
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
            {
                _logger.LogWarning(e, "Stored run {Id} cannot be read; it is left out", reader.GetString(0));
            }
        }
        return new(rows, total);
    }

    // Diverged runs have "NaN" or "Infinity" (strings) as their final loss: they sort last, as NULLs do.
    private const string FinalLossSql = "CASE WHEN json_type(summary, '$.finalLoss') IN ('real', 'integer') THEN json_extract(summary, '$.finalLoss') END";
    private const string DurationSql = "(julianday(finished_at) - julianday(started_at))";     // for sorting only

    // A JSON number, or one of PolyakJson's named literals.
    private static double? Loose(SqliteDataReader r, int i) => r.IsDBNull(i) ? null
        : r.GetFieldType(i) == typeof(string) ? double.Parse(r.GetString(i), NumberStyles.Float, CultureInfo.InvariantCulture)
        : r.GetDouble(i);

    /// <summary>Deletes a run and its records; false for an unknown id.</summary>
    public bool Delete(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, "DELETE FROM runs WHERE id = $id", ("$id", id));
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Row counts of a run's records (tests and diagnostics).</summary>
    public (int Batches, int Epochs) CountRecords(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, """
            SELECT (SELECT count(*) FROM batches WHERE run = r.seq), (SELECT count(*) FROM epochs WHERE run = r.seq)
            FROM runs r WHERE r.id = $id
            """, ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), reader.GetInt32(1)) : (0, 0);
    }

    /// <summary>Releases the pooled connections to the file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private LiveRun Restored(StoredRun stored, int step) => new(stored, step, () => LoadRecords(stored.Id));

    private SqliteConnection Connect()
    {
        Open();
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous = NORMAL");   // WAL: a crash loses no committed write; power loss the last few
        return connection;
    }

    private static void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT", transaction);
        using var current = Command(connection, "SELECT coalesce(max(version), 0) FROM schema_version");
        current.Transaction = transaction;
        int version = Convert.ToInt32(current.ExecuteScalar(), CultureInfo.InvariantCulture);
        var scripts = StoreMigrations.Scripts;
        if (version > scripts.Count)
            throw new InvalidDataException($"it has schema version {version}, newer than this build knows ({scripts.Count}): it was written by a newer version of the dashboard");
        for (int v = version + 1; v <= scripts.Count; v++)
        {
            Execute(connection, scripts[v - 1], transaction);
            using var record = Command(connection, "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at)",
                ("$v", v), ("$at", Time(DateTimeOffset.UtcNow)));
            record.Transaction = transaction;
            record.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static int MarkInterrupted(SqliteConnection connection)
    {
        using var command = Command(connection, """
            UPDATE runs SET status = 'interrupted', message = CASE status WHEN 'queued' THEN $queued ELSE $running END
            WHERE status IN ('queued', 'running')
            """, ("$queued", QueuedMessage), ("$running", RunningMessage));
        return command.ExecuteNonQuery();
    }

    private static StoredRun ReadRun(SqliteDataReader r) => new(
        Id: r.GetString(0), LaunchId: r.GetString(1), ExperimentId: Text(r, 2),
        Request: Deserialize<RunRequest>(r.GetString(3)), Status: Enum.Parse<RunStatus>(r.GetString(4), ignoreCase: true),
        Message: Text(r, 5), CreatedAt: ParseTime(r.GetString(6)), StartedAt: Text(r, 7) is { } s ? ParseTime(s) : null,
        FinishedAt: Text(r, 8) is { } f ? ParseTime(f) : null, TotalSteps: r.GetInt32(9),
        ParameterNames: Deserialize<string[]>(r.GetString(10)),
        Summary: Text(r, 11) is { } summary ? Deserialize<RunSummary>(summary) : null,
        Tags: Deserialize<string[]>(r.GetString(12)), Note: Text(r, 13));

    private static string Reason(Exception e) => e.Message.TrimEnd('.');

    // Values as SQLite holds them.
    private static string StatusText(RunStatus status) => status.ToString().ToLowerInvariant();
    private static string? Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;
    private static object Real(double value) => double.IsNaN(value) ? DBNull.Value : value;     // SQLite has no NaN
    private static double Real(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
    private static object ValLoss(double? value) => value switch { null => DBNull.Value, double.NaN => "NaN", { } v => v };
    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    // Parameters as float64 bytes (little-endian on every platform we build for): exact, NaN included.
    private static object Blob(double[]? values) => values is null ? DBNull.Value : MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    private static double[]? Doubles(SqliteDataReader r, int i) =>
        r.IsDBNull(i) ? null : MemoryMarshal.Cast<byte, double>((byte[])r.GetValue(i)).ToArray();

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var name in names) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }
}
