using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Obscura.Governance;
using Obscura.Security.Data;
using Obscura.Security.Files;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.Server.Jobs;

/// <summary>
/// The jobs of a data folder, in <c>DATA/jobs/jobs.db</c> (SQLite, WAL), shared by every server process on the folder.
/// A worker claims a job with one conditional <c>UPDATE</c> inside a write transaction, taken only while the job is
/// queued or its lease has lapsed, and checks that exactly one row changed; so of several processes racing for a job
/// exactly one gets it. Each claim draws a fresh token, and every later write of the worker (progress, heartbeat,
/// completion, failure) names it: a worker whose lease lapsed and whose job another worker took cannot write anything.
/// Time comes from the injected clock.
/// </summary>
public sealed class JobStore : IDisposable
{
    /// <summary>The folder under the data folder that holds the database and each job's files (<c>jobs/ID/</c>).</summary>
    public const string FolderName = "jobs";

    private const string Columns = "id, kind, state, requester, request, progress, created_at, started_at, finished_at, result, error, attempt, lease_owner, lease_expires, cancel_requested";

    private readonly SqliteStateFile _file;
    private readonly TimeProvider _clock;
    private readonly Lock _pulseLock = new();
    private TaskCompletionSource _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private JobStore(string directory, TimeProvider clock)
    {
        Directory = directory;
        _clock = clock;
        _file = new SqliteStateFile(Path.Combine(directory, "jobs.db"));
    }

    /// <summary>The folder of the database and the jobs' files.</summary>
    public string Directory { get; }

