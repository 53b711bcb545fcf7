using Microsoft.Extensions.Time.Testing;
using Obscura.Biometrics.Onnx.Models;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>The long-running edge host: its own clock moves the key ratchet at local midnight and closes bands as they end. No test waits on the wall clock: time is a <see cref="FakeTimeProvider"/>.</summary>
public sealed class EdgeHostTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    [Fact]
    public async Task At_local_midnight_the_ratchet_moves_on_without_any_frame()
    {
        using var folder = new TempDirectory();
        await using var edge = await HostedEdge.StartAsync(folder, Day, LocalUtc(Day, 20, 0));

        edge.Clock.Advance(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(59));
        Assert.Equal(Day, edge.Keys.Day);

        edge.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(Day.AddDays(1), edge.Keys.Day);
        Assert.Equal(0, edge.Host.Summary.Frames);

        // On disk too: the folder holds no key of the earlier day any more.
        using var reopened = DailyKeyRatchet.Open(edge.Folder, "stockholm-1");
        Assert.Throws<KeyErasedException>(() => reopened.DailyKey(Day));
    }

    [Fact]
    public async Task A_midnight_move_that_fails_on_disk_is_reported_and_retried_until_the_old_key_is_erased()
    {
        using var folder = new TempDirectory();
        using var backup = new TempDirectory();
        var failures = new List<Exception>();
        await using var edge = await HostedEdge.StartAsync(folder, Day, LocalUtc(Day, 23, 0), tickFailed: failures.Add);
        var keyFile = Path.Combine(edge.Folder, DailyKeyRatchet.FileName);
        var fail = true;

        // The new chain key's file cannot be written (disk full): it is gone, and the move throws.
        edge.Keys.Step = step =>
        {
            if (fail && step == "next-written")
            {
                File.Delete(keyFile + ".next");
                throw new IOException("disk full");
            }
        };
        bool BackupGivesDay()
        {
            File.Copy(keyFile, Path.Combine(backup.Path, DailyKeyRatchet.FileName), overwrite: true);
            using var restored = DailyKeyRatchet.Open(backup.Path, "stockholm-1");
            try
            {
                Array.Clear(restored.DailyKey(Day));
                return true;
            }
            catch (KeyErasedException)
            {
                return false;
            }
        }

        edge.Clock.Advance(TimeSpan.FromHours(1));

        // The host did not crash: it reported the failure and re-armed for a retry; the disk still holds Day's key.
        Assert.IsType<IOException>(Assert.Single(failures));
        Assert.Equal(1, edge.Host.TickFailures);
        Assert.Equal(edge.Clock.GetUtcNow() + EdgeHost.RetryAfter, edge.Host.NextTick);
        Assert.True(BackupGivesDay());

        fail = false;
        edge.Clock.Advance(EdgeHost.RetryAfter);

        Assert.False(BackupGivesDay());
        Assert.Equal(1, edge.Host.TickFailures);
    }

    [Fact]
    public async Task Starting_after_being_down_over_midnight_moves_the_ratchet_to_today_at_once()
    {
        using var folder = new TempDirectory();
        await using var edge = await HostedEdge.StartAsync(folder, Day, LocalUtc(Day.AddDays(2), 6, 0));

        Assert.Equal(Day.AddDays(2), edge.Keys.Day);
        using var reopened = DailyKeyRatchet.Open(edge.Folder, "stockholm-1");
        Assert.Throws<KeyErasedException>(() => reopened.DailyKey(Day.AddDays(1)));
    }

    [Fact]
    public async Task Midnight_follows_the_stores_time_zone_across_daylight_saving()
    {
        // Europe/Stockholm: UTC+1 in winter, UTC+2 from 29 March 2026; back on 25 October 2026.
        foreach (var (day, midnightUtc) in new[]
        {
            (new DateOnly(2026, 3, 29), new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero)),
            (new DateOnly(2026, 3, 30), new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero)),
            (new DateOnly(2026, 10, 25), new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero)),
            (new DateOnly(2026, 10, 26), new DateTimeOffset(2026, 10, 25, 23, 0, 0, TimeSpan.Zero)),
        })
        {
            using var folder = new TempDirectory();
            var config = EdgeFixtures.Configuration() with { TimeZone = "Europe/Stockholm" };
            await using var edge = await HostedEdge.StartAsync(folder, day.AddDays(-1), midnightUtc.AddHours(-5), config);
            Assert.Equal(midnightUtc, edge.Host.NextTick);

            edge.Clock.Advance(TimeSpan.FromHours(5) - TimeSpan.FromSeconds(1));
            Assert.Equal(day.AddDays(-1), edge.Keys.Day);
            edge.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(day, edge.Keys.Day);
        }
    }

    [Fact]
    public async Task At_each_band_start_the_ended_band_is_signed_into_the_outbox_and_frame_bytes_are_zeroed()
    {
        using var folder = new TempDirectory();
        var morning = LocalUtc(Day, 8, 30);
        await using var edge = await HostedEdge.StartAsync(folder, Day, morning);
        var frame = new EncodedFrame("cam-door", morning, TestPhotos.TwoFacesPng());

        var summary = await edge.Host.RunAsync(new FramesInMemory(frame));

        Assert.Equal((1, 2, 0), (summary.Frames, summary.Faces, summary.RefusedFrames));
        Assert.All(frame.Encoded, b => Assert.Equal(0, b));
        Assert.Equal(0, edge.Outbox.Pending);

        edge.Clock.Advance(TimeSpan.FromMinutes(150) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, edge.Outbox.Pending);
        edge.Clock.Advance(TimeSpan.FromSeconds(1));

        // 11:00 local: the morning band is closed, signed and stored; the inbox takes it under the edge's key.
        Assert.Equal(1, edge.Outbox.Pending);
        using var inbox = new BatchInbox(Path.Combine(folder.Path, "inbox.db"), new Dictionary<string, byte[]> { ["stockholm-1"] = edge.Signer.PublicKey });
        var drained = await edge.Outbox.DrainAsync(inbox);
        Assert.Equal(1, drained.Delivered);
        Assert.Equal(2, inbox.Read().Events.Count);
    }

    [Fact]
    public async Task A_frame_stamped_ahead_of_the_hosts_clock_is_refused_and_does_not_move_the_ratchet()
    {
        using var folder = new TempDirectory();
        var now = LocalUtc(Day, 10, 0);
        await using var edge = await HostedEdge.StartAsync(folder, Day, now);

        var summary = await edge.Host.RunAsync(new FramesInMemory(
            new EncodedFrame("cam-door", now.AddDays(1), TestPhotos.TwoFacesPng()),
            new EncodedFrame("cam-door", now + EdgeHost.FutureTolerance, TestPhotos.TwoFacesPng())));

        Assert.Equal((1, 1), (summary.Frames, summary.RefusedFrames));
        Assert.Equal(Day, edge.Keys.Day);
    }

    [Fact]
    public async Task Replaying_a_recording_follows_the_frames_days_and_closes_every_band_at_the_end()
    {
        using var folder = new TempDirectory();
        var morning = LocalUtc(Day, 8, 30);

        // The host's clock is days later: under the frames' clock it neither moves the ratchet nor closes anything.
        await using var edge = await HostedEdge.StartAsync(folder, Day, morning.AddDays(5), clock: EdgeClock.Frames);
        var summary = await edge.Host.RunAsync(new FramesInMemory(
            new EncodedFrame("cam-door", morning, TestPhotos.TwoFacesPng()),
            new EncodedFrame("cam-door", morning.AddHours(3), TestPhotos.TwoFacesPng()),
            new EncodedFrame("cam-door", morning.AddDays(1), TestPhotos.TwoFacesPng()),
            new EncodedFrame("cam-door", morning, TestPhotos.TwoFacesPng())));

        // The last frame comes after its day's key was erased by the third: late, not analysed.
        Assert.Equal((3, 1), (summary.Frames, summary.LateFrames));
        Assert.Equal(Day.AddDays(1), edge.Keys.Day);
        Assert.Equal(3, summary.BatchesEnqueued);
        Assert.Equal(3, edge.Outbox.Pending);
    }

    [Fact]
    public async Task Runs_stop_at_the_frame_limit_and_at_the_until_instant()
    {
        using var folder = new TempDirectory();
        var morning = LocalUtc(Day, 8, 30);
        await using var edge = await HostedEdge.StartAsync(folder, Day, morning.AddDays(5), clock: EdgeClock.Frames);
        var frames = Enumerable.Range(0, 4).Select(i => new EncodedFrame("cam-door", morning.AddMinutes(i), TestPhotos.TwoFacesPng())).ToArray();

        Assert.Equal(1, (await edge.Host.RunAsync(new FramesInMemory(frames[..2]), new EdgeRunLimits(MaxFrames: 1))).Frames);

        // A replay run closes every band at its end, so the next run's frame at minute 2 is late; minute 3 is not read.
        var second = await edge.Host.RunAsync(new FramesInMemory(frames[2..]), new EdgeRunLimits(Until: morning.AddMinutes(3)));
        Assert.Equal((1, 1), (second.Frames, second.LateFrames));

        // Every frame read is zeroed, the stopping one too; the one the frame limit left unread is the source's.
        Assert.NotEqual(0, frames[1].Encoded.Max());
        Assert.All(frames[2..], f => Assert.Equal(0, f.Encoded.Max()));
    }

    [Fact]
    public async Task No_frame_from_a_spool_folder_or_an_mjpeg_stream_reaches_disk_through_the_host()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(Path.Combine(temp.Path, "spool")).FullName;
        var morning = LocalUtc(Day, 8, 30);
        var png = TestPhotos.TwoFacesPng();
        var jpeg = MjpegSourceTests.TwoFacesJpeg();
        File.WriteAllBytes(Path.Combine(input, Frame.FileName("cam-door", morning.AddMinutes(-1), "png")), png);
        var embeddings = new List<float[]>();
        await using var edge = await HostedEdge.StartAsync(temp, Day, morning);
        edge.Processor.EmbeddingObserved = e => embeddings.Add(e.ToArray());
        using var camera = new MjpegSourceTests.TestCamera(MjpegSourceTests.OnePartThenClose(jpeg));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        await edge.Host.RunAsync(new Edge.Sources.FolderFrameSource(input));
        var summary = await edge.Host.RunAsync(new Edge.Sources.MjpegFrameSource(camera.Uri, "cam-door", http, edge.Clock));
        edge.Clock.Advance(TimeSpan.FromHours(3));
        using (var inbox = new BatchInbox(Path.Combine(temp.Path, "inbox.db"), new Dictionary<string, byte[]> { ["stockholm-1"] = edge.Signer.PublicKey }))
        {
            Assert.Equal(1, (await edge.Outbox.DrainAsync(inbox)).Delivered);
        }

        Assert.Equal((2, 4), (summary.Frames, summary.Faces));
        Assert.Empty(Directory.EnumerateFileSystemEntries(input));
        var needles = EdgeProcessorTests.Needles(png, embeddings).Concat(EdgeProcessorTests.Needles(jpeg, [])).ToList();
        var written = Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(written, p => p.EndsWith("outbox.db", StringComparison.Ordinal));
        foreach (var path in written)
        {
            var bytes = File.ReadAllBytes(path);
            Assert.All(needles, n => Assert.True(bytes.AsSpan().IndexOf(n.Bytes) < 0, $"{Path.GetFileName(path)} holds {n.What}"));
        }
    }

    /// <summary>A local time at the fixtures' store (UTC+1) on <paramref name="day"/>, as UTC.</summary>
    internal static DateTimeOffset LocalUtc(DateOnly day, int hour, int minute) =>
        new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.FromHours(1)).ToUniversalTime();

    internal sealed class FramesInMemory(params EncodedFrame[] frames) : IFrameSource
    {
        public async IAsyncEnumerable<EncodedFrame> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var f in frames)
            {
                await Task.Yield();
                yield return f;
            }
        }
    }

    /// <summary>A host over a ratchet provisioned in a temporary folder, the real models and a fake clock.</summary>
    internal sealed class HostedEdge : IAsyncDisposable
    {
        private readonly EdgeProcessor _processor;

        private HostedEdge(string folder, FakeTimeProvider clock, DailyKeyRatchet keys, EdgeProcessor processor, EdgeOutbox outbox, EdgeSigningKey signer, EdgeHost host)
        {
            (Folder, Clock, Keys, _processor, Outbox, Signer, Host) = (folder, clock, keys, processor, outbox, signer, host);
        }

        public string Folder { get; }

        public EdgeProcessor Processor => _processor;

        public FakeTimeProvider Clock { get; }

        public DailyKeyRatchet Keys { get; }

        public EdgeOutbox Outbox { get; }

        public EdgeSigningKey Signer { get; }

        public EdgeHost Host { get; }

        public static async Task<HostedEdge> StartAsync(TempDirectory folder, DateOnly firstDay, DateTimeOffset now, EdgeConfiguration? config = null, EdgeClock clock = EdgeClock.System, Action<Exception>? tickFailed = null)
        {
            config ??= EdgeFixtures.Configuration();
            var edgeFolder = Path.Combine(folder.Path, "edge");
            var keys = DailyKeyRatchet.Create(edgeFolder, config.Store, firstDay);
            var processor = EdgeProcessor.Open(config, keys, await RealFaceModels.StoreAsync(), FaceModelCatalog.BlazeFaceFront128, new SeededRandom(1));
            var outbox = new EdgeOutbox(Path.Combine(folder.Path, "outbox.db"));
            var signer = EdgeSigningKey.Generate();
            var time = new FakeTimeProvider(now);
            var host = new EdgeHost(processor, keys, outbox, signer, time, clock, tickFailed);
            host.Start();
            return new HostedEdge(edgeFolder, time, keys, processor, outbox, signer, host);
        }

        public ValueTask DisposeAsync()
        {
            Host.Dispose();
            _processor.Dispose();
            Outbox.Dispose();
            Signer.Dispose();
            Keys.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
