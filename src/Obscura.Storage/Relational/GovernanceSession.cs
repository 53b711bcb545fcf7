using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Obscura.Governance.Assessments;
using Obscura.Governance.Budgets;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Storage.Relational;

/// <summary>
/// One transaction on a relational store (SQLite or PostgreSQL): the same SQL on both, with named <c>@</c>
/// parameters; what differs lives in <see cref="RecordTableSql"/>. Times are stored as Unix milliseconds.
/// </summary>
internal sealed partial class GovernanceSession(DbConnection connection, DbTransaction transaction, bool writable, RecordTableSql tables) : IGovernanceSession
{
    public Task<SubjectRecord?> GetSubjectAsync(SubjectId id, CancellationToken cancellationToken) =>
        FirstAsync("SELECT id, registered_at FROM subjects WHERE id = @id", ReadSubject, cancellationToken, ("@id", id.Value));

    public Task<IReadOnlyList<SubjectRecord>> ListSubjectsAsync(SubjectId? afterId, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync("SELECT id, registered_at FROM subjects WHERE id > @after ORDER BY id LIMIT @n", ReadSubject, cancellationToken, ("@after", afterId?.Value ?? string.Empty), ("@n", maxCount));

    public async Task<RecordCommitment> InsertSubjectAsync(SubjectRecord subject, CancellationToken cancellationToken)
    {
        await ExecuteAsync("INSERT INTO subjects (id, registered_at) VALUES (@id, @at)", cancellationToken, ("@id", subject.Id.Value), ("@at", Ms(subject.RegisteredAt))).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.Subjects, subject.Id.Value, cancellationToken).ConfigureAwait(false);
    }

    public Task<Purpose?> GetPurposeAsync(PurposeId id, CancellationToken cancellationToken) =>
        FirstAsync("SELECT definition, registered_at FROM purposes WHERE id = @id", ReadPurpose, cancellationToken, ("@id", id.Value));

    public Task<IReadOnlyList<Purpose>> ListPurposesAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT definition, registered_at FROM purposes ORDER BY id", ReadPurpose, cancellationToken);

    public async Task<RecordCommitment> InsertPurposeAsync(Purpose purpose, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            "INSERT INTO purposes (id, definition, registered_at) VALUES (@id, @def, @at)",
            cancellationToken,
            ("@id", purpose.Id.Value),
            ("@def", JsonSerializer.Serialize(purpose.Definition, GovernanceJson.Options)),
            ("@at", Ms(purpose.RegisteredAt))).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.Purposes, purpose.Id.Value, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RecordCommitment> InsertConsentEventAsync(ConsentEvent e, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            "INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) VALUES (@id, @s, @p, @k, @at, @nv, @ex, @ch, @actor)",
            cancellationToken,
            ("@id", e.Id),
            ("@s", e.Subject.Value),
            ("@p", e.Purpose.Value),
            ("@k", (int)e.Kind),
            ("@at", Ms(e.At)),
            ("@nv", e.NoticeVersion),
            ("@ex", e.Explicit ? 1 : 0),
            ("@ch", e.Channel),
            ("@actor", e.Actor)).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.ConsentEvents, e.Id, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ConsentEvent>> GetConsentEventsAsync(SubjectId subject, PurposeId? purpose, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT id, subject, purpose, kind, at, notice_version, explicit, channel, actor FROM consent_events WHERE subject = @s AND (@p IS NULL OR purpose = @p) ORDER BY seq",
            r => new ConsentEvent(r.GetString(0), SubjectId.Parse(r.GetString(1)), PurposeId.Parse(r.GetString(2)), (ConsentEventKind)r.GetInt32(3), FromMs(r.GetInt64(4)), r.GetString(5), r.GetInt32(6) == 1, r.GetString(7), r.GetString(8)),
            cancellationToken,
            ("@s", subject.Value),
            ("@p", purpose?.Value));

