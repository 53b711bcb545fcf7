using System.Data.Common;
using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Storage.Relational;

/// <summary>Record commitments, the access log and API keys.</summary>
internal sealed partial class GovernanceSession
{
    private const string KeyColumns = "SELECT id, name, role, subject, secret_hash, created_at, revoked_at FROM api_keys";
    private const string AccessColumns = "SELECT seq, recorded_at, actor, action, category, subject, purpose, from_location, to_location, reference FROM access_log";

    public async Task<IReadOnlyList<StoredRecord>> GetRecordsAsync(string table, string? afterKey, int maxCount, CancellationToken cancellationToken)
    {
        var t = tables.Get(table);
        var where = afterKey is null ? string.Empty : " WHERE " + t.AfterKey;
        return await QueryAsync($"{t.Select}{where} ORDER BY {t.OrderBy} LIMIT @n", r => new StoredRecord(r.GetString(0), RecordTableSql.Hash(t, r)), cancellationToken, ("@k", afterKey), ("@n", maxCount)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> FindRecordsAsync(string table, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var t = tables.Get(table);
        var result = new Dictionary<string, byte[]>(keys.Count, StringComparer.Ordinal);
        await using var command = Command($"{t.Select} WHERE {t.ByKey}");
        var key = Parameter(command, "@k");
        foreach (var k in keys)
        {
            key.Value = k;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result[k] = RecordTableSql.Hash(t, reader);
            }
        }

        return result;
    }

    public async Task<IReadOnlyDictionary<string, AuditEntry>> GetLatestCommitmentsAsync(string table, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var result = new Dictionary<string, AuditEntry>(keys.Count, StringComparer.Ordinal);
        await using var command = Command(EntryColumns + " WHERE record_table = @t AND record_key = @k ORDER BY seq DESC LIMIT 1", ("@t", table));
        var key = Parameter(command, "@k");
        foreach (var k in keys)
        {
            key.Value = k;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result[k] = ReadEntry(reader);
            }
        }

        return result;
    }

    public Task<IReadOnlyList<AuditEntry>> GetCommitmentsAsync(string table, SubjectId? subject, PurposeId purpose, CancellationToken cancellationToken) =>
        QueryAsync(EntryColumns + " WHERE record_table = @t AND purpose = @p AND (@s IS NULL OR subject = @s) ORDER BY seq", ReadEntry, cancellationToken, ("@t", table), ("@p", purpose.Value), ("@s", subject?.Value));

    public Task<AuditEntry?> GetLatestCommitmentAsync(string table, CancellationToken cancellationToken) =>
        FirstAsync(EntryColumns + " WHERE record_table = @t ORDER BY seq DESC LIMIT 1", ReadEntry, cancellationToken, ("@t", table));

    public async Task<long> AppendAccessAsync(DateTimeOffset recordedAt, AuditEvent access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return await InsertReturningSeqAsync(
            "INSERT INTO access_log (recorded_at, actor, action, category, subject, purpose, from_location, to_location, reference) VALUES (@at, @actor, @action, @cat, @s, @p, @from, @to, @ref) RETURNING seq",
            cancellationToken,
            ("@at", Ms(recordedAt)),
            ("@actor", access.Actor),
            ("@action", (int)access.Action),
            ("@cat", access.DataCategory.Value),
            ("@s", access.Subject?.Value),
            ("@p", access.Purpose?.Value),
            ("@from", access.From),
            ("@to", access.To),
            ("@ref", access.Reference)).ConfigureAwait(false);
    }

    public async Task<(long Count, DateTimeOffset? Oldest, long Last)> GetPendingAccessAsync(long afterSequence, CancellationToken cancellationToken)
    {
        var row = await QueryAsync(
            "SELECT COUNT(*), MIN(recorded_at), MAX(seq) FROM access_log WHERE seq > @a",
            r => (r.GetInt64(0), r.IsDBNull(1) ? (DateTimeOffset?)null : FromMs(r.GetInt64(1)), r.IsDBNull(2) ? afterSequence : r.GetInt64(2)),
            cancellationToken,
            ("@a", afterSequence)).ConfigureAwait(false);
        return row[0];
    }

