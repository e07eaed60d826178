namespace PolyakDashboard.Storage;

/// <summary>The run store's schema, as an ordered list of scripts: a database at version n gets scripts
/// n+1… at start-up, in one transaction, and <c>schema_version</c> gets a row per script applied.</summary>
/// <remarks>Never edit a script that has shipped; append a new one.</remarks>
internal static class StoreMigrations
{
    public static IReadOnlyList<string> Scripts { get; } = [V1, V2];

    /// <summary>Runs, per-batch and per-epoch records.</summary>
    /// <remarks>Times are ISO 8601 text in UTC (they sort as text); requests, summaries, parameter names and
    /// tags are JSON text (PolyakJson: NaN and ±Infinity as strings); SQLite has no NaN, so a NULL in a REAL
    /// record column is NaN; parameters are float64 blobs, little-endian. Records refer to their run by its
    /// integer <c>seq</c> (the text id would be repeated in every row).</remarks>
    private const string V1 = """
        CREATE TABLE runs (
            seq             INTEGER PRIMARY KEY,
            id              TEXT NOT NULL UNIQUE,
            launch_id       TEXT NOT NULL,
            experiment_id   TEXT,
            label           TEXT,
            request         TEXT NOT NULL,
            status          TEXT NOT NULL,
            message         TEXT,
            created_at      TEXT NOT NULL,
            started_at      TEXT,
            finished_at     TEXT,
            total_steps     INTEGER NOT NULL,
            parameter_names TEXT NOT NULL,
            summary         TEXT,
            tags            TEXT NOT NULL DEFAULT '[]',
            note            TEXT
        ) STRICT;
        CREATE INDEX runs_created_at ON runs (created_at);
        CREATE INDEX runs_status ON runs (status);

        CREATE TABLE batches (
            run             INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            step            INTEGER NOT NULL,
            epoch           INTEGER NOT NULL,
            loss            REAL,
            step_size       REAL,
            grad_norm_sq    REAL,
            effective_step  REAL,
            evaluations     INTEGER NOT NULL,
            parameters      BLOB,
            PRIMARY KEY (run, step)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE epochs (
            run             INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            epoch           INTEGER NOT NULL,
            loss            REAL,
            parameters      BLOB,
            PRIMARY KEY (run, epoch)
        ) STRICT, WITHOUT ROWID;
        """;

    /// <summary>Wall time of each batch (seconds since the run started; NULL for runs recorded before it was kept)
    /// and the validation loss of each epoch: NULL when the problem has no held-out data, so a NaN (a diverged
    /// model) cannot be NULL as in the other columns; the column is ANY and holds it as the text 'NaN'.</summary>
    /// <remarks><c>batch_chunks</c> holds, for each write of a run's batches, the columns a chart needs (step, epoch,
    /// seconds, loss, step size) packed in one blob: a million records load in tens of milliseconds instead of
    /// a second of row-by-row reading. Runs written before it have no chunks and are read row by row.</remarks>
    private const string V2 = """
        ALTER TABLE batches ADD COLUMN seconds REAL;
        ALTER TABLE epochs ADD COLUMN val_loss ANY;
        CREATE TABLE batch_chunks (
            run             INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            first_step      INTEGER NOT NULL,
            count           INTEGER NOT NULL,
            columns         BLOB NOT NULL,
            PRIMARY KEY (run, first_step)
        ) STRICT;
        """;
}
