using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Outbox;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

public sealed class OutboxTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    private static EventBatch Batch(string store, TimeBand band, int chunk, int events) => EventBatch.Create(
        store,
        Day,
        band,
        chunk,
        [.. Enumerable.Range(0, events).Select(i => new StoreEvent(store, Day, band, 600 + (i % 3 * 5), "entrance", ZoneKind.Entrance, "0101"))],
        [new ZoneTally(store, Day, band, 600, "entrance", ZoneKind.Entrance, 12)],
        [1, 0.9, 0.8, 0.7, 0.6],
        suppressed: 0);

    /// <summary>Fails on a schedule: before delivering (the request is lost) or after (the answer is lost).</summary>
    private sealed class FlakySink(IBatchSink inner, Func<int, string> schedule) : IBatchSink
    {
        public int Calls { get; private set; }

        public async Task<DeliveryResult> DeliverAsync(SignedBatch batch, CancellationToken cancellationToken)
        {
            var call = Calls++;
            switch (schedule(call))
            {
                case "lose-request":
                    throw new HttpRequestException("network down");
                case "lose-answer":
                    await inner.DeliverAsync(batch, cancellationToken);
                    throw new TimeoutException("answer lost");
                default:
                    return await inner.DeliverAsync(batch, cancellationToken);
            }
        }
    }

    [Fact]
    public async Task Retries_after_lost_requests_and_lost_answers_neither_lose_nor_duplicate_a_batch()
    {
        using var folder = new TempDirectory();
        using var key = EdgeSigningKey.Generate();
        using var inbox = new BatchInbox(Path.Combine(folder.Path, "inbox.db"), new Dictionary<string, byte[]> { ["s1"] = key.PublicKey });
        var batches = Enumerable.Range(0, 6).Select(i => key.Sign(Batch("s1", (TimeBand)(i % 3), i / 3, 10 + i))).ToList();
        var outboxPath = Path.Combine(folder.Path, "outbox.db");
        using (var outbox = new EdgeOutbox(outboxPath))
        {
            Assert.Equal(6, outbox.Enqueue(batches));
            Assert.Equal(0, outbox.Enqueue(batches.Take(2)));
        }

        // Every third call loses the request, every third (offset) loses the answer.
        var sink = new FlakySink(inbox, call => (call % 3) switch { 0 => "lose-request", 1 => "lose-answer", _ => "ok" });
        var rounds = 0;
        while (true)
        {
            // A fresh outbox each round: what is pending survives the process.
            using var outbox = new EdgeOutbox(outboxPath);
            var drain = await outbox.DrainAsync(sink, cancellationToken: TestContext.Current.CancellationToken);
            rounds++;
            if (drain.Pending == 0)
            {
                break;
            }

            Assert.NotNull(drain.StoppedBy);
            Assert.True(rounds < 50, "the outbox never drained");
        }

        Assert.Equal(6, inbox.Batches);
        var observations = inbox.Read();
        Assert.Equal(batches.Sum(b => EventBatch.FromPayload(b.Payload).Events.Count), observations.Events.Count);
        Assert.Equal(6, observations.Tallies.Count);
        Assert.Equal(DeliveryResult.Duplicate, await inbox.DeliverAsync(batches[0], TestContext.Current.CancellationToken));
        Assert.Equal(6, inbox.Batches);
    }

    [Fact]
    public async Task Two_edges_draining_one_outbox_file_at_once_deliver_every_batch_once()
    {
        using var folder = new TempDirectory();
        using var key = EdgeSigningKey.Generate();
        using var inbox = new BatchInbox(Path.Combine(folder.Path, "inbox.db"), new Dictionary<string, byte[]> { ["s1"] = key.PublicKey });
        var path = Path.Combine(folder.Path, "outbox.db");
        var batches = Enumerable.Range(0, 30).Select(i => key.Sign(Batch("s1", (TimeBand)(i % 3), i / 3, 4))).ToList();
        using var first = new EdgeOutbox(path);
        using var second = new EdgeOutbox(path);
        first.Enqueue(batches);

        // Separate connections to one file, as two processes would have: both may send a batch, the inbox keeps one.
        var drains = await Task.WhenAll(
            Task.Run(() => first.DrainAsync(inbox, cancellationToken: TestContext.Current.CancellationToken)),
            Task.Run(() => second.DrainAsync(inbox, cancellationToken: TestContext.Current.CancellationToken)));
        Assert.Equal(30, drains.Sum(d => d.Delivered));
        Assert.Equal(0, first.Pending);
        Assert.Equal(30, inbox.Batches);
        Assert.Equal(30 * 4, inbox.Read().Events.Count);
    }

    [Fact]
    public async Task A_batch_under_another_key_a_changed_payload_or_an_unknown_store_is_rejected_and_not_stored()
    {
        using var folder = new TempDirectory();
        using var key = EdgeSigningKey.Generate();
        using var forger = EdgeSigningKey.Generate();
        using var inbox = new BatchInbox(Path.Combine(folder.Path, "inbox.db"), new Dictionary<string, byte[]> { ["s1"] = key.PublicKey });
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(DeliveryResult.Rejected, await inbox.DeliverAsync(forger.Sign(Batch("s1", TimeBand.Morning, 0, 5)), ct));
        var genuine = key.Sign(Batch("s1", TimeBand.Morning, 0, 5));
        var changed = (byte[])genuine.Payload.Clone();
        changed[changed.Length / 2] ^= 1;
        Assert.Equal(DeliveryResult.Rejected, await inbox.DeliverAsync(genuine with { Payload = changed }, ct));
        Assert.Equal(DeliveryResult.Rejected, await inbox.DeliverAsync(key.Sign(Batch("s2", TimeBand.Morning, 0, 5)), ct));
        Assert.Equal(DeliveryResult.Rejected, await inbox.DeliverAsync(genuine with { BatchId = EventBatch.IdOf("s1", Day, TimeBand.Lunch, 0) }, ct));
        Assert.Equal(0, inbox.Batches);

        Assert.Equal(DeliveryResult.Accepted, await inbox.DeliverAsync(genuine, ct));
        Assert.Equal(1, inbox.Batches);
    }

    [Fact]
    public async Task A_rejected_batch_is_not_retried()
    {
        using var folder = new TempDirectory();
        using var key = EdgeSigningKey.Generate();
        using var other = EdgeSigningKey.Generate();
        using var inbox = new BatchInbox(Path.Combine(folder.Path, "inbox.db"), new Dictionary<string, byte[]> { ["s1"] = other.PublicKey });
        using var outbox = new EdgeOutbox(Path.Combine(folder.Path, "outbox.db"));
        outbox.Enqueue([key.Sign(Batch("s1", TimeBand.Lunch, 0, 3))]);
        var drain = await outbox.DrainAsync(inbox, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((0, 1, 0), (drain.Delivered, drain.Rejected, drain.Pending));
        Assert.Equal(0, (await outbox.DrainAsync(inbox, cancellationToken: TestContext.Current.CancellationToken)).Rejected);
    }
}
