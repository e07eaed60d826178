using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Tests;

/// <summary>The Redis and PostgreSQL servers some tests need, as <c>.ci/services</c> starts them on loopback and announces
/// them: <c>POLYAK_TEST_REDIS</c> (host:port) and <c>POLYAK_TEST_POSTGRES</c> (a connection string to a database
/// the tests may create databases from).</summary>
/// <remarks>Without them a test skips, saying how to get them; in CI (<c>CI=true</c>) it fails instead: CI must run
/// every test.</remarks>
internal static class TestServices
{
    public static string Redis => Require("POLYAK_TEST_REDIS", "Redis");

    public static string Postgres => Require("POLYAK_TEST_POSTGRES", "PostgreSQL");

    private static string Require(string variable, string name)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value) return value;
        string message = $"{name} is needed: run `source .ci/services && services_start /tmp/polyak-services` first (it sets {variable}).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"CI: {message}");
        throw new SkipException(message);
    }
}

/// <summary>The backends the store tests run on.</summary>
public static class StoreBackends
{
    public static TheoryData<string> All => new() { "sqlite", "postgres" };
}

/// <summary>A run store of a test's own on one backend: a SQLite file in a temp folder, or a fresh PostgreSQL
/// database (dropped at the end); with what the tests read directly, in SQL of their own.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly string _folder = StoreTestKit.TempFolder();
    private readonly string? _database;

    private TestStore(string backend)
    {
        Backend = backend;
        if (backend == "postgres")
        {
            string admin = TestServices.Postgres;
            _database = "polyak_" + Guid.NewGuid().ToString("N");
            using (var connection = new NpgsqlConnection(admin))
            {
                connection.Open();
                Execute(connection, $"CREATE DATABASE {_database}");
            }
            ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ConnectionString;
        }
        else ConnectionString = $"Data Source={DatabasePath}";
    }

    public static TestStore Create(string backend) => new(backend);

    public string Backend { get; }
    public string ConnectionString { get; }
    public bool IsPostgres => _database is not null;

    /// <summary>The SQLite file (its folder holds the app's checkpoints and corpora too).</summary>
    public string DatabasePath => Path.Combine(_folder, "runs.db");

    /// <summary>The app on this store; a new factory on the same store is a restart.</summary>
    public DashboardFactory Factory(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        if (IsPostgres) all["ConnectionStrings:Runs"] = ConnectionString;
        return new DashboardFactory { DatabasePath = DatabasePath, Settings = all };
    }

    /// <summary>The store itself, as the app configures it.</summary>
    public RunStore Open(string instance = "test")
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Runs"] = ConnectionString, ["Runs:Instance"] = instance,
        }).Build();
        return new RunStore(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = _folder },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RunStore>.Instance);
    }

    public DbConnection Connect()
    {
        DbConnection connection = IsPostgres ? new NpgsqlConnection(ConnectionString) : new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>Records per run id: (batches, epochs, min step, max step); the writes of these tests never overlap.</summary>
    public Dictionary<string, (long Batches, long Epochs, long MinStep, long MaxStep)> RowCounts()
    {
        using var connection = Connect();
        return StoreTestKit.RowCounts(connection);
    }

    /// <summary>The instance that wrote each of these runs (the store's <c>instance</c> column), for those written so far.</summary>
    public Dictionary<string, string> Instances(IEnumerable<string> ids)
    {
        var wanted = ids.ToHashSet();
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, instance FROM runs";
        using var reader = command.ExecuteReader();
        var instances = new Dictionary<string, string>();
        while (reader.Read())
            if (wanted.Contains(reader.GetString(0))) instances[reader.GetString(0)] = reader.GetString(1);
        return instances;
    }

    public long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public void Execute(string sql)
    {
        using var connection = Connect();
        Execute(connection, sql);
    }

    private static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(TestServices.Postgres);
            connection.Open();
            Execute(connection, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        }
        SqliteConnection.ClearAllPools();
        StoreTestKit.DeleteFolder(_folder);
        return ValueTask.CompletedTask;
    }
}
