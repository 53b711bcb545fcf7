using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Access;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.Server.Tests;

/// <summary>Signed store batches and registered store edges for the store inbox tests.</summary>
internal static class StoreBatches
{
    public static readonly DateOnly Day = new(2026, 12, 4);

    /// <summary>A batch of <paramref name="events"/> entrance and checkout captures with the band's frame tallies.</summary>
    public static EventBatch Batch(string store, TimeBand band, int chunk, int events) => EventBatch.Create(
        store,
        Day,
        band,
        chunk,
        [.. Enumerable.Range(0, events).Select(i => i % 2 == 0
            ? new StoreEvent(store, Day, band, 600 + (i % 5), "entrance", ZoneKind.Entrance, i % 3 == 0 ? "0101" : "1100")
            : new StoreEvent(store, Day, band, 600 + (i % 5), "till-1", ZoneKind.Checkout, i % 3 == 0 ? "0101" : "0011"))],
        [new ZoneTally(store, Day, band, 600, "entrance", ZoneKind.Entrance, 12), new ZoneTally(store, Day, band, 600, "till-1", ZoneKind.Checkout, 12)],
        [1, 0.9, 0.8, 0.7, 0.6],
        suppressed: 0);

    /// <summary>Creates an API key of role Edge named <paramref name="keyName"/> and registers <paramref name="store"/> under <paramref name="signer"/>'s public key with it; returns the key.</summary>
    public static string Register(ServerFixture server, string store, string keyName, EdgeSigningKey signer, string? configurationFile = null)
    {
        var key = server.Services.GetRequiredService<ApiKeys>().CreateAsync(keyName, Role.Edge, null, CancellationToken.None).GetAwaiter().GetResult().Value.Key;
        StoreEdgeRegistry.InDataFolder(server.DataDirectory).Register(new StoreEdge(store, signer.PublicKey, keyName), configurationFile);
        return key;
    }
}
