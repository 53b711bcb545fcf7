using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Edge.Sources;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>The multipart/x-mixed-replace parser on crafted streams, and the MJPEG source against a real local HTTP server (HttpListener) that streams JPEGs.</summary>
public sealed class MjpegSourceTests
{
    private static readonly byte[] Jpeg = TwoFacesJpeg();

    [Fact]
    public async Task The_parser_reads_parts_with_and_without_content_length_lf_or_crlf_after_a_preamble()
    {
        var stream = Stream(
            "some preamble\r\n\r\n--cam\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\n", new byte[] { 1, 2, 3 },
            "\r\n--cam\nContent-Type: image/jpeg\n\n", new byte[] { 4, 5, 0x0a, 6 },
            "\n--cam\r\n\r\n", new byte[] { 7 },
            "\r\n--cam--\r\n");
        using var reader = new MultipartFrameReader(stream, "\"--cam\"", 100);

        Assert.Equal([1, 2, 3], (await reader.ReadPartAsync(default)).Part);
        Assert.Equal([4, 5, 0x0a, 6], (await reader.ReadPartAsync(default)).Part);
        Assert.Equal([7], (await reader.ReadPartAsync(default)).Part);
        Assert.Equal((null, true), await reader.ReadPartAsync(default));
    }

    [Fact]
    public async Task A_stream_cut_off_without_the_closing_boundary_ends_as_not_closed()
    {
        using var reader = new MultipartFrameReader(Stream("--cam\r\nContent-Length: 1\r\n\r\n", new byte[] { 9 }, "\r\n"), "cam", 100);
        Assert.Equal([9], (await reader.ReadPartAsync(default)).Part);
        Assert.Equal((null, false), await reader.ReadPartAsync(default));
    }

