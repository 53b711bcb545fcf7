using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Server.Hosting;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Outbox;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The network transport of the edge's outbox (issue 16): signed batches posted to <c>POST /v1/store/batches</c> on the
/// real server, verified under the store's registered key, stored once in <c>DATA/store/inbox.db</c>.
/// </summary>
public sealed class StoreBatchEndpointTests : IClassFixture<StoreBatchEndpointTests.BatchServer>, IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly BatchServer _server;
    private readonly TempDirectory _dir = new();

    public StoreBatchEndpointTests(BatchServer server) => _server = server;

    /// <summary>This class's own server: its tests fill the inbox.</summary>
    public sealed class BatchServer : ServerFixture
    {
        public EdgeSigningKey StoreA { get; } = EdgeSigningKey.Generate();

        public EdgeSigningKey StoreB { get; } = EdgeSigningKey.Generate();

        public string KeyA { get; private set; } = "";

        public string KeyB { get; private set; } = "";

        public BatchInbox Inbox => Services.GetRequiredService<StoreInbox>().Batches;

        public void Start()
        {
            if (KeyA.Length == 0)
            {
                KeyA = StoreBatches.Register(this, "store-a", "edge-a", StoreA);
                KeyB = StoreBatches.Register(this, "store-b", "edge-b", StoreB);
            }
        }

        public HttpClient Edge(string key, params DelegatingHandler[] handlers)
        {
            var client = CreateDefaultClient(handlers);
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return client;
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                StoreA.Dispose();
                StoreB.Dispose();
            }
        }
    }

    /// <summary>Loses every third request before it leaves and every third answer after the server has handled the request.</summary>
    private sealed class LossyNetwork : DelegatingHandler
    {
        private int _requests;
        private int _answers;

        public int LostRequests { get; private set; }

        public int LostAnswers { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (++_requests % 3 == 0)
            {
                LostRequests++;
                throw new HttpRequestException("request lost");
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (++_answers % 3 == 0)
            {
                response.Dispose();
                LostAnswers++;
                throw new HttpRequestException("answer lost");
            }

            return response;
        }
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_sink_that_loses_every_third_request_and_every_third_answer_delivers_each_batch_exactly_once()
    {
        _server.Start();
        var ct = TestContext.Current.CancellationToken;
        var before = _server.Inbox.Read().Events.Count;
        var batches = Enumerable.Range(0, 6).Select(i => _server.StoreA.Sign(StoreBatches.Batch("store-a", (TimeBand)(i % 3), 10 + (i / 3), 7 + i))).ToList();
        var outboxPath = Path.Combine(_dir.Path, "outbox.db");
        using (var outbox = new EdgeOutbox(outboxPath))
        {
            Assert.Equal(6, outbox.Enqueue(batches));
        }

        var network = new LossyNetwork();
        using var http = _server.Edge("unused", network);
        http.DefaultRequestHeaders.Authorization = null;

        // Two tries per batch: a batch whose request and answer are both lost stops the drain, and the next drain (a
        // fresh outbox, as after a restart) sends it again.
        var sink = new HttpBatchSink(http, http.BaseAddress!, _server.KeyA, attempts: 2, retryDelay: TimeSpan.Zero);
        int rounds = 0, accepted = 0, duplicates = 0;
        while (true)
        {
            using var outbox = new EdgeOutbox(outboxPath);
            var drain = await outbox.DrainAsync(sink, cancellationToken: ct);
            rounds++;
            accepted += drain.Delivered;
            duplicates += drain.Duplicates;
            Assert.Equal(0, drain.Rejected);
            if (drain.Pending == 0)
            {
                break;
            }

            Assert.NotNull(drain.StoppedBy);
            Assert.True(rounds < 50, "the outbox never drained");
        }

        Assert.True(network.LostRequests > 0 && network.LostAnswers > 0, $"lost {network.LostRequests} requests, {network.LostAnswers} answers");
        Assert.Equal(6, accepted + duplicates);
        Assert.True(duplicates > 0, "a lost answer makes the resend a duplicate");
        Assert.Equal(batches.Sum(b => EventBatch.FromPayload(b.Payload).Events.Count), _server.Inbox.Read().Events.Count - before);

        // Each batch once: a resend of every one is answered 200 duplicate and changes nothing.
        using var edge = _server.Edge(_server.KeyA);
        var count = _server.Inbox.Batches;
        foreach (var batch in batches)
        {
            using var again = await edge.PostAsJsonAsync(HttpBatchSink.Route, batch, Web, ct);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("duplicate", (await again.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("result").GetString());
        }

        Assert.Equal(count, _server.Inbox.Batches);
        Assert.Equal(batches.Sum(b => EventBatch.FromPayload(b.Payload).Events.Count), _server.Inbox.Read().Events.Count - before);
    }

    [Fact]
    public async Task A_batch_posted_twice_is_stored_once_and_the_second_answer_is_duplicate()
    {
        _server.Start();
        var ct = TestContext.Current.CancellationToken;
        using var edge = _server.Edge(_server.KeyA);
        var batch = _server.StoreA.Sign(StoreBatches.Batch("store-a", TimeBand.Afternoon, 40, 9));
        var batchesBefore = _server.Inbox.Batches;
        var eventsBefore = _server.Inbox.Read().Events.Count;

        using var first = await edge.PostAsJsonAsync(HttpBatchSink.Route, batch, Web, ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("accepted", (await first.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("result").GetString());
        using var second = await edge.PostAsJsonAsync(HttpBatchSink.Route, batch, Web, ct);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("duplicate", (await second.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("result").GetString());

        Assert.Equal(batchesBefore + 1, _server.Inbox.Batches);
        Assert.Equal(eventsBefore + 9, _server.Inbox.Read().Events.Count);
    }

    [Fact]
    public async Task A_batch_of_a_thousand_events_passes_the_default_body_limit_that_other_routes_keep()
    {
        _server.Start();
        var ct = TestContext.Current.CancellationToken;
        using var edge = _server.Edge(_server.KeyA);
        var large = _server.StoreA.Sign(StoreBatches.Batch("store-a", TimeBand.Lunch, 70, 1000));
        Assert.True(large.Payload.Length > 8192 * 4, "the fixture's MaxRequestBodyBytes is 8192");
        using var response = await edge.PostAsJsonAsync(HttpBatchSink.Route, large, Web, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var controller = _server.As(Obscura.Governance.Access.Role.Controller);
        using var other = await controller.PostAsync("/v1/subjects", new StringContent(new string(' ', 9000) + "{}", System.Text.Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, other.StatusCode);
    }

    [Fact]
    public async Task A_tampered_or_forged_batch_or_one_of_an_unknown_store_is_refused_with_its_problem_type_and_not_stored()
    {
        _server.Start();
        var ct = TestContext.Current.CancellationToken;
        using var edge = _server.Edge(_server.KeyA);
        using var forger = EdgeSigningKey.Generate();
        var genuine = _server.StoreA.Sign(StoreBatches.Batch("store-a", TimeBand.Morning, 50, 6));

        // A payload changed after signing that is still a well-formed batch of the store: only the signature catches it.
        var changed = EventBatch.FromPayload(genuine.Payload) with { Suppressed = 3 };
        var refusals = new[]
        {
            genuine with { Payload = changed.ToPayload() },
            forger.Sign(StoreBatches.Batch("store-a", TimeBand.Morning, 50, 6)),
            _server.StoreA.Sign(StoreBatches.Batch("store-z", TimeBand.Morning, 50, 6)),
        };
        var before = _server.Inbox.Batches;
        foreach (var refused in refusals)
        {
            using var response = await edge.PostAsJsonAsync(HttpBatchSink.Route, refused, Web, ct);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpBatchSink.RejectedProblemType, (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("type").GetString());
        }

        Assert.Equal(before, _server.Inbox.Batches);
        Assert.DoesNotContain(_server.Inbox.Read().Events, e => e.Store == "store-z");

        // Through the sink the refusal is a rejected batch (not retried), and the genuine batch is then accepted.
        using var http = _server.Edge("unused");
        var sink = new HttpBatchSink(http, http.BaseAddress!, _server.KeyA, retryDelay: TimeSpan.Zero);
        Assert.Equal(DeliveryResult.Rejected, await sink.DeliverAsync(refusals[0], ct));
        Assert.Equal(1, sink.Requests);
        Assert.Equal(DeliveryResult.Accepted, await sink.DeliverAsync(genuine, ct));
        Assert.Equal(before + 1, _server.Inbox.Batches);
    }

    [Fact]
    public async Task The_edge_key_of_store_a_cannot_post_store_bs_batches_even_when_they_are_genuinely_signed()
    {
        _server.Start();
        var ct = TestContext.Current.CancellationToken;
        var ofB = _server.StoreB.Sign(StoreBatches.Batch("store-b", TimeBand.Lunch, 60, 5));
        var before = _server.Inbox.Batches;

        using var a = _server.Edge(_server.KeyA);
        using var refused = await a.PostAsJsonAsync(HttpBatchSink.Route, ofB, Web, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpBatchSink.NotBoundProblemType, (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("type").GetString());
        Assert.Equal(before, _server.Inbox.Batches);

        // The sink does not mark it rejected: a misconfigured key is not the batch's fault, so it stays pending.
        var sink = new HttpBatchSink(a, a.BaseAddress!, _server.KeyA, retryDelay: TimeSpan.Zero);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sink.DeliverAsync(ofB, ct));

        // A controller key is refused outright (the route admits role Edge only); B's own key is accepted.
        using var controller = _server.As(Obscura.Governance.Access.Role.Controller);
        Assert.Equal(HttpStatusCode.Forbidden, (await controller.PostAsJsonAsync(HttpBatchSink.Route, ofB, Web, ct)).StatusCode);
        using var b = _server.Edge(_server.KeyB);
        Assert.Equal(HttpStatusCode.Created, (await b.PostAsJsonAsync(HttpBatchSink.Route, ofB, Web, ct)).StatusCode);
        Assert.Equal(before + 1, _server.Inbox.Batches);
    }
}
