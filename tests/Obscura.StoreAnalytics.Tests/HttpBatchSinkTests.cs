using System.Net;
using System.Text;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>How <see cref="HttpBatchSink"/> maps the server's answers (the server itself is tested in Obscura.Server.Tests).</summary>
public sealed class HttpBatchSinkTests
{
    private static readonly SignedBatch Batch = new("b1", [1, 2, 3], [4, 5]);

    /// <summary>Answers each request with the next status of a script (a problem body with the given type, if any).</summary>
    private sealed class ScriptedServer(params (HttpStatusCode Status, string? ProblemType)[] script) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        public string? Authorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorization = request.Headers.Authorization?.ToString();
            var (status, type) = script[Math.Min(Requests++, script.Length - 1)];
            var response = new HttpResponseMessage(status);
            if (type is not null)
            {
                response.Content = new StringContent($$"""{"type":"{{type}}","status":{{(int)status}}}""", Encoding.UTF8, "application/problem+json");
            }

            return Task.FromResult(response);
        }
    }

    private static (HttpBatchSink Sink, ScriptedServer Server, HttpClient Http) Sink(int attempts, params (HttpStatusCode, string?)[] script)
    {
        var server = new ScriptedServer(script);
        var http = new HttpClient(server);
        return (new HttpBatchSink(http, new Uri("http://processor.test"), "obk_x_secret", attempts, TimeSpan.Zero), server, http);
    }

    [Fact]
    public async Task A_5xx_408_or_429_is_retried_and_the_later_answer_counts()
    {
        var (sink, server, http) = Sink(4, (HttpStatusCode.ServiceUnavailable, null), (HttpStatusCode.RequestTimeout, null), (HttpStatusCode.TooManyRequests, null), (HttpStatusCode.Created, null));
        using (http)
        {
            Assert.Equal(DeliveryResult.Accepted, await sink.DeliverAsync(Batch, TestContext.Current.CancellationToken));
            Assert.Equal(4, server.Requests);
            Assert.Equal("Bearer obk_x_secret", server.Authorization);
        }
    }

    [Fact]
    public async Task After_the_last_try_a_server_error_is_a_network_failure_so_the_outbox_keeps_the_batch()
    {
        var (sink, server, http) = Sink(3, (HttpStatusCode.InternalServerError, null));
        using (http)
        {
            var failure = await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(Batch, TestContext.Current.CancellationToken));
            Assert.Equal(3, server.Requests);
            Assert.DoesNotContain("secret", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Duplicate_rejected_and_refused_keys_are_answered_once_without_retry()
    {
        var ct = TestContext.Current.CancellationToken;
        var (duplicate, s1, h1) = Sink(5, (HttpStatusCode.OK, null));
        var (rejected, s2, h2) = Sink(5, (HttpStatusCode.UnprocessableEntity, HttpBatchSink.RejectedProblemType));
        var (unknown, s3, h3) = Sink(5, (HttpStatusCode.Unauthorized, null));
        var (notBound, s4, h4) = Sink(5, (HttpStatusCode.Forbidden, HttpBatchSink.NotBoundProblemType));
        using (h1)
        using (h2)
        using (h3)
        using (h4)
        {
            Assert.Equal(DeliveryResult.Duplicate, await duplicate.DeliverAsync(Batch, ct));
            Assert.Equal(DeliveryResult.Rejected, await rejected.DeliverAsync(Batch, ct));
            var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => unknown.DeliverAsync(Batch, ct));
            Assert.DoesNotContain("secret", refused.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => notBound.DeliverAsync(Batch, ct));
            Assert.Equal([1, 1, 1, 1], new[] { s1.Requests, s2.Requests, s3.Requests, s4.Requests });
            Assert.DoesNotContain("secret", duplicate.ToString(), StringComparison.Ordinal);
        }
    }
}