    public async Task<RecordCommitment> InsertObjectionEventAsync(ObjectionEvent e, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            "INSERT INTO objection_events (id, subject, purpose, kind, at, actor) VALUES (@id, @s, @p, @k, @at, @actor)",
            cancellationToken,
            ("@id", e.Id),
            ("@s", e.Subject.Value),
            ("@p", e.Purpose.Value),
            ("@k", (int)e.Kind),
            ("@at", Ms(e.At)),
            ("@actor", e.Actor)).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.ObjectionEvents, e.Id, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ObjectionEvent>> GetObjectionEventsAsync(SubjectId subject, PurposeId? purpose, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT id, subject, purpose, kind, at, actor FROM objection_events WHERE subject = @s AND (@p IS NULL OR purpose = @p) ORDER BY seq",
            r => new ObjectionEvent(r.GetString(0), SubjectId.Parse(r.GetString(1)), PurposeId.Parse(r.GetString(2)), (ObjectionEventKind)r.GetInt32(3), FromMs(r.GetInt64(4)), r.GetString(5)),
            cancellationToken,
            ("@s", subject.Value),
            ("@p", purpose?.Value));

    public async Task<RecordCommitment> InsertAssessmentAsync(CompatibilityAssessment a, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            "INSERT INTO assessments (id, from_purpose, to_purpose, draft, assessed_at) VALUES (@id, @f, @t, @d, @at)",
            cancellationToken,
            ("@id", a.Id),
            ("@f", a.Draft.FromPurpose.Value),
            ("@t", a.Draft.ToPurpose.Value),
            ("@d", JsonSerializer.Serialize(a.Draft, GovernanceJson.Options)),
            ("@at", Ms(a.AssessedAt))).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.Assessments, a.Id, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<CompatibilityAssessment>> GetAssessmentsAsync(PurposeId? fromPurpose, PurposeId? toPurpose, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT id, draft, assessed_at FROM assessments WHERE (@f IS NULL OR from_purpose = @f) AND (@t IS NULL OR to_purpose = @t) ORDER BY seq",
            r => new CompatibilityAssessment(r.GetString(0), Deserialize<CompatibilityAssessmentDraft>(r.GetString(1)), FromMs(r.GetInt64(2))),
            cancellationToken,
            ("@f", fromPurpose?.Value),
            ("@t", toPurpose?.Value));

    public async Task<RecordCommitment> InsertDocumentAsync(StoredDocument d, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(d);
        await ExecuteAsync(
            "INSERT INTO purpose_documents (id, purpose, kind, body, recorded_at, actor) VALUES (@id, @p, @k, @b, @at, @actor)",
            cancellationToken,
            ("@id", d.Id),
            ("@p", d.Purpose.Value),
            ("@k", d.Kind),
            ("@b", d.Body),
            ("@at", Ms(d.RecordedAt)),
            ("@actor", d.Actor)).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.PurposeDocuments, d.Id, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<StoredDocument>> GetDocumentsAsync(PurposeId purpose, string kind, string? afterId, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync(
            DocumentColumns + " WHERE purpose = @p AND kind = @k AND seq > COALESCE((SELECT seq FROM purpose_documents WHERE id = @after), 0) ORDER BY seq LIMIT @n",
            ReadDocument,
            cancellationToken,
            ("@p", purpose.Value),
            ("@k", kind),
            ("@after", afterId),
            ("@n", maxCount));

    public Task<StoredDocument?> GetLatestDocumentAsync(PurposeId purpose, string kind, CancellationToken cancellationToken) =>
        FirstAsync(DocumentColumns + " WHERE purpose = @p AND kind = @k ORDER BY seq DESC LIMIT 1", ReadDocument, cancellationToken, ("@p", purpose.Value), ("@k", kind));

    public Task<long> CountDocumentsAsync(PurposeId purpose, string kind, CancellationToken cancellationToken) =>
        ScalarAsync<long>("SELECT COUNT(*) FROM purpose_documents WHERE purpose = @p AND kind = @k", cancellationToken, ("@p", purpose.Value), ("@k", kind));

    public async Task<PrivacyBudget?> GetPrivacyBudgetAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT dataset, purpose, epsilon, delta, created_at FROM privacy_budgets WHERE dataset = @d AND purpose = @p",
            ReadBudget,
            cancellationToken,
            ("@d", dataset),
            ("@p", purpose.Value)).ConfigureAwait(false)).SingleOrDefault();

