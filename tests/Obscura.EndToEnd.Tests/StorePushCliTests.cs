using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Cli;
using Obscura.Governance.Access;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Outbox;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// <c>obscura store edge register</c> on the processor's data folder and <c>obscura store push</c> from an edge's outbox
/// to the processor's server over a network that loses every third request and every third answer.
/// </summary>
public sealed class StorePushCliTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 12, 4);
    private readonly TempDirectory _dir = new();

    private string Data => Path.Combine(_dir.Path, "data");

    public void Dispose() => _dir.Dispose();

    private static EventBatch Batch(TimeBand band, int chunk, int events) => EventBatch.Create(
        "store-7",
        Day,
        band,
        chunk,
        [.. Enumerable.Range(0, events).Select(i => new StoreEvent("store-7", Day, band, 600 + i, "entrance", ZoneKind.Entrance, "0110"))],
        [new ZoneTally("store-7", Day, band, 600, "entrance", ZoneKind.Entrance, 12)],
        [1, 0.9, 0.8, 0.7, 0.6],
        suppressed: 0);

    /// <summary>Loses every third request before it leaves and every third answer after the server handled it.</summary>
    private sealed class LossyNetwork(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;
        private int _answers;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (++_requests % 3 == 0)
            {
                throw new HttpRequestException("request lost");
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (++_answers % 3 == 0)
            {
                response.Dispose();
                throw new HttpRequestException("answer lost");
            }

            return response;
        }
    }

    [Fact]
    public async Task Push_delivers_an_outbox_over_a_lossy_network_once_and_a_second_push_of_the_same_batches_counts_nothing_twice()
    {
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "init")).Code);
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data));
        var keys = factory.Services.GetRequiredService<ApiKeys>();
        var edgeKey = (await keys.CreateAsync("edge-7", Role.Edge, null, CancellationToken.None)).Value.Key;
        await keys.CreateAsync("ops", Role.Controller, null, CancellationToken.None);
        var keyFile = Path.Combine(_dir.Path, "edge.key");
        await File.WriteAllTextAsync(keyFile, edgeKey + "\n", TestContext.Current.CancellationToken);

        using var signer = EdgeSigningKey.Generate();
        var publicKey = Path.Combine(_dir.Path, "edge-signing.pub.pem");
        await File.WriteAllTextAsync(publicKey, PemEncoding.WriteString("PUBLIC KEY", signer.PublicKey), TestContext.Current.CancellationToken);

        // Only a live key of role Edge can be bound to a store.
        var wrongRole = await Cli.RunAsync("--data", Data, "store", "edge", "register", "--store", "store-7", "--public-key", publicKey, "--api-key-name", "ops");
        Assert.Equal(ExitCodes.Refused, wrongRole.Code);
        var registered = await Cli.RunAsync("--data", Data, "store", "edge", "register", "--store", "store-7", "--public-key", publicKey, "--api-key-name", "edge-7");
        Assert.True(registered.Code == ExitCodes.Success, registered.Err);

        var batches = Enumerable.Range(0, 6).Select(i => signer.Sign(Batch((TimeBand)(i % 3), i / 3, 5 + i))).ToList();
        var outbox = Path.Combine(_dir.Path, "outbox.db");
        using (var o = new EdgeOutbox(outbox))
        {
            o.Enqueue(batches);
        }

        using var network = new LossyNetwork(factory.Server.CreateHandler());
        string[] Push(string path) => ["store", "push", "--outbox", path, "--server", "http://localhost", "--api-key-file", keyFile, "--retry-delay-ms", "0"];
        var pushed = await Cli.RunAsync(network, Push(outbox));
        Assert.True(pushed.Code == ExitCodes.Success, pushed.Err);
        Assert.Contains("pushed 6 of 6", pushed.Err, StringComparison.Ordinal);
        using (var summary = JsonDocument.Parse(pushed.Out))
        {
            Assert.Equal(6, summary.RootElement.GetProperty("delivered").GetInt32() + summary.RootElement.GetProperty("duplicates").GetInt32());
            Assert.Equal(0, summary.RootElement.GetProperty("pending").GetInt32());
            Assert.True(summary.RootElement.GetProperty("requests").GetInt32() > 6, pushed.Out);
        }

        // The same batches from another outbox (an edge restored from a backup): every one a duplicate, nothing added.
        var copy = Path.Combine(_dir.Path, "copy.db");
        using (var o = new EdgeOutbox(copy))
        {
            o.Enqueue(batches);
        }

        var again = await Cli.RunAsync(network, Push(copy));
        Assert.True(again.Code == ExitCodes.Success, again.Err);
        Assert.Equal(6, JsonDocument.Parse(again.Out).RootElement.GetProperty("duplicates").GetInt32());

        using var inbox = new BatchInbox(Path.Combine(Data, "store", "inbox.db"), new Dictionary<string, byte[]>());
        Assert.Equal(6, inbox.Batches);
        Assert.Equal(batches.Sum(b => EventBatch.FromPayload(b.Payload).Events.Count), inbox.Read().Events.Count);
    }
}
