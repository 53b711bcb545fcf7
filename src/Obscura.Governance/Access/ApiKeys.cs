using System.Security.Cryptography;
using System.Text;
using Obscura.Governance.Internal;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Access;

/// <summary>
/// Issues and checks API keys of the form <c>obk_{id}_{secret}</c>: a public lookup id and 256 random secret bits.
/// Only the SHA-256 of the secret is stored, compared in constant time; a revoked key never authenticates.
/// </summary>
public sealed class ApiKeys
{
    private const string Prefix = "obk_";
    private readonly IApiKeyStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates the service over a key store.</summary>
    public ApiKeys(IApiKeyStore store, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _time = timeProvider;
    }

    /// <summary>Creates a key; the returned secret text is shown once and never stored.</summary>
    /// <param name="name">Unique name, 1–64 characters of letters, digits and <c>._:/@-</c>.</param>
    /// <param name="role">What it may do.</param>
    /// <param name="subject">Required for, and only for, <see cref="Role.Subject"/> keys.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<Outcome<(ApiKeyRecord Record, string Key)>> CreateAsync(string name, Role role, SubjectId? subject, CancellationToken cancellationToken)
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
        var record = new ApiKeyRecord(id, name, role, subject, Hash(secretText), _time.GetUtcNow(), null);
        CryptographicOperations.ZeroMemory(secret);
        if (!await _store.InsertApiKeyAsync(record, cancellationToken).ConfigureAwait(false))
        {
            return GovernanceError.Conflict($"A key named '{name}' already exists.");
        }

        return (record, Prefix + id + "_" + secretText);
    }

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

        var record = await _store.FindApiKeyAsync(rest[..split], cancellationToken).ConfigureAwait(false);
        var hash = Hash(rest[(split + 1)..]);
        if (record is null || record.RevokedAt is not null || !CryptographicOperations.FixedTimeEquals(record.SecretHash, hash))
        {
            return null;
        }

        return record;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));
}
