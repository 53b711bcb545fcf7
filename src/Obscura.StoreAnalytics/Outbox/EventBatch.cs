using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// One chunk of a closed band's events, with the band's frame tallies (first chunk), the number of captures suppressed
/// for the minimum group size, and the re-match probabilities the processor needs to correct its estimates. The id is
/// fixed by (store, date, band, chunk): closing the same band twice gives the same id, so the outbox and the inbox can
/// ignore the second copy.
/// </summary>
public sealed record EventBatch(
    string BatchId,
    string Store,
    DateOnly Date,
    TimeBand Band,
    int Chunk,
    IReadOnlyList<StoreEvent> Events,
    IReadOnlyList<ZoneTally> Tallies,
    IReadOnlyList<double> ReMatchByLength,
    int Suppressed)
{
    /// <summary>Makes a batch with its deterministic id.</summary>
    public static EventBatch Create(string store, DateOnly date, TimeBand band, int chunk, IReadOnlyList<StoreEvent> events, IReadOnlyList<ZoneTally> tallies, IReadOnlyList<double> reMatchByLength, int suppressed) =>
        new(IdOf(store, date, band, chunk), store, date, band, chunk, events, tallies, reMatchByLength, suppressed);

    /// <summary>SHA-256 of "store|yyyy-MM-dd|band|chunk", first 16 bytes in hex.</summary>
    public static string IdOf(string store, DateOnly date, TimeBand band, int chunk) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{store}|{date:yyyy-MM-dd}|{band}|{chunk}")).AsSpan(0, 16));

    /// <summary>The canonical UTF-8 JSON that is signed and sent.</summary>
    public byte[] ToPayload() => JsonSerializer.SerializeToUtf8Bytes(this, EdgeConfiguration.Json);

    /// <summary>Reads a payload.</summary>
    /// <exception cref="InvalidDataException">Not a batch.</exception>
    public static EventBatch FromPayload(ReadOnlySpan<byte> payload)
    {
        try
        {
            var batch = JsonSerializer.Deserialize<EventBatch>(payload, EdgeConfiguration.Json) ?? throw new InvalidDataException("The payload is empty.");
            return batch.BatchId == IdOf(batch.Store, batch.Date, batch.Band, batch.Chunk) && batch.Events.All(e => e.Store == batch.Store && e.Date == batch.Date && e.Band == batch.Band)
                ? batch
                : throw new InvalidDataException("The batch id or an event does not match the batch's store, date and band.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The payload is not a batch.", ex);
        }
    }
}
