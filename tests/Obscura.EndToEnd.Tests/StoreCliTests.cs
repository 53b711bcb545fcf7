using System.Text.Json;
using Obscura.Cli;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Simulation;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// <c>obscura store …</c> end to end: a simulated store's frames, rendered as JPEG images of real faces, go through the
/// CLI's edge (real detector and embedder), ingest and report, and the published aggregates are checked against the
/// simulator's ground truth.
/// </summary>
public sealed class StoreCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Stated error: with k = 1 (nothing suppressed) and every face detected, the counts are exact; the test allows
    /// each band's visits to be off by one, person-minutes per zone by 5 % and the checkout queue by 0.1 people on
    /// average per slot — room for a face the detector misses, nothing more.
    /// </summary>
    [Fact]
    public async Task Simulated_frames_through_edge_ingest_and_report_match_the_ground_truth()
    {
        var simulator = new StoreSimulator(new SimulationOptions
        {
            Opens = new TimeOnly(10, 30),
            Closes = new TimeOnly(11, 30),
            ArrivalsPerMinute = [0.3, 0.3, 0.3],
            Departments = ["food"],
            Tills = 1,
            GenuineAngles = [0.1],
            ImpostorCosine = 0.5,
            Seed = 3,
        });
        var config = await WriteConfigurationAsync(simulator, GroupIdDefaults.Parameters with { MinimumGroupSize = 1 });
        var (frames, truth) = simulator.Run(EdgeConfiguration.Load(config));
        Assert.InRange(frames.Max(f => f.Faces.Count), 1, 9);

        var spool = Directory.CreateDirectory(Path.Combine(_dir.Path, "spool")).FullName;
        var faces = FacePortraits();
        foreach (var frame in frames)
        {
            await File.WriteAllBytesAsync(Path.Combine(spool, Frame.FileName(frame.Camera, frame.Timestamp)), Render(frame.Faces.Count, faces), TestContext.Current.CancellationToken);
        }

        var edge = Path.Combine(_dir.Path, "edge");
        var init = await Cli.RunAsync("store", "edge", "init", "--config", config, "--edge", edge, "--first-day", "2026-12-07");
        Assert.True(init.Code == ExitCodes.Success, init.Err);
        var models = await RealFaceModels.DirectoryAsync();

        var run = await Cli.RunAsync("store", "edge", "run", "--config", config, "--edge", edge, "--frames", spool, "--clock", "frames", "--models", models);

        Assert.True(run.Code == ExitCodes.Success, run.Err);
        using var edgeSummary = JsonDocument.Parse(run.Out);
        Assert.Equal(frames.Count, edgeSummary.RootElement.GetProperty("frames").GetInt32());
        Assert.Equal(0, edgeSummary.RootElement.GetProperty("refusedFrames").GetInt32());

        // The detector found every face drawn (so the counts below can be exact; the stated margins allow a miss).
        Assert.Equal(frames.Sum(f => f.Faces.Count), edgeSummary.RootElement.GetProperty("faces").GetInt32());
        Assert.Empty(Directory.EnumerateFiles(spool));
        var batches = edgeSummary.RootElement.GetProperty("batchesEnqueued").GetInt32();
        Assert.True(batches >= 2, run.Out);

        var inbox = Path.Combine(_dir.Path, "inbox.db");
        string[] ingest = ["store", "ingest", "--outbox", edge, "--inbox", inbox, "--store-key", $"sim-store={Path.Combine(edge, "edge-signing.pub.pem")}"];
        var first = await Cli.RunAsync(ingest);
        var again = await Cli.RunAsync(ingest);

        Assert.True(first.Code == ExitCodes.Success, first.Err);
        using (var drained = JsonDocument.Parse(first.Out))
        {
            Assert.Equal(batches, drained.RootElement.GetProperty("delivered").GetInt32());
        }

        using (var drained = JsonDocument.Parse(again.Out))
        {
            Assert.Equal((0, batches), (drained.RootElement.GetProperty("delivered").GetInt32(), drained.RootElement.GetProperty("inboxBatches").GetInt32()));
        }

        // Reports are published for a purpose whose governance is complete (recorded through the CLI).
        var data = Path.Combine(_dir.Path, "data");
        await StoreGovernance.PrepareAsync(data, _dir.Path);
        string[] governed = ["--data", data, "store", "report", "--purpose", StoreGovernance.Purpose.Value];
        var report = await Cli.RunAsync([.. governed, "--inbox", inbox, "--min-cell", "1"]);

        Assert.True(report.Code == ExitCodes.Success, report.Err);
        using var published = JsonDocument.Parse(report.Out);
        var root = published.RootElement;
        foreach (var ((date, band), visits) in truth.Visits)
        {
            var cell = root.GetProperty("visits").EnumerateArray().Single(v => v.GetProperty("date").GetString() == date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) && v.GetProperty("band").GetString() == JsonNamingPolicy.CamelCase.ConvertName(band.ToString()));
            Assert.InRange(cell.GetProperty("visits").GetInt64(), visits - 1, visits + 1);
        }

        foreach (var (zone, minutes) in truth.PersonMinutes)
        {
            var cell = root.GetProperty("dwell").EnumerateArray().Single(d => d.GetProperty("zone").GetString() == zone);
            Assert.InRange(cell.GetProperty("personMinutes").GetDouble(), minutes * 0.95, minutes * 1.05);
        }

        var queues = root.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("minute").GetInt32(), q => q.GetProperty("queueLength") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : 0);
        // k-suppression through the command: with a minimum cell above every count, no visit count is published.
        var suppressed = await Cli.RunAsync([.. governed, "--inbox", inbox, "--min-cell", "1000"]);
        using (var none = JsonDocument.Parse(suppressed.Out))
        {
            Assert.All(none.RootElement.GetProperty("visits").EnumerateArray(), v => Assert.Equal(JsonValueKind.Null, v.GetProperty("visits").ValueKind));
            Assert.True(none.RootElement.GetProperty("suppressed").GetInt32() > 0);
        }

        // The dashboard of the same published cells: the HTML and one PNG per plot.
        var html = Path.Combine(_dir.Path, "dashboard.html");
        var pngs = Path.Combine(_dir.Path, "plots");
        var dashboard = await Cli.RunAsync([.. governed, "--inbox", inbox, "--min-cell", "1", "--html", html, "--png-dir", pngs]);
        Assert.True(dashboard.Code == ExitCodes.Success, dashboard.Err);
        var page = await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken);
        var files = Directory.GetFiles(pngs, "*.png").Select(Path.GetFileName).ToList();
        Assert.Contains("visits.png", files);
        Assert.Contains("zones-sim-store.png", files);
        Assert.Contains("flows-sim-store.png", files);
        Assert.Contains(files, f => f!.StartsWith("queue-sim-store-", StringComparison.Ordinal));
        Assert.Equal(files.Count, System.Text.RegularExpressions.Regex.Matches(page, "<img src=\"data:image/png;base64,").Count);
        foreach (var file in files)
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(pngs, file!));
            Assert.True(bitmap is { Width: >= 300, Height: >= 300 }, file);
        }

        foreach (var visit in root.GetProperty("visits").EnumerateArray())
        {
            Assert.Contains($"<td>{visit.GetProperty("visits").GetInt64()}</td>", page, StringComparison.Ordinal);
        }

        // With every cell suppressed, the dashboard's visits table holds no count, only "suppressed".
        var hidden = Path.Combine(_dir.Path, "hidden.html");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync([.. governed, "--inbox", inbox, "--min-cell", "1000", "--html", hidden])).Code);
        var visitsTable = (await File.ReadAllTextAsync(hidden, TestContext.Current.CancellationToken)).Split("<section id=\"visits\">")[1].Split("</section>")[0];
        Assert.DoesNotMatch("<td>\\d+</td>", visitsTable);
        Assert.Equal(truth.Visits.Count, System.Text.RegularExpressions.Regex.Matches(visitsTable, "<td class=\"suppressed\">suppressed</td>").Count);

        // With --min-cell 1 a null cell rests on no capture at all: nobody at the till.
        var error = truth.Queue.Average(t => Math.Abs(queues.GetValueOrDefault(t.Key.Minute) - t.Value));
        Assert.InRange(error, 0, 0.1);
    }

    [Fact]
    public async Task Edge_run_refuses_an_unprovisioned_folder_a_missing_source_and_an_unknown_camera()
    {
        var config = await WriteConfigurationAsync(new StoreSimulator(new SimulationOptions { GenuineAngles = [0.1], ImpostorCosine = 0.5 }), GroupIdDefaults.Parameters);
        var edge = Path.Combine(_dir.Path, "edge");
        var spool = Directory.CreateDirectory(Path.Combine(_dir.Path, "spool")).FullName;

        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync("store", "edge", "run", "--config", config, "--edge", edge, "--frames", spool)).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("store", "edge", "init", "--config", config, "--edge", edge)).Code);
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync("store", "edge", "init", "--config", config, "--edge", edge)).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("store", "edge", "run", "--config", config, "--edge", edge)).Code);
        var unknown = await Cli.RunAsync("store", "edge", "run", "--config", config, "--edge", edge, "--mjpeg", "http://127.0.0.1:9/", "--camera", "cam-roof");
        Assert.Equal(ExitCodes.Usage, unknown.Code);
        Assert.True(unknown.Err.Contains("cam-roof", StringComparison.Ordinal), unknown.Err);
    }

    [Fact]
    public async Task Edge_run_reads_an_mjpeg_camera_until_the_frame_limit()
    {
        var config = await WriteConfigurationAsync(new StoreSimulator(new SimulationOptions { GenuineAngles = [0.1], ImpostorCosine = 0.5 }), GroupIdDefaults.Parameters);
        var edge = Path.Combine(_dir.Path, "edge");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("store", "edge", "init", "--config", config, "--edge", edge)).Code);
        var jpeg = Render(2, FacePortraits());

        // A real HTTP camera on this machine that streams the same frame for as long as the client reads.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            context.Response.ContentType = "multipart/x-mixed-replace; boundary=frame";
            context.Response.SendChunked = true;
            try
            {
                while (true)
                {
                    await context.Response.OutputStream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n"));
                    await context.Response.OutputStream.WriteAsync(jpeg);
                    await context.Response.OutputStream.WriteAsync("\r\n"u8.ToArray());
                }
            }
            catch (Exception ex) when (ex is System.Net.HttpListenerException or IOException or ObjectDisposedException)
            {
                // The edge stopped reading.
            }
        });

        var run = await Cli.RunAsync("store", "edge", "run", "--config", config, "--edge", edge, "--mjpeg", $"http://127.0.0.1:{port}/", "--camera", "cam-entrance", "--max-frames", "3", "--models", await RealFaceModels.DirectoryAsync());

        Assert.True(run.Code == ExitCodes.Success, run.Err);
        using var summary = JsonDocument.Parse(run.Out);
        Assert.Equal((3, 6), (summary.RootElement.GetProperty("frames").GetInt32(), summary.RootElement.GetProperty("faces").GetInt32()));
        listener.Stop();
        await serving.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
    }

    /// <summary>Writes the simulated store's edge configuration (its cameras and zones, the given group-ID parameters) to edge.json.</summary>
    private async Task<string> WriteConfigurationAsync(StoreSimulator simulator, GroupIdParameters parameters)
    {
        var configuration = simulator.Configuration(parameters, [.. Enumerable.Range(0, parameters.Bits + 1).Select(l => Math.Pow(0.917, l))]);
        var path = Path.Combine(_dir.Path, "edge.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(configuration, EdgeConfiguration.Json), TestContext.Current.CancellationToken);
        return path;
    }

    /// <summary>Hopper and Collins cropped to their faces (as <see cref="TestPhotos.TwoFaces"/> draws them).</summary>
    private static SKImage[] FacePortraits()
    {
        using var pair = TestPhotos.TwoFaces();
        return [SKImage.FromBitmap(Crop(pair, 0)), SKImage.FromBitmap(Crop(pair, 256))];

        static SKBitmap Crop(SKBitmap pair, int x)
        {
            var face = new SKBitmap(256, 256);
            using var canvas = new SKCanvas(face);
            using var whole = SKImage.FromBitmap(pair);
            canvas.DrawImage(whole, SKRect.Create(x, 0, 256, 256), SKRect.Create(0, 0, 256, 256), new SKSamplingOptions(SKFilterMode.Nearest));
            return face;
        }
    }

    /// <summary>A camera frame with <paramref name="count"/> faces on a grid of 256-pixel cells (an empty grey frame for none), as JPEG.</summary>
    private static byte[] Render(int count, SKImage[] faces)
    {
        var columns = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count)));
        var rows = Math.Max(1, (int)Math.Ceiling(count / (double)columns));
        using var frame = new SKBitmap(columns * 256, rows * 256);
        using (var canvas = new SKCanvas(frame))
        {
            canvas.Clear(SKColors.Gray);
            for (var i = 0; i < count; i++)
            {
                canvas.DrawImage(faces[i % faces.Length], SKRect.Create(i % columns * 256, i / columns * 256, 256, 256), new SKSamplingOptions(SKFilterMode.Linear));
            }
        }

        using var image = SKImage.FromBitmap(frame);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
