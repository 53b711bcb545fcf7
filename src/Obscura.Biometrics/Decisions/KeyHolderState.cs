using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Obscura.Biometrics.Keys;
using Obscura.Security.Data;
using Obscura.Security.Files;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.Biometrics.Decisions;

/// <summary>
/// The key holder's decision state, in one SQLite database (<c>state.db</c>) in its own folder, shared by every
/// process that opens that folder: each encryption key's decision count, the decision tickets it issued, the recent
/// decisions its rate limits and probing monitor count, and the refusals and flags it recorded. Every change is one
/// <c>BEGIN IMMEDIATE</c> transaction, so processes serialise on SQLite's lock and N decisions move a key's count by
/// exactly N. The count limits nothing (exact decisions leak no noise, so a key needs no budget) but is authenticated
/// (HMAC-SHA256 under a key derived from the key holder's master key, bound to the key id): a missing or altered row
/// for a key the provider uses is tampering, and the key holder refuses to decide rather than start again. Ticket response keys are
/// stored wrapped (AES-256-GCM under a second derived key) and erased when the ticket is used.
/// </summary>
/// <remarks>
/// Writers of one process queue on an in-process gate for the few milliseconds of a transaction (never across
/// cryptography), and processes on SQLite's busy handler, so no writer sleeps in a fixed retry interval. A
/// reservation (decision count, ticket use, the decision's row) and a recorded refusal are committed with
/// <c>synchronous=FULL</c>: on disk before the decryption runs. A ticket's issue and a decision's completion (the
/// monitor's flags) are committed with <c>synchronous=NORMAL</c>: in write-ahead-log mode they survive a crash of the
/// process, and the next reservation's sync puts them on disk with it; only a power loss right after them can take
/// them back, which refuses that ticket as unknown or drops those flags, and never takes a decision off the count.
/// </remarks>
/// <remarks>
/// What this cannot see: a whole older copy of the key holder's own folder put back (its rows carry valid MACs). That
/// rollback is a residual risk recorded in the threat model.
/// </remarks>
internal sealed class KeyHolderState : IDisposable
{
    private const int WrapNonceSize = 12;
    private const int WrapTagSize = 16;
    private static readonly TimeSpan TicketRetention = TimeSpan.FromDays(1);
    private readonly SqliteStateFile _file;
    private readonly byte[] _macKey;
    private readonly byte[] _wrapKey;
    private readonly DecisionLimits _limits;
    private readonly TimeProvider _clock;
    private bool _disposed;

    private KeyHolderState(SqliteStateFile file, byte[] macKey, byte[] wrapKey, DecisionLimits limits, TimeProvider clock)
    {
        _file = file;
        _macKey = macKey;
        _wrapKey = wrapKey;
        _limits = limits;
        _clock = clock;
    }

    /// <summary>The state database.</summary>
    public string DatabasePath => _file.Path;

