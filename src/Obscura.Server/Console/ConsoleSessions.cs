using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Obscura.Governance.Access;

namespace Obscura.Server.Console;

/// <summary>
/// The console's server-side sessions. The browser holds only an opaque session id (256 random bits); this store keys
/// each session by the SHA-256 of that id, so even a dump of the server's memory gives no cookie to replay. A session
/// ends at sign-out, after <see cref="IdleTimeout"/> without a request, after <see cref="AbsoluteLifetime"/>, when its
/// key is revoked, and when the server stops (sessions are not persisted: after a restart everyone signs in again).
/// </summary>
internal sealed class ConsoleSessions(TimeProvider clock)
{
    /// <summary>How long a session lives without a request.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>How long a session lives at most, however busy.</summary>
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>The number of live sessions (expired ones are dropped when next looked up or at the next sign-in).</summary>
    public int Count => _sessions.Count;

    /// <summary>Starts a session for a key that has just authenticated; returns the new opaque id for the cookie.</summary>
    public string Start(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Sweep();
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        _sessions[Hash(id)] = new ConsoleSession(key.Id, key.Name, key.Role, key.SecretHash, now, now);
        return id;
    }

    /// <summary>The live session for <paramref name="id"/>, touched; <see langword="null"/> (and the session dropped) when unknown or expired.</summary>
    public ConsoleSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 100)
        {
            return null;
        }

        var hash = Hash(id);
        if (!_sessions.TryGetValue(hash, out var session))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (Expired(session, now))
        {
            _sessions.TryRemove(hash, out _);
            return null;
        }

        var touched = session with { LastSeenAt = now };
        _sessions.TryUpdate(hash, touched, session);
        return touched;
    }

    /// <summary>Ends the session for <paramref name="id"/>, if any.</summary>
    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id) && id.Length <= 100)
        {
            _sessions.TryRemove(Hash(id), out _);
        }
    }

    /// <summary>Ends every session made with the key <paramref name="keyId"/> (it was found revoked).</summary>
    public void EndAllFor(string keyId)
    {
        foreach (var (hash, session) in _sessions)
        {
            if (session.KeyId == keyId)
            {
                _sessions.TryRemove(hash, out _);
            }
        }
    }

    private static bool Expired(ConsoleSession session, DateTimeOffset now) =>
        now - session.LastSeenAt >= IdleTimeout || now - session.CreatedAt >= AbsoluteLifetime;

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (hash, session) in _sessions)
        {
            if (Expired(session, now))
            {
                _sessions.TryRemove(hash, out _);
            }
        }
    }

    private static string Hash(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
