using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Obscura.TestSupport;

/// <summary>
/// A throwaway PostgreSQL server for the tests, started once per test process: <c>initdb</c> into a temporary folder
/// and <c>pg_ctl start</c> listening only on a Unix socket in that folder (no TCP), on a free port number, stopped and
/// deleted when the process exits. As root (CI), the server runs as the unprivileged <c>postgres</c> user (or
/// <c>nobody</c>) through <c>runuser</c>, since PostgreSQL refuses to run as root. Binaries are found in
/// <c>$OBSCURA_PG_BINDIR</c>, <c>pg_config --bindir</c>, <c>/usr/lib/postgresql/*/bin</c> or on the PATH.
/// Without them the PostgreSQL tests fail, unless <c>OBSCURA_SKIP_POSTGRES=1</c> opts out on purpose.
/// </summary>
public sealed class PostgresServer
{
    /// <summary>The environment variable that, set to 1, skips the PostgreSQL tests instead of failing them when no server can be started.</summary>
    public const string OptOutVariable = "OBSCURA_SKIP_POSTGRES";

    private const string Superuser = "obscura";
    private static readonly Lazy<PostgresServer> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    private readonly string _root;
    private readonly string _binDirectory;
    private readonly string? _runAs;

    private PostgresServer(string root, string binDirectory, string? runAs, int port)
    {
        _root = root;
        _binDirectory = binDirectory;
        _runAs = runAs;
        Port = port;
    }

    /// <summary>Whether PostgreSQL tests are skipped on purpose (<see cref="OptOutVariable"/>).</summary>
    public static bool OptedOut => Environment.GetEnvironmentVariable(OptOutVariable) == "1";

    /// <summary>The server of this test process, started on first use.</summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL binaries were found or the server did not start.</exception>
    public static PostgresServer Shared => Instance.Value;

    /// <summary>The port number (of the Unix socket).</summary>
    public int Port { get; }

    /// <summary>The folder of the Unix socket.</summary>
    public string SocketDirectory => Path.Combine(_root, "socket");

    /// <summary>The name of a new, empty database on this server.</summary>
    public string CreateDatabase()
    {
        // At most 40 characters (PostgreSQL's limit is 63), and never fewer than the string has: a small process id is short.
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}";
        name = name[..Math.Min(name.Length, 40)];
        Administer($"CREATE DATABASE \"{name}\"");
        return name;
    }

    /// <summary>Drops <paramref name="name"/>, closing any connection still open to it.</summary>
    public void DropDatabase(string name) => Administer($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");

    /// <summary>The URI of <paramref name="database"/> on this server.</summary>
    public string Uri(string database) => $"postgres://{Superuser}@/{database}?host={System.Uri.EscapeDataString(SocketDirectory)}&port={Port}";

    /// <summary>An Npgsql connection string for <paramref name="database"/>, without pooling.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = SocketDirectory,
        Port = Port,
        Username = Superuser,
        Database = database,
        Pooling = false,
    }.ToString();

    private void Administer(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Where the binaries are, or <see langword="null"/>.</summary>
    public static string? FindBinDirectory()
    {
        static bool Has(string? dir) => !string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

        var configured = Environment.GetEnvironmentVariable("OBSCURA_PG_BINDIR");
        if (Has(configured))
        {
            return configured;
        }

        try
        {
            var (code, output) = Run("pg_config", ["--bindir"], null);
            if (code == 0 && Has(output.Trim()))
            {
                return output.Trim();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on the PATH.
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var debian = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(Has)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault();
            if (debian is not null)
            {
                return debian;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).FirstOrDefault(Has);
    }

    private static PostgresServer Start()
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's postgresql package (.ci/run does), set OBSCURA_PG_BINDIR, or set {OptOutVariable}=1 to skip the PostgreSQL tests on purpose.");
        string? runAs = null;
        if (Environment.IsPrivilegedProcess)
        {
            runAs = Run("id", ["-u", "postgres"], null).Code == 0 ? "postgres" : "nobody";
        }

        var root = Path.Combine(Path.GetTempPath(), "obscura-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        if (runAs is not null)
        {
            Check(Run("chown", ["-R", runAs, root], null), "chown");
        }

        var port = FreePort();
        var server = new PostgresServer(root, bin, runAs, port);
        var data = Path.Combine(root, "data");
        Check(server.RunPg("initdb", ["-D", data, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]), "initdb");
        var options = $"-k {server.SocketDirectory} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        Check(server.RunPg("pg_ctl", ["-D", data, "-l", Path.Combine(root, "server.log"), "-o", options, "-w", "-t", "60", "start"]), "pg_ctl start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        server.WatchForTestProcessDeath();
        return server;
    }

    /// <summary>
    /// A killed test process runs no exit handler: a detached shell stops the server (and deletes its folder) once
    /// this process is gone, so no PostgreSQL is left running after a test run that timed out.
    /// </summary>
    private void WatchForTestProcessDeath()
    {
        var stop = $"{Path.Combine(_binDirectory, "pg_ctl")} -D '{Path.Combine(_root, "data")}' -m immediate -w stop";
        if (_runAs is not null)
        {
            stop = $"runuser -u {_runAs} -- {stop}";
        }

        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 1; done; if [ -d '{_root}/data' ]; then {stop}; rm -rf '{_root}'; fi";
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        Process.Start(start)?.Dispose();
    }

    private void Stop()
    {
        try
        {
            RunPg("pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]);
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // Best effort at process exit: a leftover temporary folder is harmless.
        }
    }

    private (int Code, string Output) RunPg(string tool, string[] args) =>
        _runAs is null
            ? Run(Path.Combine(_binDirectory, tool), args, null)
            : Run("runuser", ["-u", _runAs, "--", Path.Combine(_binDirectory, tool), .. args], _root);

    private static (int Code, string Output) Run(string file, string[] args, string? workingDirectory)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static void Check((int Code, string Output) result, string what)
    {
        if (result.Code != 0)
        {
            throw new InvalidOperationException($"{what} failed ({result.Code}): {result.Output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