    /// <summary>Opens (creating) the state database in <paramref name="directory"/>, authenticated under keys derived from <paramref name="keys"/>.</summary>
    public static KeyHolderState Open(string directory, KeyManagementService keys, DecisionLimits limits, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(clock);
        var path = Path.Combine(OwnerOnlyFiles.CreateDirectory(directory), "state.db");
        var state = new KeyHolderState(new SqliteStateFile(path), keys.DeriveKey("keyholder-state-mac"), keys.DeriveKey("keyholder-ticket-wrap"), limits.Validated(), clock);
        using var connection = state.Connect();
        if (Scalar<long>(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'key_state'") != 0)
        {
            state.Dispose();
            throw new InvalidDataException(
                $"{path} belongs to an earlier version of Obscura whose provider keys use the approximate CKKS scheme with a decision budget. "
                + "Its keys and templates cannot be used by the exact scheme: move the biometrics folder aside, run 'obscura faces init' and enrol the subjects again.");
        }

        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS key_decisions(key_id TEXT PRIMARY KEY, decisions INTEGER NOT NULL, mac BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS tickets(nonce BLOB PRIMARY KEY, subject TEXT NOT NULL, enrolment TEXT NOT NULL, key_id TEXT NOT NULL,
                caller TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, response_key BLOB NOT NULL, consumed_at INTEGER);
            CREATE TABLE IF NOT EXISTS decisions(id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, subject TEXT NOT NULL,
                enrolment TEXT NOT NULL, caller TEXT NOT NULL, key_id TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS tickets_caller ON tickets(caller, expires_at);
            CREATE INDEX IF NOT EXISTS tickets_expiry ON tickets(expires_at);
            CREATE INDEX IF NOT EXISTS decisions_at ON decisions(at);
            CREATE INDEX IF NOT EXISTS decisions_subject ON decisions(subject, at);
            CREATE INDEX IF NOT EXISTS decisions_caller ON decisions(caller, at);
            CREATE INDEX IF NOT EXISTS decisions_enrolment ON decisions(enrolment, at);
            CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, subject TEXT,
                enrolment TEXT, caller TEXT NOT NULL, detail TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS events_enrolment ON events(enrolment, kind, at);
            """);
        return state;
    }

    /// <summary>Records a new key with no decisions; refused if the key already has a state.</summary>
    /// <exception cref="InvalidOperationException">The key has a state already.</exception>
    public void CreateKey(string keyId) => InWrite(c =>
    {
        if (Scalar<long>(c, "SELECT COUNT(*) FROM key_decisions WHERE key_id = $k", ("$k", keyId)) != 0)
        {
            throw new InvalidOperationException($"Key {keyId} already has a decision state.");
        }

        Execute(c, "INSERT INTO key_decisions(key_id, decisions, mac) VALUES ($k, 0, $mac)", ("$k", keyId), ("$mac", Mac(keyId, 0)));
        return 0;
    });

    /// <summary>The decisions made under the key so far (a count for the operator; it limits nothing).</summary>
    /// <exception cref="InvalidDataException">The key's state is missing or fails authentication (tampering).</exception>
    public long Decisions(string keyId) => InRead(c => ReadKey(c, keyId));

    /// <summary>
    /// Stores a ticket and its response key (wrapped); expired tickets and decisions older than the window go. A caller
    /// that already holds <see cref="DecisionLimits.OpenTicketsPerCaller"/> unused, unexpired tickets gets none: the
    /// refusal is recorded and thrown.
    /// </summary>
    /// <exception cref="DecisionRefusedException">The caller holds too many open tickets (<see cref="DecisionRefusal.OpenTicketsLimited"/>; recorded).</exception>
    public void IssueTicket(byte[] nonce, DecisionTicketRequest request, string caller, DateTimeOffset expiresAt, ReadOnlySpan<byte> responseKey)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(request);
        var wrapped = Wrap(nonce, responseKey);
        var now = _clock.GetUtcNow();
        var refusal = InWrite<DecisionEvent?>(durable: false, c =>
        {
            Execute(c, "DELETE FROM tickets WHERE expires_at < $t", ("$t", Ms(now - TicketRetention)));
            Execute(c, "DELETE FROM decisions WHERE at < $t", ("$t", Ms(now - _limits.EffectiveWindow)));
            if (Scalar<long>(c, "SELECT COUNT(*) FROM tickets WHERE caller = $c AND consumed_at IS NULL AND expires_at >= $t", ("$c", caller), ("$t", Ms(now))) >= _limits.OpenTicketsPerCaller)
            {
                var refused = new DecisionEvent(now, DecisionEvent.RefusalKind(DecisionRefusal.OpenTicketsLimited), request.SubjectId, request.EnrolmentId, caller, $"The capture service holds {_limits.OpenTicketsPerCaller} unused, unexpired tickets.");
                Insert(c, refused);
                return refused;
            }

            Execute(
                c,
                "INSERT INTO tickets(nonce, subject, enrolment, key_id, caller, issued_at, expires_at, response_key) VALUES ($n, $s, $e, $k, $c, $i, $x, $r)",
                ("$n", nonce), ("$s", request.SubjectId), ("$e", request.EnrolmentId), ("$k", request.EncryptionKeyId), ("$c", caller), ("$i", Ms(now)), ("$x", Ms(expiresAt)), ("$r", wrapped));
            return null;
        });
        if (refusal is not null)
        {
            throw new DecisionRefusedException(DecisionRefusal.OpenTicketsLimited, refusal.Detail);
        }
    }

    /// <summary>
    /// In one transaction: checks the ticket (issued here, unused, unexpired, bound to the attested subject, enrolment
    /// and key) and the subject's and the capture service's rate limits, then uses the ticket, counts the decision and
    /// logs it. A refusal is recorded and thrown.
    /// </summary>
    /// <exception cref="DecisionRefusedException">The ticket or a rate limit refuses it (recorded).</exception>
    /// <exception cref="InvalidDataException">The key's state is missing or altered.</exception>
    public DecisionReservation Reserve(AttestedComparison comparison, string decider)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var now = _clock.GetUtcNow();
        var binding = comparison.Reference;
        DecisionEvent? refusal = null;
        DecisionRefusal reason = default;
        var reservation = InWrite(c =>
        {
            DecisionReservation? Refuse(DecisionRefusal why, string caller, string detail)
            {
                reason = why;
                refusal = new DecisionEvent(now, DecisionEvent.RefusalKind(why), binding.SubjectId, binding.EnrolmentId, caller, detail);
                Insert(c, refusal);
                return null;
            }

            string subject, enrolment, keyId, caller;
            long expires;
            long? consumed;
            byte[] wrapped;
            using (var find = Command(c, "SELECT subject, enrolment, key_id, caller, expires_at, response_key, consumed_at FROM tickets WHERE nonce = $n", ("$n", comparison.TicketNonce)))
            using (var reader = find.ExecuteReader())
            {
                if (!reader.Read())
                {
                    reader.Close();
                    return Refuse(DecisionRefusal.UnknownTicket, decider, "No ticket with this nonce was issued here.");
                }

                (subject, enrolment, keyId, caller) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
                (expires, wrapped, consumed) = (reader.GetInt64(4), (byte[])reader[5], reader.IsDBNull(6) ? null : reader.GetInt64(6));
            }

            if (consumed is not null)
            {
                return Refuse(DecisionRefusal.TicketReplayed, caller, "The ticket was already used for a decision.");
            }

            if (expires <= Ms(now))
            {
                return Refuse(DecisionRefusal.TicketExpired, caller, "The ticket expired.");
            }

            if (subject != binding.SubjectId || enrolment != binding.EnrolmentId || keyId != binding.EncryptionKeyId)
            {
                return Refuse(DecisionRefusal.BindingMismatch, caller, "The ticket was issued for another subject, enrolment or key than the attested comparison.");
            }

            var since = Ms(now - _limits.EffectiveWindow);
            if (Scalar<long>(c, "SELECT COUNT(*) FROM decisions WHERE subject = $s AND at > $t", ("$s", subject), ("$t", since)) >= _limits.PerSubject)
            {
                return Refuse(DecisionRefusal.SubjectRateLimited, caller, $"The subject had {_limits.PerSubject} decisions within {_limits.EffectiveWindow}.");
            }

            if (Scalar<long>(c, "SELECT COUNT(*) FROM decisions WHERE caller = $c AND at > $t", ("$c", caller), ("$t", since)) >= _limits.PerCaller)
            {
                return Refuse(DecisionRefusal.CallerRateLimited, caller, $"The capture service had {_limits.PerCaller} decisions within {_limits.EffectiveWindow}.");
            }

            Count(c, keyId);
            Execute(c, "UPDATE tickets SET consumed_at = $t, response_key = zeroblob(length(response_key)) WHERE nonce = $n", ("$t", Ms(now)), ("$n", comparison.TicketNonce));
            Execute(
                c,
                "INSERT INTO decisions(at, subject, enrolment, caller, key_id) VALUES ($t, $s, $e, $c, $k)",
                ("$t", Ms(now)), ("$s", subject), ("$e", enrolment), ("$c", caller), ("$k", keyId));
            var id = Scalar<long>(c, "SELECT last_insert_rowid()");
            return new DecisionReservation(id, keyId, caller, Unwrap(comparison.TicketNonce, wrapped));
        });
        if (refusal is not null)
        {
            throw new DecisionRefusedException(reason, refusal.Detail);
        }

        return reservation!;
    }

    /// <summary>Runs the probing monitor after a decision; returns the flags it raised.</summary>
    public IReadOnlyList<DecisionEvent> Complete(DecisionReservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var now = _clock.GetUtcNow();
        return InWrite(durable: false, c =>
        {
            string subject, enrolment;
            using (var find = Command(c, "SELECT subject, enrolment FROM decisions WHERE id = $id", ("$id", reservation.DecisionId)))
            using (var reader = find.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return (IReadOnlyList<DecisionEvent>)[];
                }

                (subject, enrolment) = (reader.GetString(0), reader.GetString(1));
            }
            var since = Ms(now - _limits.EffectiveWindow);
            var flags = new List<DecisionEvent>();
            bool FlaggedRecently(string kind) =>
                Scalar<long>(c, "SELECT COUNT(*) FROM events WHERE kind = $k AND enrolment = $e AND at > $t", ("$k", kind), ("$e", enrolment), ("$t", since)) != 0;

            var onReference = Scalar<long>(c, "SELECT COUNT(*) FROM decisions WHERE enrolment = $e AND at > $t", ("$e", enrolment), ("$t", since));
            if (onReference >= _limits.ManyDecisionsPerReference && !FlaggedRecently(DecisionEvent.ManyDecisionsFlag))
            {
                flags.Add(new DecisionEvent(now, DecisionEvent.ManyDecisionsFlag, subject, enrolment, reservation.Caller, $"{onReference} decisions on this enrolment within {_limits.EffectiveWindow}: typical of probing the template."));
            }

            foreach (var flag in flags)
            {
                Insert(c, flag);
            }

            return flags;
        });
    }

    /// <summary>Records an event (a refusal decided outside <see cref="Reserve"/>).</summary>
    public void Record(DecisionEvent decisionEvent)
    {
        ArgumentNullException.ThrowIfNull(decisionEvent);
        InWrite(c =>
        {
            Insert(c, decisionEvent);
            return 0;
        });
    }

    /// <summary>Every key's usage and the latest <paramref name="maxEvents"/> refusals and flags.</summary>
    public DecisionReport Report(int maxEvents) => InRead(c =>
    {
        var ids = new List<string>();
        using (var command = Command(c, "SELECT key_id FROM key_decisions ORDER BY key_id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        var keys = ids.Select(id => new DecisionKeyUsage(id, ReadKey(c, id))).ToList();
        var events = new List<DecisionEvent>();
        using (var command = Command(c, "SELECT at, kind, subject, enrolment, caller, detail FROM events ORDER BY id DESC LIMIT $l", ("$l", maxEvents)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                events.Add(new DecisionEvent(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5)));
            }
        }

        return new DecisionReport(keys, events);
    });

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_macKey);
        CryptographicOperations.ZeroMemory(_wrapKey);
        _file.Dispose();
    }

    private void Count(SqliteConnection c, string keyId)
    {
        var decisions = ReadKey(c, keyId);
        Execute(c, "UPDATE key_decisions SET decisions = $d, mac = $mac WHERE key_id = $k", ("$d", decisions + 1), ("$mac", Mac(keyId, decisions + 1)), ("$k", keyId));
    }

    private long ReadKey(SqliteConnection c, string keyId)
    {
        using var command = Command(c, "SELECT decisions, mac FROM key_decisions WHERE key_id = $k", ("$k", keyId));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidDataException($"The key holder's decision state for key {keyId} is missing: {DatabasePath} was deleted, replaced or altered. No decision is made under this key until the state is restored.");
        }

        var decisions = reader.GetInt64(0);
        var mac = (byte[])reader[1];
        if (decisions < 0 || !CryptographicOperations.FixedTimeEquals(mac, Mac(keyId, decisions)))
        {
            throw new InvalidDataException($"The key holder's decision state for key {keyId} fails authentication: {DatabasePath} was altered. No decision is made under this key.");
        }

        return decisions;
    }

    private byte[] Mac(string keyId, long decisions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var text = string.Create(CultureInfo.InvariantCulture, $"obscura/keyholder/key-decisions/v1\n{keyId}\n{decisions}");
        return HMACSHA256.HashData(_macKey, Encoding.UTF8.GetBytes(text));
    }

    private byte[] Wrap(byte[] ticketNonce, ReadOnlySpan<byte> responseKey)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var blob = new byte[WrapNonceSize + responseKey.Length + WrapTagSize];
        RandomNumberGenerator.Fill(blob.AsSpan(0, WrapNonceSize));
        using var gcm = new AesGcm(_wrapKey, WrapTagSize);
        gcm.Encrypt(blob.AsSpan(0, WrapNonceSize), responseKey, blob.AsSpan(WrapNonceSize, responseKey.Length), blob.AsSpan(WrapNonceSize + responseKey.Length), WrapAssociatedData(ticketNonce));
        return blob;
    }

    private byte[] Unwrap(byte[] ticketNonce, byte[] blob)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (blob.Length <= WrapNonceSize + WrapTagSize)
        {
            throw new InvalidDataException("A ticket's response key is damaged.");
        }

        var key = new byte[blob.Length - WrapNonceSize - WrapTagSize];
        using var gcm = new AesGcm(_wrapKey, WrapTagSize);
        try
        {
            gcm.Decrypt(blob.AsSpan(0, WrapNonceSize), blob.AsSpan(WrapNonceSize, key.Length), blob.AsSpan(WrapNonceSize + key.Length), key, WrapAssociatedData(ticketNonce));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new InvalidDataException("A ticket's response key fails authentication: the key holder's state was altered.", e);
        }

        return key;
    }

    private static byte[] WrapAssociatedData(byte[] ticketNonce) => [.. "obscura/keyholder/ticket/v1\n"u8, .. ticketNonce];

    private static long Ms(DateTimeOffset instant) => instant.ToUnixTimeMilliseconds();

    private static void Insert(SqliteConnection c, DecisionEvent e) =>
        Execute(
            c,
            "INSERT INTO events(at, kind, subject, enrolment, caller, detail) VALUES ($t, $k, $s, $e, $c, $d)",
            ("$t", Ms(e.At)), ("$k", e.Kind), ("$s", e.SubjectId), ("$e", e.EnrolmentId), ("$c", e.Caller), ("$d", e.Detail));

    private SqliteConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _file.Connect();
    }

    private T InWrite<T>(Func<SqliteConnection, T> work) => InWrite(durable: true, work);

    private T InWrite<T>(bool durable, Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _file.InWrite(durable, work);
    }

    private T InRead<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _file.InRead(work);
    }
}

/// <summary>A decision reserved in the state: its log row, key, the capture service behind its ticket, and the ticket's response key (zeroed by the caller).</summary>
internal sealed record DecisionReservation(long DecisionId, string EncryptionKeyId, string Caller, byte[] ResponseKey);