    public Task<IReadOnlyList<KeyValuePair<long, byte[]>>> GetAccessLogHashesAsync(long fromSequence, long toSequence, int maxCount, CancellationToken cancellationToken)
    {
        var t = tables.Get(RecordTables.AccessLog);
        return QueryAsync($"{t.Select} WHERE seq BETWEEN @f AND @t ORDER BY seq LIMIT @n", r => new KeyValuePair<long, byte[]>(r.GetInt64(1), RecordTableSql.Hash(t, r)), cancellationToken, ("@f", fromSequence), ("@t", toSequence), ("@n", maxCount));
    }

    public async Task<long?> GetFirstAccessSequenceAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT MIN(seq) FROM access_log", r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0), cancellationToken).ConfigureAwait(false))[0];

    public Task<IReadOnlyList<AccessLogEntry>> GetAccessLogForSubjectAsync(SubjectId subject, long fromSequence, int maxCount, CancellationToken cancellationToken) =>
        QueryAsync(AccessColumns + " WHERE subject = @s AND seq >= @from ORDER BY seq LIMIT @n", r => new AccessLogEntry(r.GetInt64(0), FromMs(r.GetInt64(1)), ReadEvent(r, 2)), cancellationToken, ("@s", subject.Value), ("@from", fromSequence), ("@n", maxCount));

    public async Task<RecordCommitment?> InsertApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (await ScalarAsync<long>("SELECT COUNT(*) FROM api_keys WHERE name = @name", cancellationToken, ("@name", key.Name)).ConfigureAwait(false) > 0)
        {
            return null;
        }

        await ExecuteAsync(
            "INSERT INTO api_keys (id, name, role, subject, secret_hash, created_at, revoked_at) VALUES (@id, @name, @role, @subject, @hash, @created, NULL)",
            cancellationToken,
            ("@id", key.Id),
            ("@name", key.Name),
            ("@role", (int)key.Role),
            ("@subject", key.Subject?.Value),
            ("@hash", key.SecretHash),
            ("@created", Ms(key.CreatedAt))).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.ApiKeys, key.Id, cancellationToken).ConfigureAwait(false);
    }

    public Task<ApiKeyRecord?> FindApiKeyAsync(string id, CancellationToken cancellationToken) =>
        FirstAsync(KeyColumns + " WHERE id = @id", ReadKey, cancellationToken, ("@id", id));

    public Task<ApiKeyRecord?> FindApiKeyByNameAsync(string name, CancellationToken cancellationToken) =>
        FirstAsync(KeyColumns + " WHERE name = @name", ReadKey, cancellationToken, ("@name", name));

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        QueryAsync(KeyColumns + " ORDER BY name", ReadKey, cancellationToken);

    public async Task<RecordCommitment?> RevokeApiKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await FindApiKeyByNameAsync(name, cancellationToken).ConfigureAwait(false) is not { RevokedAt: null } key)
        {
            return null;
        }

        await ExecuteAsync("UPDATE api_keys SET revoked_at = @at WHERE id = @id", cancellationToken, ("@at", Ms(at)), ("@id", key.Id)).ConfigureAwait(false);
        return await CommitmentOfAsync(RecordTables.ApiKeys, key.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The commitment to the row of <paramref name="table"/> with <paramref name="key"/> as stored now.</summary>
    private async Task<RecordCommitment> CommitmentOfAsync(string table, string key, CancellationToken cancellationToken)
    {
        var hashes = await FindRecordsAsync(table, [key], cancellationToken).ConfigureAwait(false);
        return hashes.TryGetValue(key, out var hash)
            ? new RecordCommitment(table, key, hash)
            : throw new InvalidOperationException($"The {table} row just written cannot be read back.");
    }

    private static ApiKeyRecord ReadKey(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        (Role)r.GetInt32(2),
        r.IsDBNull(3) ? null : SubjectId.Parse(r.GetString(3)),
        (byte[])r[4],
        FromMs(r.GetInt64(5)),
        r.IsDBNull(6) ? null : FromMs(r.GetInt64(6)));
}
