using System.Data.Common;
using PolyakCore.Training;

namespace PolyakDashboard.Storage;

/// <summary>One schema change: a script (SQLite's, then PostgreSQL's: the same tables, columns and keys in each one's
/// types), then (when data must be rewritten) code, in the migration's transaction.</summary>
internal sealed record Migration(string Sql, string Postgres, Action<DbConnection, DbTransaction>? Then = null);

/// <summary>The run store's schema, as an ordered list of migrations: a database at version n gets migrations
/// n+1… at start-up, in one transaction, and <c>schema_version</c> gets a row per migration applied.</summary>
/// <remarks>Never edit a migration that has shipped; append a new one.</remarks>
internal static class StoreMigrations
{
    public static IReadOnlyList<Migration> All { get; } =
        [new(V1, PostgresV1), new(V2, PostgresV2), new(V3, PostgresV3, PackRows), new(V4, V4), new(V5, PostgresV5), new(V6, V6), new(V7, V7)];

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

    /// <summary>Batch records as <see cref="RecordChunk"/>s, one row per write: a row and an index entry per record
    /// cost 5 µs a record, which showed on the fastest runs (92 µs steps). <c>last_step</c> answers "how far did the
    /// run get" without opening blobs. Should two chunks of a run overlap, each holds the steps from its
    /// <c>first_step</c> up to the next chunk's.</summary>
    private const string V3 = """
        CREATE TABLE record_chunks (
            run             INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            first_step      INTEGER NOT NULL,
            last_step       INTEGER NOT NULL,
            count           INTEGER NOT NULL,
            records         BLOB NOT NULL,
            PRIMARY KEY (run, first_step)
        ) STRICT;
        """;

    /// <summary>The per-record rows (and the V2 chart chunks, a copy of some of their columns) are gone.</summary>
    private const string V4 = """
        DROP TABLE batch_chunks;
        DROP TABLE batches;
        """;

    /// <summary>Ensembles: one row per group (an experiment's grid over many seeds, computed as one batch), with its
    /// spec, status, timings and its summary document (ensemble.json: spreads, counts, each seed's summary, findings);
    /// one row per configuration with its request, every seed's <c>RunSummary</c>, its well counts and its quantile
    /// curves exactly, as one float64 blob (little-endian; NaN kept): loss p10, median, p90 and step size p10, median,
    /// p90 per step, then the full-data loss p10, median, p90 per epoch. Per-seed records are not kept.</summary>
    private const string V5 = """
        CREATE TABLE ensembles (
            seq             INTEGER PRIMARY KEY,
            id              TEXT NOT NULL UNIQUE,
            experiment_id   TEXT NOT NULL,
            overrides       TEXT NOT NULL,
            seeds           INTEGER NOT NULL,
            vary            TEXT NOT NULL,
            configurations  INTEGER NOT NULL,
            problem         TEXT NOT NULL,
            optimizers      TEXT NOT NULL,
            status          TEXT NOT NULL,
            message         TEXT,
            created_at      TEXT NOT NULL,
            finished_at     TEXT,
            seconds         REAL,
            findings        TEXT NOT NULL DEFAULT '[]',
            summary         TEXT
        ) STRICT;
        CREATE INDEX ensembles_created_at ON ensembles (created_at);

        CREATE TABLE ensemble_configurations (
            ensemble        INTEGER NOT NULL REFERENCES ensembles (seq) ON DELETE CASCADE,
            configuration   INTEGER NOT NULL,
            name            TEXT NOT NULL,
            request         TEXT NOT NULL,
            runs            TEXT NOT NULL,
            wells           TEXT,
            steps           INTEGER NOT NULL,
            epochs          INTEGER NOT NULL,
            curves          BLOB NOT NULL,
            UNIQUE (ensemble, configuration)
        ) STRICT;
        """;

    /// <summary>Which dashboard instance writes a run's or an ensemble's row (a store several instances share: at
    /// start-up an instance marks only its own unfinished rows interrupted).</summary>
    private const string V6 = """
        ALTER TABLE runs ADD COLUMN instance TEXT;
        ALTER TABLE ensembles ADD COLUMN instance TEXT;
        """;

    /// <summary>The worker silo that trained a run (Runs:Engine=orleans); NULL for the dashboard's own process.</summary>
    private const string V7 = "ALTER TABLE runs ADD COLUMN worker TEXT;";

