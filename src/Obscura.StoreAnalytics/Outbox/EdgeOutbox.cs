using Obscura.Security.Data;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// The edge's durable outbox (SQLite, owner-only, synchronous=FULL): a signed batch is stored before it is sent and
/// marked sent only after the processor answered, so a network failure loses nothing; a batch whose id is already
/// stored is ignored, and the processor ignores ids it already has, so a retry after a lost answer duplicates nothing.
/// Safe across processes: every change is one SQLite transaction.
/// </summary>
public sealed class EdgeOutbox : IDisposable
{
    private readonly SqliteStateFile _file;

    /// <summary>Opens (creating if missing) the outbox database at <paramref name="path"/>.</summary>
    public EdgeOutbox(string path)
    {
        _file = new SqliteStateFile(path);
        using (var connection = _file.Connect())
        {
            // Outside a transaction: SQLite cannot change the journal mode inside one.
            Execute(connection, "PRAGMA journal_mode=WAL;");
        }

        _file.InWrite(true, c =>
        {
            Execute(c, """
                CREATE TABLE IF NOT EXISTS outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    batch_id TEXT NOT NULL UNIQUE,
                    payload BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
                    attempts INTEGER NOT NULL DEFAULT 0);
                """);
            return 0;
        });
    }

    /// <summary>Stores batches to send; returns how many were new (an id already present is ignored).</summary>
    public int Enqueue(IEnumerable<SignedBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var list = batches.ToList();
        return _file.InWrite(true, c =>
        {
            var added = 0;
            foreach (var b in list)
            {
                using var insert = Command(c, "INSERT OR IGNORE INTO outbox (batch_id, payload, signature) VALUES ($id, $p, $s)", ("$id", b.BatchId), ("$p", b.Payload), ("$s", b.Signature));
                added += insert.ExecuteNonQuery();
            }

            return added;
        });
    }

    /// <summary>Batches not yet delivered.</summary>
    public int Pending => _file.InRead(c => Scalar<int>(c, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"));

    /// <summary>
    /// Sends pending batches in order until all are delivered or the network fails (then it stops, keeping the rest
    /// for the next call). Reports each delivered batch to <paramref name="progress"/>.
    /// </summary>
    public async Task<OutboxDrain> DrainAsync(IBatchSink sink, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var pending = _file.InRead(c =>
        {
            using var command = Command(c, "SELECT batch_id, payload, signature FROM outbox WHERE state = 'pending' ORDER BY seq");
            using var reader = command.ExecuteReader();
            var list = new List<SignedBatch>();
            while (reader.Read())
            {
                list.Add(new SignedBatch(reader.GetString(0), (byte[])reader[1], (byte[])reader[2]));
            }

            return list;
        });

        int delivered = 0, duplicates = 0, rejected = 0;
        foreach (var batch in pending)
        {
            DeliveryResult result;
            try
            {
                _file.InWrite(true, c =>
                {
                    Execute(c, "UPDATE outbox SET attempts = attempts + 1 WHERE batch_id = $id", ("$id", batch.BatchId));
                    return 0;
                });
                result = await sink.DeliverAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or TimeoutException)
            {
                return new OutboxDrain(delivered, duplicates, rejected, Pending, ex.GetType().Name);
            }

            var state = result == DeliveryResult.Rejected ? "rejected" : "sent";
            _file.InWrite(true, c =>
            {
                Execute(c, "UPDATE outbox SET state = $s WHERE batch_id = $id", ("$s", state), ("$id", batch.BatchId));
                return 0;
            });
            switch (result)
            {
                case DeliveryResult.Accepted: delivered++; break;
                case DeliveryResult.Duplicate: duplicates++; break;
                default: rejected++; break;
            }

            progress?.Report(delivered + duplicates + rejected);
        }

        return new OutboxDrain(delivered, duplicates, rejected, Pending, null);
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();
}