    [Theory]
    [InlineData("wrong length", "does not start with the boundary")]
    [InlineData("declared too large", "declares 101 bytes, more than the 100 accepted")]
    [InlineData("undeclared too large", "runs past 100 bytes without a boundary line")]
    [InlineData("no boundary", "No boundary line")]
    [InlineData("long header", "longer than 1024 bytes")]
    [InlineData("bad length", "not a non-negative whole number")]
    [InlineData("cut inside part", "ended inside part 1 (2 of 5 bytes)")]
    public async Task The_parser_refuses_broken_streams_with_a_clear_error_that_quotes_no_stream_bytes(string broken, string expected)
    {
        var secret = "\u00ff\u00d8SECRET-PIXELS";
        var stream = broken switch
        {
            "wrong length" => Stream("--cam\r\nContent-Length: 2\r\n\r\n", new byte[] { 1, 2, 3, 4 }, "\r\n--cam\r\nContent-Length: 1\r\n\r\n", new byte[] { 5 }, "\r\n"),
            "declared too large" => Stream("--cam\r\nContent-Length: 101\r\n\r\n", new byte[101]),
            "undeclared too large" => Stream("--cam\r\n\r\n", new byte[300], "\r\n--cam\r\n"),
            "no boundary" => Stream(string.Concat(Enumerable.Repeat(secret + "\r\n", 1000))),
            "long header" => Stream("--cam\r\nX-Note: " + new string('a', 2000) + "\r\n\r\n"),
            "bad length" => Stream("--cam\r\nContent-Length: -4\r\n\r\n"),
            _ => Stream("--cam\r\nContent-Length: 5\r\n\r\n", new byte[] { 1, 2 }),
        };
        using var reader = new MultipartFrameReader(stream, "cam", 100);

        var error = await Assert.ThrowsAsync<MjpegStreamException>(async () =>
        {
            while ((await reader.ReadPartAsync(default)) is { Part: not null })
            {
            }
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_source_reads_jpegs_from_a_real_http_stream_and_reconnects_after_a_dropped_connection()
    {
        using var camera = new TestCamera(
            async (s, _) =>
            {
                // A part without Content-Length ends at the next boundary line: the third part's.
                await WritePartAsync(s, Jpeg, declareLength: true);
                await WritePartAsync(s, Jpeg, declareLength: false);
                await WritePartAsync(s, Jpeg, declareLength: true);
                return Ending.Drop;
            },
            OnePartThenClose(Jpeg));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var problems = new List<string>();
        var source = new MjpegFrameSource(camera.Uri, "cam-door", http, TimeProvider.System, new MjpegOptions { ReconnectDelay = TimeSpan.Zero }, problems.Add);

        var frames = await ReadAllAsync(source);

        Assert.Equal(4, frames.Count);
        Assert.All(frames, f =>
        {
            Assert.Equal("cam-door", f.Camera);
            using var decoded = SKBitmap.Decode(f.Encoded);
            Assert.Equal((512, 256), (decoded.Width, decoded.Height));
        });
        Assert.Equal(2, source.Connections);
        Assert.Contains("dropped", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_part_drops_the_connection_with_a_clear_error_and_the_next_connection_is_read()
    {
        using var camera = new TestCamera(
            async (s, _) =>
            {
                await WritePartAsync(s, new byte[Jpeg.Length * 2], declareLength: true);
                return Ending.Hold;
            },
            OnePartThenClose(Jpeg));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var problems = new List<string>();
        var source = new MjpegFrameSource(camera.Uri, "cam-door", http, TimeProvider.System, new MjpegOptions { MaxPartBytes = Jpeg.Length + 10, ReconnectDelay = TimeSpan.Zero }, problems.Add);

        var frames = await ReadAllAsync(source);

        Assert.Single(frames);
        Assert.Contains("more than the", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_no_mjpeg_stream_makes_the_source_give_up_after_the_failures_in_a_row()
    {
        using var camera = new TestCamera(contentType: "text/html");
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var problems = new List<string>();
        var source = new MjpegFrameSource(camera.Uri, "cam-door", http, TimeProvider.System, new MjpegOptions { ReconnectDelay = TimeSpan.Zero, MaxFailuresInARow = 3 }, problems.Add);

        var error = await Assert.ThrowsAsync<MjpegStreamException>(() => ReadAllAsync(source));

        Assert.Contains("gave up after 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, problems.Count);
        Assert.All(problems, p => Assert.Contains("not an MJPEG stream", p, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stalled_camera_is_dropped_by_the_hosts_clock_and_reconnected()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var stalled = new TaskCompletionSource();
        using var camera = new TestCamera(
            async (s, ct) =>
            {
                await WritePartAsync(s, Jpeg, declareLength: true);
                stalled.SetResult();
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                return Ending.Drop;
            },
            OnePartThenClose(Jpeg));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var problems = new List<string>();
        var source = new MjpegFrameSource(camera.Uri, "cam-door", http, clock, new MjpegOptions { ReconnectDelay = TimeSpan.Zero, StallTimeout = TimeSpan.FromSeconds(15) }, problems.Add);

        await using var frames = source.ReadAsync(default).GetAsyncEnumerator();
        Assert.True(await frames.MoveNextAsync());
        await stalled.Task;
        var next = frames.MoveNextAsync().AsTask();

        // Only the fake clock can end the stall (the read's stall timer was armed when MoveNextAsync began).
        Assert.False(next.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(16));

        Assert.True(await next);
        Assert.Contains("no frame for 15 s", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Equal(2, source.Connections);
    }

    internal static byte[] TwoFacesJpeg()
    {
        using var bitmap = TestPhotos.TwoFaces();
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 92);
        return data.ToArray();
    }

    internal static async Task<List<EncodedFrame>> ReadAllAsync(IFrameSource source)
    {
        var frames = new List<EncodedFrame>();
        await foreach (var f in source.ReadAsync(default))
        {
            frames.Add(f);
        }

        return frames;
    }

    /// <summary>A connection that sends one part with its Content-Length, then the closing boundary.</summary>
    internal static Func<Stream, CancellationToken, Task<Ending>> OnePartThenClose(byte[] part) => async (s, _) =>
    {
        await WritePartAsync(s, part, declareLength: true);
        return Ending.CloseBoundary;
    };

    internal static async Task WritePartAsync(Stream s, byte[] body, bool declareLength)
    {
        var header = declareLength ? $"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {body.Length}\r\n\r\n" : "--frame\r\nContent-Type: image/jpeg\r\n\r\n";
        await s.WriteAsync(Encoding.ASCII.GetBytes(header));
        await s.WriteAsync(body);
        await s.WriteAsync("\r\n"u8.ToArray());
        await s.FlushAsync();
    }

    private static MemoryStream Stream(params object[] pieces)
    {
        var bytes = new List<byte>();
        foreach (var p in pieces)
        {
            bytes.AddRange(p is string s ? Encoding.Latin1.GetBytes(s) : (byte[])p);
        }

        return new MemoryStream([.. bytes]);
    }

    internal enum Ending
    {
        /// <summary>Abort the connection (a drop).</summary>
        Drop,

        /// <summary>Send the closing boundary and end the response.</summary>
        CloseBoundary,

        /// <summary>Keep the connection open until the client goes away.</summary>
        Hold,
    }

    /// <summary>An MJPEG camera on a real local HTTP server: connection i runs script i (the last one repeats).</summary>
    internal sealed class TestCamera : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Func<Stream, CancellationToken, Task<Ending>>[] _scripts;
        private readonly string _contentType;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _connections;

        public TestCamera(params Func<Stream, CancellationToken, Task<Ending>>[] scripts)
            : this("multipart/x-mixed-replace; boundary=frame", scripts)
        {
        }

        public TestCamera(string contentType, params Func<Stream, CancellationToken, Task<Ending>>[] scripts)
        {
            _contentType = contentType;
            _scripts = scripts.Length > 0 ? scripts : [(_, _) => Task.FromResult(Ending.CloseBoundary)];
            var port = FreePort();
            Uri = new Uri($"http://127.0.0.1:{port}/stream");
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _loop = Task.Run(AcceptAsync);
        }

        public Uri Uri { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(30));
            }
            catch (AggregateException)
            {
            }

            _stop.Dispose();
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                var script = _scripts[Math.Min(_connections++, _scripts.Length - 1)];
                _ = Task.Run(() => ServeAsync(context, script));
            }
        }

        private async Task ServeAsync(HttpListenerContext context, Func<Stream, CancellationToken, Task<Ending>> script)
        {
            var response = context.Response;
            try
            {
                response.ContentType = _contentType;
                response.SendChunked = true;
                var ending = await script(response.OutputStream, _stop.Token);
                switch (ending)
                {
                    case Ending.Drop:
                        response.Abort();
                        return;
                    case Ending.CloseBoundary:
                        await response.OutputStream.WriteAsync("--frame--\r\n"u8.ToArray());
                        response.Close();
                        return;
                    default:
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                }
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                response.Abort();
            }
        }
    }
}