    public Task<IReadOnlyList<PrivacyBudget>> ListPrivacyBudgetsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT dataset, purpose, epsilon, delta, created_at FROM privacy_budgets ORDER BY dataset, purpose", ReadBudget, cancellationToken);

    public async Task<RecordCommitment?> InsertPrivacyBudgetAsync(PrivacyBudget budget, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "INSERT INTO privacy_budgets (dataset, purpose, epsilon, delta, created_at) VALUES (@d, @p, @e, @delta, @at) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("@d", budget.Dataset),
            ("@p", budget.Purpose.Value),
            ("@e", budget.Epsilon),
            ("@delta", budget.Delta),
            ("@at", Ms(budget.CreatedAt))).ConfigureAwait(false) == 1
            ? await CommitmentOfAsync(RecordTables.PrivacyBudgets, budget.Dataset + ":" + budget.Purpose.Value, cancellationToken).ConfigureAwait(false)
            : null;

    public Task<IReadOnlyList<PrivacyCharge>> GetPrivacyChargesAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT dataset, purpose, concentrated, numerator, denominator, query, charged_at, mechanism FROM privacy_charges WHERE dataset = @d AND purpose = @p ORDER BY seq",
            r => new PrivacyCharge(r.GetString(0), PurposeId.Parse(r.GetString(1)), r.GetInt64(2) != 0, ulong.Parse(r.GetString(3), CultureInfo.InvariantCulture), ulong.Parse(r.GetString(4), CultureInfo.InvariantCulture), r.GetString(5), FromMs(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7)),
            cancellationToken,
            ("@d", dataset),
            ("@p", purpose.Value));

    public async Task<RecordCommitment> InsertPrivacyChargeAsync(PrivacyCharge charge, CancellationToken cancellationToken)
    {
        var seq = await InsertReturningSeqAsync(
            "INSERT INTO privacy_charges (dataset, purpose, concentrated, numerator, denominator, query, charged_at, mechanism) VALUES (@d, @p, @c, @n, @den, @q, @at, @m) RETURNING seq",
            cancellationToken,
            ("@d", charge.Dataset),
            ("@p", charge.Purpose.Value),
            ("@c", charge.Concentrated ? 1 : 0),
            ("@n", charge.Numerator.ToString(CultureInfo.InvariantCulture)),
            ("@den", charge.Denominator.ToString(CultureInfo.InvariantCulture)),
            ("@q", charge.Query),
            ("@at", Ms(charge.ChargedAt)),
            ("@m", charge.Mechanism)).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.PrivacyCharges, seq.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
    }

    public Task<long> GetLedgerSizeAsync(CancellationToken cancellationToken) =>
        ScalarAsync<long>("SELECT COALESCE(MAX(tree_size), 0) FROM ledger_heads", cancellationToken);

    public async Task<IReadOnlyDictionary<NodeCoordinate, byte[]>> GetLedgerNodesAsync(IReadOnlyCollection<NodeCoordinate> nodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var result = new Dictionary<NodeCoordinate, byte[]>(nodes.Count);
        await using var command = Command("SELECT hash FROM ledger_nodes WHERE level = @l AND idx = @i");
        var level = Parameter(command, "@l");
        var index = Parameter(command, "@i");
        foreach (var c in nodes)
        {
            level.Value = c.Level;
            index.Value = c.Index;
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] hash)
            {
                result[c] = hash;
            }
        }

        return result;
    }

    public Task<IReadOnlyList<byte[]>> GetLedgerLevelAsync(int level, long fromIndex, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync("SELECT hash FROM ledger_nodes WHERE level = @l AND idx >= @i ORDER BY idx LIMIT @n", r => (byte[])r[0], cancellationToken, ("@l", level), ("@i", fromIndex), ("@n", maxCount));

    public async Task AppendLedgerAsync(IReadOnlyList<AuditEntry> entries, IReadOnlyList<KeyValuePair<NodeCoordinate, byte[]>> nodes, SignedTreeHead head, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(head);
        EnsureWritable();
        await using (var insert = Command("INSERT INTO ledger_entries (seq, recorded_at, actor, action, category, subject, purpose, from_location, to_location, reference, record_table, record_key, content_hash) VALUES (@seq, @at, @actor, @action, @cat, @s, @p, @from, @to, @ref, @rt, @rk, @rh)"))
        {
            var p = EntryParameters.Select(n => Parameter(insert, n)).ToArray();
            foreach (var entry in entries)
            {
                var e = entry.Event;
                var c = e.Commitment;
                object?[] values = [entry.Sequence, Ms(entry.RecordedAt), e.Actor, (int)e.Action, e.DataCategory.Value, e.Subject?.Value, e.Purpose?.Value, e.From, e.To, e.Reference, c?.Table, c?.Key, c?.ContentHash];
                for (var i = 0; i < p.Length; i++)
                {
                    p[i].Value = values[i] ?? DBNull.Value;
                }

                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await using (var insert = Command("INSERT INTO ledger_nodes (level, idx, hash) VALUES (@l, @i, @h)"))
        {
            var level = Parameter(insert, "@l");
            var index = Parameter(insert, "@i");
            var hash = Parameter(insert, "@h");
            foreach (var (c, h) in nodes)
            {
                level.Value = c.Level;
                index.Value = c.Index;
                hash.Value = h;
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await ExecuteAsync(
            "INSERT INTO ledger_heads (tree_size, root, signed_at, key_id, signature) VALUES (@n, @root, @at, @key, @sig)",
            cancellationToken,
            ("@n", head.TreeSize),
            ("@root", head.RootHash),
            ("@at", Ms(head.Timestamp)),
            ("@key", head.KeyId),
            ("@sig", head.Signature)).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<AuditEntry>> GetLedgerEntriesAsync(long fromSequence, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync(EntryColumns + " WHERE seq >= @from ORDER BY seq LIMIT @n", ReadEntry, cancellationToken, ("@from", fromSequence), ("@n", maxCount));

    public Task<IReadOnlyList<AuditEntry>> GetLedgerEntriesForSubjectAsync(SubjectId subject, long fromSequence, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync(EntryColumns + " WHERE subject = @s AND seq >= @from ORDER BY seq LIMIT @n", ReadEntry, cancellationToken, ("@s", subject.Value), ("@from", fromSequence), ("@n", maxCount));

    public Task<IReadOnlyList<AuditEntry>> GetLedgerEntriesToAsync(string destination, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync(EntryColumns + " WHERE to_location = @to ORDER BY seq DESC LIMIT @n", ReadEntry, cancellationToken, ("@to", destination), ("@n", maxCount));

    public Task<SignedTreeHead?> GetLatestTreeHeadAsync(CancellationToken cancellationToken) =>
        FirstAsync(HeadColumns + " ORDER BY tree_size DESC LIMIT 1", ReadHead, cancellationToken);

    public Task<IReadOnlyList<SignedTreeHead>> GetTreeHeadsAsync(long fromSize, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync(HeadColumns + " WHERE tree_size >= @from ORDER BY tree_size LIMIT @n", ReadHead, cancellationToken, ("@from", fromSize), ("@n", maxCount));

    internal async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        EnsureWritable();
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs an <c>INSERT … RETURNING seq</c> and returns the sequence number the row was given.</summary>
    internal async Task<long> InsertReturningSeqAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        EnsureWritable();
        return await ScalarAsync<long>(sql, cancellationToken, parameters).ConfigureAwait(false);
    }

    internal async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, typeof(T), CultureInfo.InvariantCulture);
    }

    internal async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(read(reader));
        }

        return list;
    }

    internal async Task<T?> FirstAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        where T : class
    {
        var list = await QueryAsync(sql, read, cancellationToken, parameters).ConfigureAwait(false);
        return list.Count > 0 ? list[0] : null;
    }

    private DbCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = Parameter(command, name);
            parameter.Value = value ?? DBNull.Value;
            if (value is null)
            {
                // Every nullable value passed here is text; PostgreSQL cannot type a bare NULL in "@p IS NULL".
                parameter.DbType = System.Data.DbType.String;
            }
        }

        return command;
    }

    /// <summary>A new parameter of <paramref name="command"/>, typed by the value each execution gives it.</summary>
    private static DbParameter Parameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private void EnsureWritable()
    {
        if (!writable)
        {
            throw new InvalidOperationException("This is a read session; writes need IGovernanceStore.WriteAsync.");
        }
    }

    private static readonly string[] EntryParameters = ["@seq", "@at", "@actor", "@action", "@cat", "@s", "@p", "@from", "@to", "@ref", "@rt", "@rk", "@rh"];

    private const string EntryColumns = "SELECT seq, recorded_at, actor, action, category, subject, purpose, from_location, to_location, reference, record_table, record_key, content_hash FROM ledger_entries";
    private const string HeadColumns = "SELECT tree_size, root, signed_at, key_id, signature FROM ledger_heads";

    private static AuditEntry ReadEntry(DbDataReader r) => new(r.GetInt64(0), FromMs(r.GetInt64(1)), ReadEvent(r, 2));

    /// <summary>An event from the ten columns actor … reference (and, for ledger entries, the commitment's three) starting at <paramref name="first"/>.</summary>
    private static AuditEvent ReadEvent(DbDataReader r, int first)
    {
        string? Text(int i) => r.IsDBNull(first + i) ? null : r.GetString(first + i);
        RecordCommitment? commitment = null;
        if (r.FieldCount > first + 8 && !r.IsDBNull(first + 8))
        {
            commitment = Text(9) is { } key && !r.IsDBNull(first + 10)
                ? new RecordCommitment(r.GetString(first + 8), key, (byte[])r[first + 10])
                : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Ledger entry {r.GetInt64(0)} names a committed table but no key or content hash."));
        }

        return new AuditEvent(
            r.GetString(first),
            (AuditAction)r.GetInt32(first + 1),
            DataCategory.Parse(r.GetString(first + 2)),
            Text(3) is { } subject ? SubjectId.Parse(subject) : null,
            Text(4) is { } purpose ? PurposeId.Parse(purpose) : null,
            Text(5),
            Text(6),
            Text(7),
            commitment);
    }

    private static SignedTreeHead ReadHead(DbDataReader r) => new(r.GetInt64(0), (byte[])r[1], FromMs(r.GetInt64(2)), r.GetString(3), (byte[])r[4]);

    private const string DocumentColumns = "SELECT id, kind, purpose, body, recorded_at, actor FROM purpose_documents";

    private static StoredDocument ReadDocument(DbDataReader r) => new(r.GetString(0), r.GetString(1), PurposeId.Parse(r.GetString(2)), r.GetString(3), FromMs(r.GetInt64(4)), r.GetString(5));

    private static SubjectRecord ReadSubject(DbDataReader r) => new(SubjectId.Parse(r.GetString(0)), FromMs(r.GetInt64(1)));

    private static Purpose ReadPurpose(DbDataReader r) => new(Deserialize<PurposeDefinition>(r.GetString(0)), FromMs(r.GetInt64(1)));

    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, GovernanceJson.Options) ?? throw new InvalidDataException($"Stored {typeof(T).Name} is empty.");

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static PrivacyBudget ReadBudget(DbDataReader r) =>
        new(r.GetString(0), PurposeId.Parse(r.GetString(1)), r.GetDouble(2), r.GetDouble(3), FromMs(r.GetInt64(4)));
}
