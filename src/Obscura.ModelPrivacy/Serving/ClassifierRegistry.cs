using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.ModelPrivacy.Onnx;
using Obscura.Security.Data;
using Obscura.Security.Files;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// The served models of a data folder (<c>classifiers/</c>: one checked <see cref="ModelFile"/> or pinned ONNX file
/// (<see cref="OnnxClassifier"/>) per model and <c>registry.db</c>), their <see cref="ServingPolicy"/> per model and per API key, and every key's usage. A
/// prediction is one <c>BEGIN IMMEDIATE</c> transaction that refills and takes a token from the key's bucket, counts
/// the query against its total, keeps the query's <see cref="QueryTrace"/> and runs the <see cref="QueryMonitor"/>; so
/// the limits hold across every process sharing the folder. A new alert is appended to the audit ledger before that
/// transaction commits: if the ledger cannot be written, the query is not answered and not counted. Registrations
/// and policy changes are recorded in the ledger the same way. The ledger names the model, the key and the statistic;
/// never a query.
/// </summary>
/// <remarks>
/// Predictions (counters, traces, alert rows) are committed with <c>synchronous=NORMAL</c> (WAL): they survive a
/// process crash, and a power loss may forget the last few queries' counts (an alert whose row was lost is raised, and
/// ledgered, again). Registrations and policies are committed with <c>FULL</c>; the ledger always is.
/// </remarks>
public sealed partial class ClassifierRegistry : IDisposable
{
    /// <summary>The registry's folder inside the data folder.</summary>
    public const string FolderName = "classifiers";

    /// <summary>
    /// The largest feature magnitude a prediction accepts. Far above any pixel or standardised value, and low enough
    /// that the monitor's sketch distances stay finite in float32 for any input size a model file allows (a larger
    /// finite value overflowed them to ∞ and broke the key's monitoring).
    /// </summary>
    public const float MaxFeatureMagnitude = 1e9f;

    /// <summary>The largest ONNX model file the registry takes, in bytes.</summary>
    public const int MaxOnnxBytes = 256 << 20;

