using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;

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

    /// <summary>
    /// Reads a payload, accepting only what an edge sends: no field beyond the batch's, events and tallies of the batch's
    /// store, date and band, group IDs of '0'/'1' no longer than the configured bits, zone names, store-local minutes of
    /// one day, and probabilities in [0, 1]. A signed payload that carries anything else (an embedding in a text field,
    /// another store's tallies) is refused, so the processor never stores it.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a batch, or a value outside what an edge sends.</exception>
    public static EventBatch FromPayload(ReadOnlySpan<byte> payload)
    {
        EventBatch batch;
        try
        {
            batch = JsonSerializer.Deserialize<EventBatch>(payload, PayloadJson) ?? throw new InvalidDataException("The payload is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The payload is not a batch.", ex);
        }

        return Problem(batch) is { } problem ? throw new InvalidDataException(problem) : batch;
    }

    /// <summary>The payload's JSON options: those of <see cref="EdgeConfiguration.Json"/>, refusing unknown fields.</summary>
    private static JsonSerializerOptions PayloadJson { get; } = new(EdgeConfiguration.Json) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static string? Problem(EventBatch b)
    {
        const int MinutesPerDay = 24 * 60;
        if (b.Events is null || b.Tallies is null || b.ReMatchByLength is null || b.Store is null)
        {
            return "The batch lacks a field.";
        }

        if (b.BatchId != IdOf(b.Store, b.Date, b.Band, b.Chunk) || b.Chunk < 0 || b.Suppressed < 0)
        {
            return "The batch id does not match the batch's store, date, band and chunk.";
        }

        if (b.ReMatchByLength.Count is < 1 or > GroupId.MaxLength + 1 || !b.ReMatchByLength.All(r => r is >= 0 and <= 1))
        {
            return "The re-match probabilities are not 1 to 17 values in [0, 1].";
        }

        var bits = b.ReMatchByLength.Count - 1;
        bool Slot(string store, DateOnly date, TimeBand band, int minute, string zone, ZoneKind kind) =>
            store == b.Store && date == b.Date && band == b.Band && minute is >= 0 and < MinutesPerDay
            && zone is not null && EdgeConfiguration.NamePattern().IsMatch(zone) && Enum.IsDefined(kind);

        if (!b.Events.All(e => e is not null && Slot(e.Store, e.Date, e.Band, e.Minute, e.Zone, e.Kind) && IsGroupId(e.GroupId, bits)))
        {
            return "An event is not of the batch's store, date and band, or holds a value an edge does not send.";
        }

        return b.Tallies.All(t => t is not null && Slot(t.Store, t.Date, t.Band, t.Minute, t.Zone, t.Kind) && t.Frames >= 1)
            ? null
            : "A tally is not of the batch's store, date and band, or holds a value an edge does not send.";
    }

    private static bool IsGroupId(string? text, int bits)
    {
        try
        {
            return text is not null && GroupId.Parse(text).Length <= bits;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
