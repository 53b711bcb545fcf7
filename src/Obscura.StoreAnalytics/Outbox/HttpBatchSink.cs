using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// Sends signed batches to a processor's server (<c>POST /v1/store/batches</c>, the batch as JSON
/// <c>{"batchId","payload","signature"}</c>, payload and signature base64) with the edge's API key (role Edge). 201 is
/// <see cref="DeliveryResult.Accepted"/>, 200 <see cref="DeliveryResult.Duplicate"/> (the server already holds the
/// batch), a problem of type <see cref="RejectedProblemType"/> <see cref="DeliveryResult.Rejected"/>. A lost request or
/// answer, a 5xx, 408 or 429 is retried up to <c>attempts</c> times; after that the network failure is thrown as
/// <see cref="HttpRequestException"/>, so <see cref="EdgeOutbox.DrainAsync"/> keeps the batch for the next drain. Any
/// other refusal (a key that is unknown, revoked, not of role Edge, or not bound to the batch's store) throws
/// <see cref="UnauthorizedAccessException"/> or <see cref="InvalidOperationException"/>: the batch stays pending and
/// the drain stops, since retrying cannot help until the configuration is fixed.
/// </summary>
public sealed class HttpBatchSink : IBatchSink
{
    /// <summary>The route batches are posted to.</summary>
    public const string Route = "/v1/store/batches";

    /// <summary>The problem type of a batch the server refuses for good: a bad signature, an unknown store, a malformed payload, or an id it holds with other content.</summary>
    public const string RejectedProblemType = "urn:obscura:problem:batch-rejected";

    /// <summary>The problem type of a batch posted with an edge key that is not the one bound to the batch's store.</summary>
    public const string NotBoundProblemType = "urn:obscura:problem:store-not-bound";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _apiKey;
    private readonly int _attempts;
    private readonly TimeSpan _retryDelay;
    private readonly TimeProvider _time;

    /// <summary>A sink posting to <paramref name="server"/> with <paramref name="apiKey"/>.</summary>
    /// <param name="http">The client (its handler decides proxies and TLS); not disposed here.</param>
    /// <param name="server">The processor's server, e.g. <c>https://processor.example</c>.</param>
    /// <param name="apiKey">The edge's API key (<c>obk_…</c>); never written into a message.</param>
    /// <param name="attempts">Tries per batch before a network failure is thrown (1–100).</param>
    /// <param name="retryDelay">The wait before the second try; doubled before each further one (at most a minute).</param>
    /// <param name="time">The clock the waits run on (tests pass a fake one or a zero delay).</param>
    public HttpBatchSink(HttpClient http, Uri server, string apiKey, int attempts = 5, TimeSpan? retryDelay = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(attempts, 100);
        if (!server.IsAbsoluteUri || server.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The server is an absolute http or https URL.", nameof(server));
        }

        _http = http;
        _endpoint = new Uri(server, Route);
        _apiKey = apiKey.Trim();
        _attempts = attempts;
        _retryDelay = retryDelay ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_retryDelay, TimeSpan.Zero, nameof(retryDelay));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Requests sent, retries included.</summary>
    public int Requests { get; private set; }

    /// <inheritdoc/>
    public async Task<DeliveryResult> DeliverAsync(SignedBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var delay = _retryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _attempts && IsTransient(ex, cancellationToken))
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
                }
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // HttpClient's own timeout: a network failure for the outbox, which keeps the batch.
                throw new TimeoutException("The processor's server did not answer in time.", ex);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"HttpBatchSink({_endpoint})";

    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException or TimeoutException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private async Task<DeliveryResult> SendAsync(SignedBatch batch, CancellationToken cancellationToken)
    {
        Requests++;
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = JsonContent.Create(batch, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Created:
                return DeliveryResult.Accepted;
            case HttpStatusCode.OK:
                return DeliveryResult.Duplicate;
            case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                throw new HttpRequestException($"The processor's server answered {(int)response.StatusCode}; the batch stays in the outbox.", null, response.StatusCode);
            case HttpStatusCode.Unauthorized:
                throw new UnauthorizedAccessException("The processor's server does not know this edge's API key, or it is revoked.");
        }

        var type = await ProblemTypeAsync(response, cancellationToken).ConfigureAwait(false);
        return type switch
        {
            RejectedProblemType => DeliveryResult.Rejected,
            NotBoundProblemType => throw new UnauthorizedAccessException("This edge's API key is not the one registered for the batch's store on the processor's server."),
            _ when response.StatusCode == HttpStatusCode.Forbidden => throw new UnauthorizedAccessException("The processor's server refused this API key: batches need a key of role Edge."),
            _ => throw new InvalidOperationException($"The processor's server answered {(int)response.StatusCode} to a batch; it stays in the outbox."),
        };
    }

    private static async Task<string?> ProblemTypeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