    private static readonly DataCategory ModelCategory = DataCategory.Parse("model-api");
    private readonly SqliteStateFile _file;
    private readonly string _directory;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;
    private readonly QueryMonitorOptions _monitorOptions;
    private readonly SemaphoreSlim _writers = new(1, 1);
    private readonly ConcurrentDictionary<string, Loaded> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, string Caller), TraceWindow> _windows = new();

    private ClassifierRegistry(string directory, AuditTrail audit, TimeProvider clock, QueryMonitorOptions monitor)
    {
        _directory = directory;
        _audit = audit;
        _clock = clock;
        _monitorOptions = monitor;
        _file = new SqliteStateFile(Path.Combine(directory, "registry.db"));
    }

    /// <summary>Opens (creating) the registry in <paramref name="dataFolder"/>'s <see cref="FolderName"/> folder.</summary>
    public static ClassifierRegistry Open(string dataFolder, AuditTrail audit, TimeProvider clock, QueryMonitorOptions? monitor = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(clock);
        var directory = OwnerOnlyFiles.CreateDirectory(Path.Combine(dataFolder, FolderName));
        var registry = new ClassifierRegistry(directory, audit, clock, (monitor ?? new QueryMonitorOptions()).Validate());
        using var connection = registry._file.Connect();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS classifiers(id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, inputs INTEGER NOT NULL,
                classes INTEGER NOT NULL, hidden INTEGER NOT NULL, epsilon REAL, noise_key BLOB NOT NULL,
                output TEXT NOT NULL, rate REAL NOT NULL, burst INTEGER NOT NULL, max_queries INTEGER, registered_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS key_policies(model TEXT NOT NULL REFERENCES classifiers(id), caller TEXT NOT NULL,
                output TEXT NOT NULL, rate REAL NOT NULL, burst INTEGER NOT NULL, max_queries INTEGER, PRIMARY KEY(model, caller));
            CREATE TABLE IF NOT EXISTS usage(model TEXT NOT NULL, caller TEXT NOT NULL, tokens REAL NOT NULL,
                refilled_at INTEGER NOT NULL, total INTEGER NOT NULL, PRIMARY KEY(model, caller));
            CREATE TABLE IF NOT EXISTS traces(seq INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, caller TEXT NOT NULL,
                sketch BLOB NOT NULL, predicted INTEGER NOT NULL, margin REAL NOT NULL, min_distance REAL, near_duplicate INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS traces_by_caller ON traces(model, caller, seq);
            CREATE TABLE IF NOT EXISTS alerts(seq INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, caller TEXT NOT NULL,
                kind INTEGER NOT NULL, statistic REAL NOT NULL, queries INTEGER NOT NULL, raised_at INTEGER NOT NULL, UNIQUE(model, caller, kind));
            """);
        if (Scalar<long>(connection, "SELECT COUNT(*) FROM pragma_table_info('usage') WHERE name = 'scored'") == 0)
        {
            // A registry written before the score budget. Under the write lock, and only if no other process did it first:
            // every earlier answer of a key whose policy gives scores counts as scored, so the upgrade hands no key a new budget.
            using var upgrade = connection.BeginTransaction(deferred: false);
            if (Scalar<long>(connection, "SELECT COUNT(*) FROM pragma_table_info('usage') WHERE name = 'scored'") == 0)
            {
                Execute(connection, """
                    ALTER TABLE usage ADD COLUMN scored INTEGER NOT NULL DEFAULT 0;
                    UPDATE usage SET scored = total WHERE COALESCE(
                        (SELECT output FROM key_policies p WHERE p.model = usage.model AND p.caller = usage.caller),
                        (SELECT output FROM classifiers m WHERE m.id = usage.model)) IS NOT 'label-only';
                    """);
            }

            upgrade.Commit();
        }

        if (Scalar<long>(connection, "SELECT COUNT(*) FROM pragma_table_info('classifiers') WHERE name = 'onnx'") == 0)
        {
            // ONNX models: their stated signature (input size, labels, scores, output) as JSON; null for an .obm model.
            using var upgrade = connection.BeginTransaction(deferred: false);
            if (Scalar<long>(connection, "SELECT COUNT(*) FROM pragma_table_info('classifiers') WHERE name = 'onnx'") == 0)
            {
                Execute(connection, "ALTER TABLE classifiers ADD COLUMN onnx TEXT");
            }

            upgrade.Commit();
        }

        return registry;
    }

    /// <summary>The registry's folder.</summary>
    public string Directory => _directory;

    /// <summary>
    /// Registers the model file <paramref name="modelFile"/> (checked, then copied into the registry) as
    /// <paramref name="id"/> with <paramref name="policy"/> (default <see cref="ServingPolicy.Default"/>).
    /// </summary>
    public async Task<Outcome<RegisteredClassifier>> RegisterAsync(string actor, string id, ReadOnlyMemory<byte> modelFile, ServingPolicy? policy, CancellationToken cancellationToken)
    {
        if (!IdPattern().IsMatch(id ?? ""))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A model id is 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.", "id");
        }

        SavedModel saved;
        try
        {
            saved = ModelFile.Parse(modelFile.Span);
            policy = (policy ?? ServingPolicy.Default).Validate();
        }
        catch (InvalidDataException ex)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, "model");
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, "policy");
        }

        return await InsertAsync(actor, id!, modelFile, FileOf(id!), saved.Sha256, saved.Model.Inputs, saved.Model.Classes, saved.Model.Hidden, saved.Metadata.Epsilon, null, policy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers the ONNX classifier <paramref name="onnxFile"/> as <paramref name="id"/>: refused unless its SHA-256 is
    /// <paramref name="sha256"/> (the registrant pins the file it means) and ONNX Runtime loads it with the input size
    /// and class count <paramref name="spec"/> states. The registry keeps the file and the hash, and serves it only
    /// while the file it loads still has that hash, under the same policies, limits and monitoring as any model.
    /// Its ε is unknown (null).
    /// </summary>
    public async Task<Outcome<RegisteredClassifier>> RegisterOnnxAsync(string actor, string id, ReadOnlyMemory<byte> onnxFile, string sha256, OnnxClassifierSpec spec, ServingPolicy? policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!IdPattern().IsMatch(id ?? ""))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A model id is 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.", "id");
        }

        if (onnxFile.Length > MaxOnnxBytes)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"An ONNX model file is at most {MaxOnnxBytes} bytes.", "model");
        }

        try
        {
            spec.Validate();
            policy = (policy ?? ServingPolicy.Default).Validate();
            using var loaded = OnnxClassifier.Load(onnxFile.Span, sha256 ?? "", spec);
        }
        catch (InvalidDataException ex)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, "model");
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, "policy");
        }
        catch (ArgumentException ex)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, "spec");
        }

        return await InsertAsync(actor, id!, onnxFile, OnnxFileOf(id!), OnnxClassifier.Sha256Of(onnxFile.Span), spec.Inputs, spec.Labels.Count, 0, null, spec, policy, cancellationToken).ConfigureAwait(false);
    }

    private Task<Outcome<RegisteredClassifier>> InsertAsync(
        string actor, string id, ReadOnlyMemory<byte> file, string path, string sha256, int inputs, int classes, int hidden, double? epsilon, OnnxClassifierSpec? onnx, ServingPolicy policy, CancellationToken cancellationToken) =>
        WriteAsync<Outcome<RegisteredClassifier>>(durable: true, async c =>
        {
            if (Scalar<long>(c, "SELECT COUNT(*) FROM classifiers WHERE id = $id", ("$id", id)) > 0)
            {
                return new GovernanceError(GovernanceErrorKind.Conflict, $"A model is already registered as '{id}'.", "id");
            }

            OwnerOnlyFiles.WriteAtomically(path, file.Span);
            var now = _clock.GetUtcNow();
            Execute(
                c,
                """
                INSERT INTO classifiers(id, sha256, inputs, classes, hidden, epsilon, noise_key, output, rate, burst, max_queries, registered_at, onnx)
                VALUES ($id, $sha, $in, $c, $h, $eps, $key, $out, $rate, $burst, $max, $at, $onnx)
                """,
                ("$id", id), ("$sha", sha256), ("$in", inputs), ("$c", classes), ("$h", hidden), ("$eps", epsilon),
                ("$key", RandomNumberGenerator.GetBytes(32)), ("$out", policy.Output.ToString()), ("$rate", policy.RatePerSecond), ("$burst", policy.Burst), ("$max", policy.MaxQueries),
                ("$at", now.ToUnixTimeMilliseconds()), ("$onnx", onnx is null ? null : System.Text.Json.JsonSerializer.Serialize(onnx)));
            var reference = (onnx is null ? "sha256:" : "onnx:sha256:") + sha256[..32];
            await _audit.RecordAsync([new AuditEvent(actor, AuditAction.Create, ModelCategory, to: Location(id), reference: reference)], cancellationToken).ConfigureAwait(false);
            return Read(c, id)!;
        }, cancellationToken);

    /// <summary>Sets the policy of model <paramref name="id"/>, for every key (<paramref name="caller"/> null) or for one key.</summary>
    public Task<Outcome<RegisteredClassifier>> SetPolicyAsync(string actor, string id, string? caller, ServingPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            policy.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return Task.FromResult<Outcome<RegisteredClassifier>>(new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, "policy"));
        }

        if (caller is not null && !CallerPattern().IsMatch(caller))
        {
            return Task.FromResult<Outcome<RegisteredClassifier>>(new GovernanceError(GovernanceErrorKind.Invalid, "A key is named as 'apikey:NAME' (letters, digits and ._:/@-).", "key"));
        }

        return WriteAsync<Outcome<RegisteredClassifier>>(durable: true, async c =>
        {
            if (Read(c, id) is null)
            {
                return new GovernanceError(GovernanceErrorKind.NotFound, $"No model is registered as '{id}'.", "id");
            }

            var values = new (string, object?)[] { ("$id", id), ("$k", caller), ("$out", policy.Output.ToString()), ("$rate", policy.RatePerSecond), ("$burst", policy.Burst), ("$max", policy.MaxQueries) };
            Execute(
                c,
                caller is null
                    ? "UPDATE classifiers SET output = $out, rate = $rate, burst = $burst, max_queries = $max WHERE id = $id"
                    : """
                      INSERT INTO key_policies(model, caller, output, rate, burst, max_queries) VALUES ($id, $k, $out, $rate, $burst, $max)
                      ON CONFLICT(model, caller) DO UPDATE SET output = $out, rate = $rate, burst = $burst, max_queries = $max
                      """,
                values);
            var reference = "policy:" + policy.Output.ToString().Replace(',', '/');
            await _audit.RecordAsync([new AuditEvent(actor, AuditAction.Update, ModelCategory, from: caller, to: Location(id), reference: reference)], cancellationToken).ConfigureAwait(false);
            return Read(c, id)!;
        }, cancellationToken);
    }

    /// <summary>Every registered model, by id.</summary>
    public IReadOnlyList<RegisteredClassifier> List() =>
        _file.InRead(c =>
        {
            var ids = new List<string>();
            using (var command = Command(c, "SELECT id FROM classifiers ORDER BY id"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            return ids.Select(id => Read(c, id)!).ToList();
        });

    /// <summary>The model registered as <paramref name="id"/>, or null.</summary>
    public RegisteredClassifier? Find(string id) => _file.InRead(c => Read(c, id));

    /// <summary>How many queries <paramref name="caller"/> has made of model <paramref name="id"/>.</summary>
    public long QueriesMade(string id, string caller) =>
        _file.InRead(c => Scalar<long?>(c, "SELECT total FROM usage WHERE model = $m AND caller = $k", ("$m", id), ("$k", caller)) ?? 0);

    /// <summary>The monitor's alerts, newest last, for one model or all.</summary>
    public IReadOnlyList<ModelAlert> Alerts(string? id = null) =>
        _file.InRead(c =>
        {
            using var command = Command(c, "SELECT seq, model, caller, kind, statistic, queries, raised_at FROM alerts WHERE $m IS NULL OR model = $m ORDER BY seq", ("$m", id));
            using var reader = command.ExecuteReader();
            var alerts = new List<ModelAlert>();
            while (reader.Read())
            {
                alerts.Add(new ModelAlert(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (AlertKind)reader.GetInt32(3), reader.GetDouble(4), reader.GetInt32(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            }

            return alerts;
        });

    /// <summary>
    /// Answers <paramref name="caller"/>'s query of model <paramref name="id"/> with <paramref name="features"/>, shaped
    /// by the caller's policy; refused (field <c>rate-limit</c> or <c>query-limit</c>) when the key is over a limit, and
    /// (field <c>model</c>) when the model's file is unreadable or is not the file registered.
    /// </summary>
    public Task<Outcome<Prediction>> PredictAsync(string caller, string id, float[] features, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (features is null || features.Length == 0)
        {
            return Task.FromResult<Outcome<Prediction>>(new GovernanceError(GovernanceErrorKind.Invalid, "Give the model's input as 'features': an array of numbers.", "features"));
        }

        if (Array.Exists(features, v => !(Math.Abs(v) <= MaxFeatureMagnitude)))
        {
            return Task.FromResult<Outcome<Prediction>>(new GovernanceError(GovernanceErrorKind.Invalid, "Every feature is a finite number between -1e9 and 1e9.", "features"));
        }

        return PredictCoreAsync(caller, id, features, cancellationToken);
    }

    private async Task<Outcome<Prediction>> PredictCoreAsync(string caller, string id, float[] features, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteAsync<Outcome<Prediction>>(durable: false, c => AnswerAsync(c, caller, id, features, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The transaction did not commit: the cached window may hold its trace.
            _windows.TryRemove((id, caller), out _);
            throw;
        }
    }

    private async Task<Outcome<Prediction>> AnswerAsync(SqliteConnection c, string caller, string id, float[] features, CancellationToken cancellationToken)
    {
        if (Read(c, id) is not { } registered)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"No model is registered as '{id}'.", "id");
        }

        if (features.Length != registered.Inputs)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"Model '{id}' takes {registered.Inputs} features, not {features.Length}.", "features");
        }

        Loaded loaded;
        try
        {
            loaded = Load(c, registered);
        }
        catch (InvalidDataException ex)
        {
            return new GovernanceError(GovernanceErrorKind.Refused, ex.Message, "model");
        }

        var policy = registered.KeyPolicies.GetValueOrDefault(caller) ?? registered.Policy;
        if (Take(c, id, caller, policy) is { } refusal)
        {
            return refusal;
        }

        var logits = new float[registered.Classes];
        loaded.Model.Logits(features, logits);
        var probabilities = PredictionShaper.SoftMax(logits);
        if (Array.Exists(probabilities, v => !double.IsFinite(v)))
        {
            // Counted (the token is spent) but not traced or answered.
            return new GovernanceError(GovernanceErrorKind.Invalid, $"Model '{id}' gives no finite output for these features.", "features");
        }

        var cached = Window(c, id, caller);
        var history = cached.Traces.Select(t => t.Trace).ToList();
        var trace = loaded.Monitor.Trace(history, features, probabilities);
        var seq = Scalar<long>(
            c,
            "INSERT INTO traces(model, caller, sketch, predicted, margin, min_distance, near_duplicate) VALUES ($m, $k, $s, $p, $margin, $d, $dup) RETURNING seq",
            ("$m", id), ("$k", caller), ("$s", MemoryMarshal.AsBytes<float>(trace.Sketch).ToArray()), ("$p", trace.Predicted), ("$margin", trace.Margin), ("$d", trace.MinDistance), ("$dup", trace.NearDuplicate ? 1 : 0));
        cached.Add(seq, trace, _monitorOptions.Window);
        Execute(
            c,
            "DELETE FROM traces WHERE model = $m AND caller = $k AND seq <= (SELECT seq FROM traces WHERE model = $m AND caller = $k ORDER BY seq DESC LIMIT 1 OFFSET $w)",
            ("$m", id), ("$k", caller), ("$w", _monitorOptions.Window));
        var window = cached.Traces.ConvertAll(t => t.Trace);
        var events = new List<AuditEvent>();
        foreach (var finding in loaded.Monitor.Examine(window))
        {
            RaiseAlert(c, id, caller, finding.Kind, finding.Statistic, finding.Queries, string.Create(CultureInfo.InvariantCulture, $"stat:{finding.Statistic:G4}:n:{finding.Queries}"), events);
        }

        var output = ScoredOutput(c, id, caller, registered.Inputs, policy.Output, events);
        if (events.Count > 0)
        {
            // The alert is in the ledger before the answer leaves and before its row commits, or neither happens.
            await _audit.RecordAsync(events, cancellationToken).ConfigureAwait(false);
        }

        var answer = PredictionShaper.Shape(output, probabilities, features, loaded.NoiseKey);
        return registered.Onnx is { } spec ? answer with { LabelName = spec.Labels[answer.Label] } : answer;
    }

    /// <summary>
    /// The output this answer may have under the key's score budget: <paramref name="output"/> while the key has had fewer
    /// answers with scores of this model's file (under any id) than <see cref="QueryMonitorOptions.ScoreBudget"/> (counting this one, in the same transaction
    /// as the usage row, so every process sharing the folder counts together), labels only after; the first refusal
    /// raises a <see cref="AlertKind.ScoreBudget"/> alert and ledger entry.
    /// </summary>
    private OutputPolicy ScoredOutput(SqliteConnection c, string id, string caller, int inputs, OutputPolicy output, List<AuditEvent> events)
    {
        if (output.LabelsOnly)
        {
            return output;
        }

        var budget = _monitorOptions.ScoreBudget(inputs);
        // Counted over every id registered with the same file: a second id for the same parameters is no second budget.
        var scored = Scalar<long>(
            c,
            "SELECT COALESCE(SUM(u.scored), 0) FROM usage u JOIN classifiers m ON m.id = u.model WHERE u.caller = $k AND m.sha256 = (SELECT sha256 FROM classifiers WHERE id = $m)",
            ("$m", id), ("$k", caller));
        if (scored < budget)
        {
            Execute(c, "UPDATE usage SET scored = scored + 1 WHERE model = $m AND caller = $k", ("$m", id), ("$k", caller));
            return output;
        }

        RaiseAlert(c, id, caller, AlertKind.ScoreBudget, budget, scored, string.Create(CultureInfo.InvariantCulture, $"stat:{budget}:n:{scored}"), events);
        return OutputPolicy.LabelOnly;
    }

    /// <summary>
    /// Records an alert of <paramref name="kind"/> for the model and key, once: the first time, its ledger event (actor =
    /// the key, <c>to alert:KIND</c>, <paramref name="reference"/>) is added to <paramref name="events"/>, which the caller
    /// records before the prediction's transaction commits.
    /// </summary>
    private void RaiseAlert(SqliteConnection c, string id, string caller, AlertKind kind, double statistic, long queries, string reference, List<AuditEvent> events)
    {
        var inserted = Scalar<long>(
            c,
            "INSERT INTO alerts(model, caller, kind, statistic, queries, raised_at) VALUES ($m, $k, $kind, $s, $n, $at) ON CONFLICT DO NOTHING RETURNING 1",
            ("$m", id), ("$k", caller), ("$kind", (int)kind), ("$s", statistic), ("$n", queries), ("$at", _clock.GetUtcNow().ToUnixTimeMilliseconds()));
        if (inserted == 1)
        {
            events.Add(new AuditEvent(caller, AuditAction.Read, ModelCategory, from: Location(id), to: "alert:" + KindToken(kind), reference: reference));
        }
    }

    /// <summary>The token a ledger entry names an alert kind with.</summary>
    public static string KindToken(AlertKind kind) => kind switch
    {
        AlertKind.Extraction => "extraction",
        AlertKind.MembershipProbing => "membership-probing",
        AlertKind.BoundaryProbing => "boundary-probing",
        AlertKind.ScoreBudget => "score-budget",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var loaded in _loaded.Values)
        {
            (loaded.Model as IDisposable)?.Dispose();
        }

        _loaded.Clear();
        _file.Dispose();
        _writers.Dispose();
    }

    private GovernanceError? Take(SqliteConnection c, string id, string caller, ServingPolicy policy)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        double tokens = policy.Burst;
        long total = 0, refilled = now;
        using (var command = Command(c, "SELECT tokens, refilled_at, total FROM usage WHERE model = $m AND caller = $k", ("$m", id), ("$k", caller)))
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                (tokens, refilled, total) = (reader.GetDouble(0), reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        if (policy.MaxQueries is { } max && total >= max)
        {
            return new GovernanceError(GovernanceErrorKind.Refused, string.Create(CultureInfo.InvariantCulture, $"This API key has made all {max} queries it may make of model '{id}'."), "query-limit");
        }

        if (policy.RatePerSecond > 0)
        {
            tokens = Math.Min(policy.Burst, tokens + (Math.Max(0, now - refilled) / 1000.0 * policy.RatePerSecond));
            if (tokens < 1)
            {
                var wait = (1 - tokens) / policy.RatePerSecond;
                return new GovernanceError(GovernanceErrorKind.Refused, string.Create(CultureInfo.InvariantCulture, $"This API key is over its rate of {policy.RatePerSecond:G} queries a second for model '{id}'; retry after {wait:F1} s."), "rate-limit");
            }

            tokens -= 1;
        }

        Execute(
            c,
            """
            INSERT INTO usage(model, caller, tokens, refilled_at, total) VALUES ($m, $k, $t, $now, 1)
            ON CONFLICT(model, caller) DO UPDATE SET tokens = $t, refilled_at = $now, total = total + 1
            """,
            ("$m", id), ("$k", caller), ("$t", tokens), ("$now", now));
        return null;
    }

    /// <summary>
    /// The key's window of traces, brought up to date inside the write transaction: rows are only appended (seq grows)
    /// and pruned from the front, so the rows after the cached last seq are all that changed, whichever process wrote
    /// them. A database whose last seq is below the cache's (restored from a backup) is read again in full.
    /// </summary>
    private TraceWindow Window(SqliteConnection c, string id, string caller)
    {
        var window = _windows.GetOrAdd((id, caller), _ => new TraceWindow());
        var last = Scalar<long?>(c, "SELECT MAX(seq) FROM traces WHERE model = $m AND caller = $k", ("$m", id), ("$k", caller)) ?? 0;
        if (last < window.LastSequence)
        {
            window = new TraceWindow();
            _windows[(id, caller)] = window;
        }

        using var command = Command(
            c,
            "SELECT seq, sketch, predicted, margin, min_distance, near_duplicate FROM (SELECT * FROM traces WHERE model = $m AND caller = $k AND seq > $after ORDER BY seq DESC LIMIT $w) ORDER BY seq",
            ("$m", id), ("$k", caller), ("$after", window.LastSequence), ("$w", _monitorOptions.Window));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var sketch = MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)).ToArray();
            window.Add(reader.GetInt64(0), new QueryTrace(sketch, reader.GetInt32(2), reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.GetInt32(5) == 1), _monitorOptions.Window);
        }

        return window;
    }

    private Loaded Load(SqliteConnection c, RegisteredClassifier registered)
    {
        if (_loaded.TryGetValue(registered.Id, out var cached) && cached.Sha256 == registered.Sha256)
        {
            return cached;
        }

        ILogitModel model;
        try
        {
            if (registered.Onnx is { } spec)
            {
                var path = OnnxFileOf(registered.Id);
                if (new FileInfo(path).Length > MaxOnnxBytes)
                {
                    throw new InvalidDataException("The file is larger than any ONNX model the registry takes.");
                }

                // Pinned: OnnxClassifier.Load refuses a file whose SHA-256 is not the one registered.
                model = OnnxClassifier.Load(File.ReadAllBytes(path), registered.Sha256, spec);
            }
            else
            {
                var saved = ModelFile.Read(FileOf(registered.Id));
                if (saved.Sha256 != registered.Sha256)
                {
                    throw new InvalidDataException("it is not the one registered (SHA-256 differs): it was replaced outside Obscura; register it again under a new id.");
                }

                model = new Training.TrainedClassifier(saved.Model, saved.Parameters);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException)
        {
            throw new InvalidDataException($"The file of model '{registered.Id}' cannot be served: {ex.Message}", ex);
        }

        var key = (byte[])Scalar<byte[]>(c, "SELECT noise_key FROM classifiers WHERE id = $id", ("$id", registered.Id));
        var seed = BitConverter.ToInt32(HMACSHA256.HashData(key, "projection"u8));
        var loaded = new Loaded(model, registered.Sha256, new QueryMonitor(registered.Inputs, seed, _monitorOptions), key);
        if (_loaded.TryGetValue(registered.Id, out var replaced))
        {
            (replaced.Model as IDisposable)?.Dispose();
        }

        _loaded[registered.Id] = loaded;
        return loaded;
    }

    private static RegisteredClassifier? Read(SqliteConnection c, string id)
    {
        RegisteredClassifier? found = null;
        using (var command = Command(c, "SELECT id, sha256, inputs, classes, hidden, epsilon, output, rate, burst, max_queries, registered_at, onnx FROM classifiers WHERE id = $id", ("$id", id)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            found = new RegisteredClassifier(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetDouble(5),
                Policy(reader, 6), new Dictionary<string, ServingPolicy>(StringComparer.Ordinal), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
                reader.IsDBNull(11) ? null : System.Text.Json.JsonSerializer.Deserialize<OnnxClassifierSpec>(reader.GetString(11)));
        }

        var keys = (Dictionary<string, ServingPolicy>)found.KeyPolicies;
        using (var command = Command(c, "SELECT caller, output, rate, burst, max_queries FROM key_policies WHERE model = $id ORDER BY caller", ("$id", id)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                keys[reader.GetString(0)] = Policy(reader, 1);
            }
        }

        return found;
    }

    private static ServingPolicy Policy(SqliteDataReader reader, int first) => new()
    {
        Output = OutputPolicy.Parse(reader.GetString(first)),
        RatePerSecond = reader.GetDouble(first + 1),
        Burst = reader.GetInt32(first + 2),
        MaxQueries = reader.IsDBNull(first + 3) ? null : reader.GetInt64(first + 3),
    };

    private async Task<T> WriteAsync<T>(bool durable, Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = _file.Connect(durable);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writers.Release();
        }
    }

    private string FileOf(string id) => Path.Combine(_directory, id + ".obm");

    private string OnnxFileOf(string id) => Path.Combine(_directory, id + ".onnx");

    private static string Location(string id) => "classifier:" + id;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$")]
    private static partial Regex CallerPattern();

    private sealed record Loaded(ILogitModel Model, string Sha256, QueryMonitor Monitor, byte[] NoiseKey);

    /// <summary>A key's latest traces as committed (only touched inside the registry's write transaction).</summary>
    private sealed class TraceWindow
    {
        public List<(long Sequence, QueryTrace Trace)> Traces { get; } = [];

        public long LastSequence { get; private set; }

        public void Add(long sequence, QueryTrace trace, int window)
        {
            Traces.Add((sequence, trace));
            LastSequence = sequence;
            if (Traces.Count > window)
            {
                Traces.RemoveRange(0, Traces.Count - window);
            }
        }
    }
}