    // PostgreSQL: the same schema. Integers are integer (seq bigint, an identity), REAL double precision (NaN is still
    // written as NULL, as in SQLite, except the validation loss, which holds NaN itself), BLOB bytea; times and JSON stay text.
    private const string PostgresV1 = """
        CREATE TABLE runs (
            seq             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id              text NOT NULL UNIQUE,
            launch_id       text NOT NULL,
            experiment_id   text,
            label           text,
            request         text NOT NULL,
            status          text NOT NULL,
            message         text,
            created_at      text NOT NULL,
            started_at      text,
            finished_at     text,
            total_steps     integer NOT NULL,
            parameter_names text NOT NULL,
            summary         text,
            tags            text NOT NULL DEFAULT '[]',
            note            text
        );
        CREATE INDEX runs_created_at ON runs (created_at);
        CREATE INDEX runs_status ON runs (status);

        CREATE TABLE batches (
            run             bigint NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            step            integer NOT NULL,
            epoch           integer NOT NULL,
            loss            double precision,
            step_size       double precision,
            grad_norm_sq    double precision,
            effective_step  double precision,
            evaluations     integer NOT NULL,
            parameters      bytea,
            PRIMARY KEY (run, step)
        );

        CREATE TABLE epochs (
            run             bigint NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            epoch           integer NOT NULL,
            loss            double precision,
            parameters      bytea,
            PRIMARY KEY (run, epoch)
        );
        """;

    private const string PostgresV2 = """
        ALTER TABLE batches ADD COLUMN seconds double precision;
        ALTER TABLE epochs ADD COLUMN val_loss double precision;
        CREATE TABLE batch_chunks (
            run             bigint NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            first_step      integer NOT NULL,
            count           integer NOT NULL,
            columns         bytea NOT NULL,
            PRIMARY KEY (run, first_step)
        );
        """;

    private const string PostgresV3 = """
        CREATE TABLE record_chunks (
            run             bigint NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
            first_step      integer NOT NULL,
            last_step       integer NOT NULL,
            count           integer NOT NULL,
            records         bytea NOT NULL,
            PRIMARY KEY (run, first_step)
        );
        """;

    private const string PostgresV5 = """
        CREATE TABLE ensembles (
            seq             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id              text NOT NULL UNIQUE,
            experiment_id   text NOT NULL,
            overrides       text NOT NULL,
            seeds           integer NOT NULL,
            vary            text NOT NULL,
            configurations  integer NOT NULL,
            problem         text NOT NULL,
            optimizers      text NOT NULL,
            status          text NOT NULL,
            message         text,
            created_at      text NOT NULL,
            finished_at     text,
            seconds         double precision,
            findings        text NOT NULL DEFAULT '[]',
            summary         text
        );
        CREATE INDEX ensembles_created_at ON ensembles (created_at);

        CREATE TABLE ensemble_configurations (
            ensemble        bigint NOT NULL REFERENCES ensembles (seq) ON DELETE CASCADE,
            configuration   integer NOT NULL,
            name            text NOT NULL,
            request         text NOT NULL,
            runs            text NOT NULL,
            wells           text,
            steps           integer NOT NULL,
            epochs          integer NOT NULL,
            curves          bytea NOT NULL,
            UNIQUE (ensemble, configuration)
        );
        """;

    // Rows written before V3 become chunks of at most this many records.
    private const int RowsPerChunk = 4096;

    private static void PackRows(DbConnection connection, DbTransaction transaction)
    {
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = """
            SELECT run, step, epoch, loss, step_size, grad_norm_sq, effective_step, evaluations, parameters, seconds
            FROM batches ORDER BY run, step
            """;
        using var insert = RunStore.Prepare(connection, transaction,
            "INSERT INTO record_chunks (run, first_step, last_step, count, records) VALUES ($run, $first, $last, $count, $records)",
            "$run", "$first", "$last", "$count", "$records");

        var pending = new List<BatchRecord>(RowsPerChunk);
        long run = 0;
        void flush()
        {
            if (pending.Count == 0) return;
            (insert.Parameters[0].Value, insert.Parameters[1].Value, insert.Parameters[2].Value) = (run, pending[0].Step, pending[^1].Step);
            (insert.Parameters[3].Value, insert.Parameters[4].Value) = (pending.Count, RecordChunk.Pack(pending));
            insert.ExecuteNonQuery();
            pending.Clear();
        }
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            long rowRun = reader.GetInt64(0);
            if (rowRun != run || pending.Count == RowsPerChunk) flush();
            run = rowRun;
            static double real(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);   // NULL was NaN
            double[]? parameters = reader.IsDBNull(8) ? null : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>((byte[])reader.GetValue(8)).ToArray();
            pending.Add(new BatchRecord(reader.GetInt32(1), reader.GetInt32(2), real(reader, 3), real(reader, 4), real(reader, 5),
                real(reader, 6), reader.GetInt32(7), parameters) { Seconds = real(reader, 9) });
        }
        flush();
    }
}
