using Obscura.Governance.Subjects;

namespace Obscura.Governance.Access;

/// <summary>A stored API key: never the secret itself, only its SHA-256 hash.</summary>
/// <param name="Id">Public lookup id (the part of the key before the secret).</param>
/// <param name="Name">Human-readable name, unique, used as the ledger actor <c>apikey:{Name}</c>.</param>
/// <param name="Role">What the key may do.</param>
/// <param name="Subject">For <see cref="Role.Subject"/> keys, the subject they belong to.</param>
/// <param name="SecretHash">SHA-256 of the secret part (32 bytes).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
public sealed record ApiKeyRecord(string Id, string Name, Role Role, SubjectId? Subject, byte[] SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    /// <inheritdoc />
    public override string ToString() => $"ApiKeyRecord({Id}, {Name}, {Role})";
}