    /// <summary>Opens (creating) the job store of <paramref name="dataFolder"/>.</summary>
    public static JobStore Open(string dataFolder, TimeProvider clock)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        ArgumentNullException.ThrowIfNull(clock);
        var store = new JobStore(OwnerOnlyFiles.CreateDirectory(Path.Combine(dataFolder, FolderName)), clock);
        using var connection = store._file.Connect();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, requester TEXT NOT NULL,
                request TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, started_at INTEGER,
                finished_at INTEGER, result TEXT, error TEXT, attempt INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,
                lease_token TEXT, lease_expires INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, created_at);
            """);
        return store;
    }

    /// <summary>The folder for the files of one attempt of a job: <c>jobs/ID/attempt-N</c>.</summary>
    public string AttemptFolder(JobLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Path.Combine(Directory, lease.JobId, "attempt-" + lease.Attempt.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Queues a job whose request was validated; wakes this process's idle workers.</summary>
    public JobRecord Enqueue(JobKind kind, string requester, string request)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requester);
        ArgumentException.ThrowIfNullOrWhiteSpace(request);
        var id = "job_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = Now();
        _file.InWrite(true, c =>
        {
            Execute(c, "INSERT INTO jobs(id, kind, state, requester, request, created_at) VALUES ($id, $kind, $state, $requester, $request, $now)",
                ("$id", id), ("$kind", Name(kind)), ("$state", Name(JobState.Queued)), ("$requester", requester), ("$request", request), ("$now", now));
            return 0;
        });
        Pulse();
        return Find(id)!;
    }

    /// <summary>The job, or null.</summary>
    public JobRecord? Find(string id) =>
        _file.InRead(c =>
        {
            using var command = Command(c, $"SELECT {Columns} FROM jobs WHERE id = $id", ("$id", id));
            using var reader = command.ExecuteReader();
            return reader.Read() ? Read(reader) : null;
        });

    /// <summary>The newest <paramref name="limit"/> jobs, newest first.</summary>
    public IReadOnlyList<JobRecord> List(int limit) =>
        _file.InRead(c =>
        {
            using var command = Command(c, $"SELECT {Columns} FROM jobs ORDER BY created_at DESC, id LIMIT $limit", ("$limit", limit));
            using var reader = command.ExecuteReader();
            var jobs = new List<JobRecord>();
            while (reader.Read())
            {
                jobs.Add(Read(reader));
            }

            return jobs;
        });

    /// <summary>
    /// Jobs a worker may try to claim now, oldest first: queued, or running on a lapsed lease. Only a hint: another
    /// process may claim one first, which <see cref="TryClaim"/> detects.
    /// </summary>
    public IReadOnlyList<string> Claimable(int limit) =>
        _file.InRead(c =>
        {
            using var command = Command(c, "SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_expires < $now) ORDER BY created_at, id LIMIT $limit",
                ("$now", Now()), ("$limit", limit));
            using var reader = command.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        });

    /// <summary>
    /// Claims <paramref name="id"/> for <paramref name="owner"/> for <paramref name="lease"/>, if it is queued or its
    /// lease has lapsed (then it restarts from scratch as the next attempt). A lapsed job whose cancellation was asked
    /// for becomes cancelled instead. Returns null when the job is not claimable, e.g. when another worker claimed it first.
    /// </summary>
    public JobLease? TryClaim(string id, string owner, TimeSpan lease)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = Now();
        var expires = now + (long)lease.TotalMilliseconds;
        return _file.InWrite(true, c =>
        {
            Execute(c, "UPDATE jobs SET state = 'cancelled', finished_at = $now, lease_token = NULL WHERE id = $id AND state = 'running' AND lease_expires < $now AND cancel_requested = 1",
                ("$id", id), ("$now", now));
            using var claim = Command(c, """
                UPDATE jobs SET state = 'running', lease_owner = $owner, lease_token = $token, lease_expires = $expires,
                    attempt = attempt + 1, started_at = $now, progress = 0
                WHERE id = $id AND (state = 'queued' OR (state = 'running' AND lease_expires < $now))
                """, ("$id", id), ("$owner", owner), ("$token", token), ("$expires", expires), ("$now", now));
            if (claim.ExecuteNonQuery() != 1)
            {
                return null;
            }

            var attempt = Scalar<long>(c, "SELECT attempt FROM jobs WHERE id = $id", ("$id", id));
            return new JobLease(id, owner, token, (int)attempt, Time(expires));
        });
    }

    /// <summary>The heartbeat: extends the lease if it is still <paramref name="lease"/>'s, and says whether cancellation was asked for.</summary>
    public JobRenewal Renew(JobLease lease, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var expires = Now() + (long)duration.TotalMilliseconds;
        return _file.InWrite(false, c =>
        {
            if (Fenced(c, lease, "lease_expires = $expires", ("$expires", expires)) != 1)
            {
                return JobRenewal.Lost;
            }

            return Scalar<long>(c, "SELECT cancel_requested FROM jobs WHERE id = $id", ("$id", lease.JobId)) == 1 ? JobRenewal.CancelRequested : JobRenewal.Held;
        });
    }

    /// <summary>Records progress (0 to 1) under <paramref name="lease"/>; false if the lease is no longer the job's.</summary>
    public bool ReportProgress(JobLease lease, double fraction)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return _file.InWrite(false, c => Fenced(c, lease, "progress = $progress", ("$progress", Math.Clamp(fraction, 0, 1))) == 1);
    }

    /// <summary>Stores the result and ends the job as succeeded, only if <paramref name="lease"/> still holds it; false otherwise (the result is refused).</summary>
    public bool Complete(JobLease lease, string result)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrWhiteSpace(result);
        return Finish(lease, JobState.Succeeded, "result = $result, progress = 1", ("$result", result));
    }

    /// <summary>Ends the job as failed with <paramref name="error"/> (no secrets), only if <paramref name="lease"/> still holds it.</summary>
    public bool Fail(JobLease lease, string error)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Finish(lease, JobState.Failed, "error = $error", ("$error", error));
    }

    /// <summary>Ends a running job whose cancellation was asked for as cancelled, only if <paramref name="lease"/> still holds it.</summary>
    public bool MarkCancelled(JobLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Finish(lease, JobState.Cancelled, "cancel_requested = 1");
    }

    /// <summary>Gives a job back to the queue (a worker stopping with its process), only if <paramref name="lease"/> still holds it.</summary>
    public bool Release(JobLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var released = _file.InWrite(true, c => Fenced(c, lease, "state = 'queued', lease_token = NULL, lease_expires = NULL") == 1);
        Pulse();
        return released;
    }

    /// <summary>
    /// Cancels a job: a queued one at once; a running one is marked, and its worker stops it at its next heartbeat.
    /// Not found, or not applicable to a finished job.
    /// </summary>
    public Outcome<JobRecord> Cancel(string id)
    {
        var now = Now();
        var outcome = _file.InWrite<Outcome<bool>>(true, c =>
        {
            var state = Scalar<string?>(c, "SELECT state FROM jobs WHERE id = $id", ("$id", id));
            if (state is null)
            {
                return new GovernanceError(GovernanceErrorKind.NotFound, "No such job.", "id");
            }

            if (state == Name(JobState.Queued))
            {
                Execute(c, "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = $now WHERE id = $id AND state = 'queued'", ("$id", id), ("$now", now));
                return Outcome<bool>.Success(true);
            }

            if (state == Name(JobState.Running))
            {
                Execute(c, "UPDATE jobs SET cancel_requested = 1 WHERE id = $id AND state = 'running'", ("$id", id));
                return Outcome<bool>.Success(true);
            }

            return new GovernanceError(GovernanceErrorKind.NotApplicable, $"The job is {state} already.", "id");
        });
        return outcome.Succeeded ? Outcome<JobRecord>.Success(Find(id)!) : Outcome<JobRecord>.Failure(outcome.Error!);
    }

    /// <summary>Completes when a job is queued in this process or <paramref name="timeout"/> passes (by the store's clock), whichever is first.</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task pulse;
        lock (_pulseLock)
        {
            pulse = _pulse.Task;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, _clock, stop.Token);
        await Task.WhenAny(pulse, delay).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The lower-case name a kind or state is stored and shown as.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private bool Finish(JobLease lease, JobState state, string set, params (string Name, object? Value)[] parameters) =>
        _file.InWrite(true, c => Fenced(c, lease, $"state = '{Name(state)}', finished_at = $now, lease_token = NULL, {set}", [("$now", Now()), .. parameters]) == 1);

    /// <summary>An update of the job that only its current lease holder may make: the fence.</summary>
    private static int Fenced(SqliteConnection c, JobLease lease, string set, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(c, $"UPDATE jobs SET {set} WHERE id = $id AND state = 'running' AND lease_token = $token",
            [("$id", lease.JobId), ("$token", lease.Token), .. parameters]);
        return command.ExecuteNonQuery();
    }

    private void Pulse()
    {
        lock (_pulseLock)
        {
            _pulse.TrySetResult();
            _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private static DateTimeOffset? TimeOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Time(r.GetInt64(i));

    private static T Parse<T>(string name)
        where T : struct, Enum => Enum.Parse<T>(name, ignoreCase: true);

    private static JobRecord Read(SqliteDataReader r) => new(
        r.GetString(0),
        Parse<JobKind>(r.GetString(1)),
        Parse<JobState>(r.GetString(2)),
        r.GetString(3),
        r.GetString(4),
        r.GetDouble(5),
        Time(r.GetInt64(6)),
        TimeOrNull(r, 7),
        TimeOrNull(r, 8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(10) ? null : r.GetString(10),
        r.GetInt32(11),
        r.IsDBNull(12) ? null : r.GetString(12),
        TimeOrNull(r, 13),
        r.GetInt64(14) == 1);
}
