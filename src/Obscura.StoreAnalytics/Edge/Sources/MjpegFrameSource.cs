using System.Runtime.CompilerServices;

namespace Obscura.StoreAnalytics.Edge.Sources;

/// <summary>
/// Frames from an MJPEG-over-HTTP camera (<c>multipart/x-mixed-replace</c>, read by <see cref="MultipartFrameReader"/>):
/// one camera per source; each part is a frame stamped with the host's clock when it arrived (the camera's own clock is
/// not trusted). A dropped connection, a stalled read or a part that breaks the format ends that connection, is reported
/// to <c>problems</c> and is followed by a reconnect after <see cref="MjpegOptions.ReconnectDelay"/>;
/// <see cref="MjpegOptions.MaxFailuresInARow"/> failures without a frame in between end the source with
/// <see cref="MjpegStreamException"/>. The closing boundary (the camera ended the stream) ends it normally. Frames are
/// held in memory only.
/// </summary>
public sealed class MjpegFrameSource : IFrameSource
{
    private readonly Uri _uri;
    private readonly string _camera;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly MjpegOptions _options;
    private readonly Action<string>? _problems;

    /// <summary>A source reading <paramref name="uri"/> as camera <paramref name="camera"/>.</summary>
    /// <param name="uri">The stream's http or https address.</param>
    /// <param name="camera">The camera id (a key of the edge configuration's cameras).</param>
    /// <param name="http">The client (not owned; its own timeout should be infinite: the stream does not end).</param>
    /// <param name="time">The host's clock: stamps frames, times stalls and reconnect pauses.</param>
    /// <param name="options">Limits; defaults when null.</param>
    /// <param name="problems">Told each dropped or refused connection, in words (never stream bytes).</param>
    public MjpegFrameSource(Uri uri, string camera, HttpClient http, TimeProvider time, MjpegOptions? options = null, Action<string>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The MJPEG stream's address is an absolute http or https URL.", nameof(uri));
        }

        if (camera is null || !EdgeConfiguration.NamePattern().IsMatch(camera))
        {
            throw new ArgumentException("A camera id is 1–64 of a-z, 0-9, '-' and '_'.", nameof(camera));
        }

        _uri = uri;
        _camera = camera;
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options ?? new MjpegOptions();
        _problems = problems;
    }

    /// <summary>Connections opened so far (the first and every reconnect).</summary>
    public int Connections { get; private set; }

    /// <inheritdoc/>
    public async IAsyncEnumerable<EncodedFrame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = 0;
        Connection? connection = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? problem;
                if (connection is null)
                {
                    (connection, problem) = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                    if (connection is not null)
                    {
                        continue;
                    }
                }
                else
                {
                    var (part, closed, failure) = await NextAsync(connection, cancellationToken).ConfigureAwait(false);
                    if (part is not null)
                    {
                        failures = 0;
                        yield return new EncodedFrame(_camera, _time.GetUtcNow(), part);
                        continue;
                    }

                    connection.Dispose();
                    connection = null;
                    if (closed)
                    {
                        yield break;
                    }

                    problem = failure;
                }

                failures++;
                _problems?.Invoke($"camera {_camera}: {problem}");
                if (failures >= _options.MaxFailuresInARow)
                {
                    throw new MjpegStreamException($"Camera {_camera}: gave up after {failures} failed connections in a row; the last: {problem}");
                }

                if (_options.ReconnectDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_options.ReconnectDelay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private async Task<(Connection?, string? Problem)> ConnectAsync(CancellationToken cancellationToken)
    {
        Connections++;
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the camera answered HTTP {(int)response.StatusCode}.");
            }

            var type = response.Content.Headers.ContentType;
            var boundary = type?.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value;
            if (type?.MediaType is not ("multipart/x-mixed-replace" or "multipart/mixed") || string.IsNullOrWhiteSpace(boundary))
            {
                return (null, $"the answer's Content-Type is '{type?.MediaType ?? "none"}', not multipart/x-mixed-replace with a boundary: not an MJPEG stream.");
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var connection = new Connection(response, new MultipartFrameReader(body, boundary, _options.MaxPartBytes));
            response = null;
            return (connection, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, $"cannot connect: {ex.Message}");
        }
        finally
        {
            response?.Dispose();
        }
    }

    private async Task<(byte[]? Part, bool Closed, string? Problem)> NextAsync(Connection connection, CancellationToken cancellationToken)
    {
        using var stall = new CancellationTokenSource(_options.StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        try
        {
            var (part, closed) = await connection.Reader.ReadPartAsync(linked.Token).ConfigureAwait(false);
            return part is null && !closed ? (null, false, "the connection was dropped.") : (part, closed, null);
        }
        catch (MjpegStreamException ex)
        {
            return (null, false, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (null, false, $"the connection was dropped: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, false, $"no frame for {_options.StallTimeout.TotalSeconds:0.#} s.");
        }
    }

    private sealed class Connection(HttpResponseMessage response, MultipartFrameReader reader) : IDisposable
    {
        public MultipartFrameReader Reader { get; } = reader;

        public void Dispose()
        {
            Reader.Dispose();
            response.Dispose();
        }
    }
}
