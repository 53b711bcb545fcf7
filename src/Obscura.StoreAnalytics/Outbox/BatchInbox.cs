using System.Globalization;
using System.Text.Json;
using Obscura.Security.Data;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// The processor's inbox (SQLite): accepts a batch only when its signature verifies under the registered public key of
/// the store it names, stores it and its events in one transaction, and answers <see cref="DeliveryResult.Duplicate"/>
/// for an id it already holds with the same payload (SHA-256), so retries never double-count, and
/// <see cref="DeliveryResult.Rejected"/> for an id it holds with other content.
/// </summary>
public sealed class BatchInbox : IBatchSink, IDisposable
{
    private readonly SqliteStateFile _file;
    private readonly IReadOnlyDictionary<string, byte[]> _storeKeys;

    /// <summary>Opens (creating if missing) the inbox at <paramref name="path"/>, accepting the stores in <paramref name="storeKeys"/> (store → SubjectPublicKeyInfo).</summary>
    public BatchInbox(string path, IReadOnlyDictionary<string, byte[]> storeKeys)
    {
        _storeKeys = storeKeys ?? throw new ArgumentNullException(nameof(storeKeys));
        _file = new SqliteStateFile(path);
        using (var connection = _file.Connect())
        {
            // Outside a transaction: SQLite cannot change the journal mode inside one.
            Execute(connection, "PRAGMA journal_mode=WAL;");
        }

        _file.InWrite(true, c =>
        {
            Execute(c, """
                CREATE TABLE IF NOT EXISTS batches (batch_id TEXT PRIMARY KEY, store TEXT NOT NULL, date TEXT NOT NULL, band TEXT NOT NULL,
                    chunk INTEGER NOT NULL, suppressed INTEGER NOT NULL, rematch TEXT NOT NULL, digest TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS events (batch_id TEXT NOT NULL, store TEXT NOT NULL, date TEXT NOT NULL, band TEXT NOT NULL,
                    minute INTEGER NOT NULL, zone TEXT NOT NULL, kind TEXT NOT NULL, group_id TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS tallies (batch_id TEXT NOT NULL, store TEXT NOT NULL, date TEXT NOT NULL, band TEXT NOT NULL,
                    minute INTEGER NOT NULL, zone TEXT NOT NULL, kind TEXT NOT NULL, frames INTEGER NOT NULL);
                """);
            return 0;
        });
    }

    /// <inheritdoc/>
    public Task<DeliveryResult> DeliverAsync(SignedBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        EventBatch parsed;
        try
        {
            parsed = EventBatch.FromPayload(batch.Payload);
        }
        catch (InvalidDataException)
        {
            return Task.FromResult(DeliveryResult.Rejected);
        }

        if (parsed.BatchId != batch.BatchId || !_storeKeys.TryGetValue(parsed.Store, out var key) || !EdgeSigningKey.Verify(key, batch.Payload, batch.Signature))
        {
            return Task.FromResult(DeliveryResult.Rejected);
        }

        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(batch.Payload));
        return Task.FromResult(_file.InWrite(true, c =>
        {
            using var insert = Command(
                c,
                "INSERT OR IGNORE INTO batches VALUES ($id, $store, $date, $band, $chunk, $suppressed, $rematch, $digest)",
                ("$id", parsed.BatchId),
                ("$store", parsed.Store),
                ("$date", Date(parsed.Date)),
                ("$band", parsed.Band.ToString()),
                ("$chunk", parsed.Chunk),
                ("$suppressed", parsed.Suppressed),
                ("$rematch", JsonSerializer.Serialize(parsed.ReMatchByLength)),
                ("$digest", digest));
            if (insert.ExecuteNonQuery() == 0)
            {
                // A retry carries the same payload; the same id with other content is a conflict, not a retry, and is
                // refused so that it shows as rejected at the edge instead of vanishing as a duplicate.
                return Scalar<string>(c, "SELECT digest FROM batches WHERE batch_id = $id", ("$id", parsed.BatchId)) == digest
                    ? DeliveryResult.Duplicate
                    : DeliveryResult.Rejected;
            }

            foreach (var e in parsed.Events)
            {
                Execute(c, "INSERT INTO events VALUES ($id, $store, $date, $band, $minute, $zone, $kind, $group)", ("$id", parsed.BatchId), ("$store", e.Store), ("$date", Date(e.Date)), ("$band", e.Band.ToString()), ("$minute", e.Minute), ("$zone", e.Zone), ("$kind", e.Kind.ToString()), ("$group", e.GroupId));
            }

            foreach (var t in parsed.Tallies)
            {
                Execute(c, "INSERT INTO tallies VALUES ($id, $store, $date, $band, $minute, $zone, $kind, $frames)", ("$id", parsed.BatchId), ("$store", t.Store), ("$date", Date(t.Date)), ("$band", t.Band.ToString()), ("$minute", t.Minute), ("$zone", t.Zone), ("$kind", t.Kind.ToString()), ("$frames", t.Frames));
            }

            return DeliveryResult.Accepted;
        }));
    }

    /// <summary>Everything stored: events, frame tallies and the re-match probabilities per (store, date, band).</summary>
    public StoreObservations Read() => _file.InRead(c =>
    {
        var events = new List<StoreEvent>();
        using (var command = Command(c, "SELECT store, date, band, minute, zone, kind, group_id FROM events ORDER BY rowid"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                events.Add(new StoreEvent(reader.GetString(0), ParseDate(reader.GetString(1)), Enum.Parse<TimeBand>(reader.GetString(2)), reader.GetInt32(3), reader.GetString(4), Enum.Parse<ZoneKind>(reader.GetString(5)), reader.GetString(6)));
            }
        }

        var tallies = new List<ZoneTally>();
        using (var command = Command(c, "SELECT store, date, band, minute, zone, kind, frames FROM tallies ORDER BY rowid"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tallies.Add(new ZoneTally(reader.GetString(0), ParseDate(reader.GetString(1)), Enum.Parse<TimeBand>(reader.GetString(2)), reader.GetInt32(3), reader.GetString(4), Enum.Parse<ZoneKind>(reader.GetString(5)), reader.GetInt32(6)));
            }
        }

        var reMatch = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        using (var command = Command(c, "SELECT store, rematch FROM batches"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                reMatch[reader.GetString(0)] = JsonSerializer.Deserialize<double[]>(reader.GetString(1)) ?? [];
            }
        }

        return new StoreObservations(events, tallies, reMatch);
    });

    /// <summary>Batches stored.</summary>
    public int Batches => _file.InRead(c => Scalar<int>(c, "SELECT COUNT(*) FROM batches"));

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

}
