using Obscura.Governance.Access;

namespace Obscura.Server.Console;

/// <summary>
/// A signed-in console user, held only in the server's memory. It names the API key by its lookup id and name, never
/// its secret: the secret was checked once at sign-in and is not kept anywhere.
/// </summary>
/// <param name="KeyId">The API key's public lookup id, re-checked against the database on every request.</param>
/// <param name="KeyName">The key's name (the ledger actor is <c>apikey:{KeyName}</c>).</param>
/// <param name="Role">The key's role at sign-in.</param>
/// <param name="SecretHash">The stored SHA-256 of the key's secret at sign-in: a key row replaced under the same id ends the session.</param>
/// <param name="CreatedAt">When the session began (the absolute lifetime counts from here).</param>
/// <param name="LastSeenAt">The last request made with it (the idle timeout counts from here).</param>
internal sealed record ConsoleSession(string KeyId, string KeyName, Role Role, byte[] SecretHash, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt)
{
    /// <inheritdoc />
    public override string ToString() => $"ConsoleSession({KeyName}, {Role})";
}
