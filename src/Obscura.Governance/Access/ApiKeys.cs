using System.Security.Cryptography;
using System.Text;
using Obscura.Governance.Internal;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Access;

/// <summary>
/// Issues and checks API keys of the form <c>obk_{id}_{secret}</c>: a public lookup id and 256 random secret bits.
/// Only the SHA-256 of the secret is stored, compared in constant time; a revoked key never authenticates. Creation
/// and revocation are each committed to the audit ledger in the same transaction, and a key authenticates only while
/// its stored row matches what the ledger committed, so a key row written or un-revoked outside Obscura is refused.
/// </summary>
public sealed class ApiKeys
{
    private const string Prefix = "obk_";
    private const string Location = "db:api-keys";
    private static readonly DataCategory KeyCategory = DataCategory.Parse("api-key");
    private static readonly Actor SystemActor = Actor.Parse("obscura:system");
    private readonly IGovernanceStore _store;
    private readonly AuditLedger _ledger;
    private readonly TimeProvider _time;

    /// <summary>Creates the service over the store and the ledger that records key changes.</summary>
    public ApiKeys(IGovernanceStore store, AuditLedger ledger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _ledger = ledger;
        _time = timeProvider;
    }

    /// <summary>Creates a key as the system itself (the ledger's actor is <c>obscura:system</c>); see <see cref="CreateAsync(Actor, string, Role, SubjectId?, CancellationToken)"/>.</summary>
    public Task<Outcome<(ApiKeyRecord Record, string Key)>> CreateAsync(string name, Role role, SubjectId? subject, CancellationToken cancellationToken) =>
        CreateAsync(SystemActor, name, role, subject, cancellationToken);

    /// <summary>Creates a key; the returned secret text is shown once and never stored.</summary>
    /// <param name="actor">Who creates it, as the ledger records it.</param>
    /// <param name="name">Unique name, 1–64 characters of letters, digits and <c>._:/@-</c>.</param>
    /// <param name="role">What it may do.</param>
    /// <param name="subject">Required for, and only for, <see cref="Role.Subject"/> keys.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<Outcome<(ApiKeyRecord Record, string Key)>> CreateAsync(Actor actor, string name, Role role, SubjectId? subject, CancellationToken cancellationToken)
    {
        if (!Token.IsIdentifier(name, 64))
        {
            return GovernanceError.Invalid("name", "A key name is 1-64 characters of letters, digits and ._:/@-.");
        }

        if (!Enum.IsDefined(role))
        {
            return GovernanceError.Invalid("role", "Unknown role.");
        }

        if ((role == Role.Subject) != subject.HasValue)
        {
            return GovernanceError.Invalid("subject", "A subject key names its subject; other keys name none.");
        }

        Span<byte> idBytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(idBytes);
        var secret = new byte[32];
        RandomNumberGenerator.Fill(secret);
        var id = Base32.Encode(idBytes);
        var secretText = Base32.Encode(secret);
        var record = new ApiKeyRecord(id, name, role, subject, Hash(secretText), Now(), null);
        CryptographicOperations.ZeroMemory(secret);
        return await _store.WriteAsync<Outcome<(ApiKeyRecord Record, string Key)>>(async (s, ct) =>
        {
            if (await s.InsertApiKeyAsync(record, ct).ConfigureAwait(false) is not { } commitment)
            {
                return GovernanceError.Conflict($"A key named '{name}' already exists.");
            }

            await _ledger.AppendAsync(s, [new AuditEvent(actor.Value, AuditAction.Create, KeyCategory, subject, to: Location, reference: id, commitment: commitment)], ct).ConfigureAwait(false);
            return (record, Prefix + id + "_" + secretText);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes the named key; it stops authenticating at once.</summary>
    /// <returns>The revoked key, or <see cref="GovernanceErrorKind.NotFound"/> when no live key has that name.</returns>
    public Task<Outcome<ApiKeyRecord>> RevokeAsync(Actor actor, string name, CancellationToken cancellationToken) =>
        _store.WriteAsync<Outcome<ApiKeyRecord>>(async (s, ct) =>
        {
            var now = Now();
            if (await s.FindApiKeyByNameAsync(name, ct).ConfigureAwait(false) is not { RevokedAt: null } key
                || await s.RevokeApiKeyAsync(name, now, ct).ConfigureAwait(false) is not { } commitment)
            {
                return GovernanceError.NotFound("No live key has that name.");
            }

            await _ledger.AppendAsync(s, [new AuditEvent(actor.Value, AuditAction.Update, KeyCategory, key.Subject, from: Location, to: "revoked", reference: key.Id, commitment: commitment)], ct).ConfigureAwait(false);
            return key with { RevokedAt = now };
        }, cancellationToken);

    /// <summary>All keys, revoked ones included, by name; never their secrets.</summary>
    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => s.ListApiKeysAsync(ct), cancellationToken);

    /// <summary>The live key record that <paramref name="presented"/> authenticates, or <see langword="null"/>.</summary>
    public async Task<ApiKeyRecord?> AuthenticateAsync(string? presented, CancellationToken cancellationToken)
    {
        if (presented is null || presented.Length > 200 || !presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = presented[Prefix.Length..];
        var split = rest.IndexOf('_', StringComparison.Ordinal);
        if (split <= 0)
        {
            return null;
        }

        var id = rest[..split];
        var hash = Hash(rest[(split + 1)..]);
        var record = await FindLiveAsync(id, cancellationToken).ConfigureAwait(false);
        return record is not null && CryptographicOperations.FixedTimeEquals(record.SecretHash, hash) ? record : null;
    }

    /// <summary>
    /// The key with lookup id <paramref name="id"/> if it is still live: not revoked and matching what the ledger
    /// committed. A server-side session made with a key calls this on every request, so revoking the key (from any
    /// process sharing the database) ends the session at its next request.
    /// </summary>
    /// <returns>The live record, or <see langword="null"/> when the key is unknown, revoked or altered outside Obscura.</returns>
    public Task<ApiKeyRecord?> FindLiveAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _store.ReadAsync<ApiKeyRecord?>(async (s, ct) =>
        {
            var record = await s.FindApiKeyAsync(id, ct).ConfigureAwait(false);
            if (record is null || record.RevokedAt is not null)
            {
                return null;
            }

            // A key row inserted, changed or un-revoked outside Obscura does not match the ledger and is refused.
            return await RecordCheck.AllCommittedAsync(s, _ledger, RecordTables.ApiKeys, [record.Id], ct).ConfigureAwait(false) ? record : null;
        }, cancellationToken);
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
}
