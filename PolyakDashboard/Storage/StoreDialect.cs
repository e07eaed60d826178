using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PolyakDashboard.Storage;

/// <summary>What differs between the two databases the run store runs on: how to connect, and the few SQL
/// expressions that are not standard (JSON fields, case-insensitive LIKE, time arithmetic). Everything else — tables,
/// chunk format, queries — is shared.</summary>
/// <remarks>SQL is written once with <c>$name</c> parameters (SQLite's form); PostgreSQL gets them as <c>@name</c>.</remarks>
internal abstract partial class StoreDialect : IDisposable
{
    /// <summary>A PostgreSQL connection string names a host (<c>Host=db;Database=polyak;Username=…</c>); anything
    /// else is SQLite's (<c>Data Source=data/runs.db</c>).</summary>
    public static bool IsPostgres(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return builder.ContainsKey("Host") || builder.ContainsKey("Server");
    }

    public abstract bool IsShared { get; }
    public abstract DbConnection Open();
    public abstract string SchemaVersionTable { get; }

    /// <summary>A JSON field of a text column as text (SQLite: its JSON type kept).</summary>
    public abstract string JsonText(string column, string field);
    public abstract string JsonInt(string column, string field);
    /// <summary>A JSON field when it is a number, else NULL.</summary>
    public abstract string JsonNumber(string column, string field);
    /// <summary>A JSON array of strings joined with ", ", in order.</summary>
    public abstract string JsonJoin(string column);
    public abstract string Like { get; }
    public abstract string Seconds(string from, string to);

    /// <summary>A validation loss as the column holds it (SQLite has no NaN: its ANY column takes the text 'NaN').</summary>
    public abstract object ValLoss(double value);

    public abstract void Dispose();

    [GeneratedRegex(@"\$(?=[a-z_])")]
    private static partial Regex DollarParameter();

    public static string Sql(DbConnection connection, string sql) =>
        connection is NpgsqlConnection ? DollarParameter().Replace(sql, "@") : sql;

    public static string ParameterName(DbConnection connection, string name) =>
        connection is NpgsqlConnection && name.StartsWith('$') ? "@" + name[1..] : name;

    /// <summary>Whether statements are prepared before their parameters have values (Npgsql prepares on first
    /// execution instead).</summary>
    public static bool PrepareEarly(DbConnection connection) => connection is SqliteConnection;
}

internal sealed class SqliteDialect(string connectionString) : StoreDialect
{
    public override bool IsShared => false;

    public override DbConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    public override string SchemaVersionTable => "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT";
    public override string JsonText(string column, string field) => $"json_extract({column}, '$.{field}')";
    public override string JsonInt(string column, string field) => JsonText(column, field);
    public override string JsonNumber(string column, string field) =>
        $"CASE WHEN json_type({column}, '$.{field}') IN ('real', 'integer') THEN json_extract({column}, '$.{field}') END";
    public override string JsonJoin(string column) => $"(SELECT group_concat(value, ', ') FROM json_each({column}))";
    public override string Like => "LIKE";     // case-insensitive for ASCII
    public override string Seconds(string from, string to) => $"((julianday({to}) - julianday({from})) * 86400.0)";
    public override object ValLoss(double value) => double.IsNaN(value) ? "NaN" : value;

    public override void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}

internal sealed class PostgresDialect(string connectionString) : StoreDialect
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    /// <summary>Host, port and database, never the password.</summary>
    public string Display { get; } = new NpgsqlConnectionStringBuilder(connectionString) is var b
        ? $"postgresql://{b.Host}:{b.Port}/{b.Database ?? b.Username}" : "";

    public override bool IsShared => true;
    public override DbConnection Open() => _source.OpenConnection();
    public override string SchemaVersionTable => "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at text NOT NULL)";
    public override string JsonText(string column, string field) => $"({column}::jsonb ->> '{field}')";
    public override string JsonInt(string column, string field) => $"({column}::jsonb ->> '{field}')::integer";
    public override string JsonNumber(string column, string field) =>
        $"CASE WHEN jsonb_typeof({column}::jsonb -> '{field}') = 'number' THEN ({column}::jsonb ->> '{field}')::double precision END";
    public override string JsonJoin(string column) =>
        $"(SELECT string_agg(o.value, ', ' ORDER BY o.n) FROM jsonb_array_elements_text({column}::jsonb) WITH ORDINALITY AS o(value, n))";
    public override string Like => "ILIKE";
    public override string Seconds(string from, string to) => $"extract(epoch FROM ({to}::timestamptz - {from}::timestamptz))";
    public override object ValLoss(double value) => value;     // double precision holds NaN
    public override void Dispose() => _source.Dispose();
}
