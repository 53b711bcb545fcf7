using System.Diagnostics;
using System.Runtime.InteropServices;
using Obscura.Biometrics.Onnx;
using Obscura.Biometrics.Onnx.Alignment;
using Obscura.Biometrics.Onnx.Capture;
using Obscura.Biometrics.Onnx.Detection;
using Obscura.Biometrics.Onnx.Models;
using Obscura.Privacy.Sampling;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The in-store edge: per frame, decode → black out the camera's privacy masks → detect every face (BlazeFace) → align
/// and embed each (dlib ResNet) → group ID of the day → zero the pixels and the embedding. Events wait in memory per
/// (date, band) until the band is closed, when the minimum group size is applied and they become batches for the
/// outbox; a crash loses the open band's events rather than writing them anywhere. Nothing here writes to disk.
/// Not thread-safe: one processor per frame stream.
/// </summary>
public sealed class EdgeProcessor : IDisposable
{
    /// <summary>Most events in one batch.</summary>
    public const int BatchSize = 1000;

    private readonly BlazeFaceDetector _detector;
    private readonly OnnxFaceEmbedder _embedder;
    private readonly StoreSecret _secret;
    private readonly IRandomSource? _random;
    private readonly Dictionary<DateOnly, GroupIdHasher> _hashers = [];
    private readonly SortedDictionary<(DateOnly Date, TimeBand Band), BandBuffer> _open = [];
    private readonly HashSet<(DateOnly Date, TimeBand Band)> _closed = [];
    private readonly List<TimeSpan> _imageResidence = [];
    private readonly List<TimeSpan> _embeddingResidence = [];

    /// <summary>Runs the given detector and embedder under <paramref name="configuration"/>.</summary>
    /// <param name="configuration">Store, zones, cameras, bands and group-ID parameters.</param>
    /// <param name="secret">The store secret the daily keys come from (the processor does not own it).</param>
    /// <param name="detector">The face detector (owned: disposed with the processor).</param>
    /// <param name="embedder">The face embedder (owned).</param>
    /// <param name="random">Source of the randomised-response flips; cryptographic unless a test passes a seeded one.</param>
    public EdgeProcessor(EdgeConfiguration configuration, StoreSecret secret, BlazeFaceDetector detector, OnnxFaceEmbedder embedder, IRandomSource? random = null)
    {
        Configuration = (configuration ?? throw new ArgumentNullException(nameof(configuration))).Validate();
        _secret = secret ?? throw new ArgumentNullException(nameof(secret));
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _random = random;
    }

    /// <summary>The configuration in force.</summary>
    public EdgeConfiguration Configuration { get; }

    /// <summary>Test hook: sees each embedding before it is hashed and zeroed (so a test knows what must not reach disk).</summary>
    internal Action<ReadOnlySpan<float>>? EmbeddingObserved { get; set; }

    /// <summary>Frames analysed so far.</summary>
    public int Frames { get; private set; }

    /// <summary>Frames refused, not analysed, because their band was already closed (its batch ids are taken).</summary>
    public int LateFrames { get; private set; }

    /// <summary>Faces turned into group IDs so far.</summary>
    public int Faces { get; private set; }

    /// <summary>How long each frame's pixels existed (read to last buffer zeroed).</summary>
    public ResidenceSummary ImageResidence => ResidenceSummary.Of(_imageResidence);

    /// <summary>How long each embedding existed (embedder output to zeroed, after hashing).</summary>
    public ResidenceSummary EmbeddingResidence => ResidenceSummary.Of(_embeddingResidence);

    /// <summary>
    /// Opens the pinned models from <paramref name="store"/>: BlazeFace back-256 (the long-range model, for faces that
    /// are small in a wide CCTV scene) unless <paramref name="detector"/> names the front-128 one, and dlib's ResNet.
    /// </summary>
    /// <exception cref="FaceModelUnavailableException">A model is missing or does not match its card.</exception>
    public static EdgeProcessor Open(EdgeConfiguration configuration, StoreSecret secret, FaceModelStore store, FaceModelCard? detector = null, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        detector ??= FaceModelCatalog.BlazeFaceBack256;
        var kind = detector == FaceModelCatalog.BlazeFaceFront128 ? BlazeFaceModel.Front128 : BlazeFaceModel.Back256;
        var blazeFace = new BlazeFaceDetector(store.Load(detector), kind);
        try
        {
            var embedder = new OnnxFaceEmbedder(store.Load(FaceModelCatalog.DlibResNet128), new OnnxEmbedderOptions(150, 150, Mean: 0, Scale: 1));
            return new EdgeProcessor(configuration, secret, blazeFace, embedder, random);
        }
        catch
        {
            blazeFace.Dispose();
            throw;
        }
    }

    /// <summary>Analyses one frame file (its bytes are zeroed after use); returns the number of faces turned into events.</summary>
    /// <exception cref="InvalidDataException">The frame's camera is not configured.</exception>
    public int Process(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var started = Stopwatch.GetTimestamp();
        var bytes = FaceCapture.ReadAtMost(frame.Path, 20L << 20) ?? throw new InvalidDataException($"Frame {Path.GetFileName(frame.Path)} is larger than 20 MiB.");
        try
        {
            return Process(frame.Camera, frame.Timestamp, bytes, started);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>Analyses one encoded frame held in memory (the caller zeroes <paramref name="encoded"/>).</summary>
    /// <exception cref="InvalidDataException">The camera is not configured or the frame cannot be decoded.</exception>
    public int Process(string camera, DateTimeOffset timestamp, ReadOnlySpan<byte> encoded) => Process(camera, timestamp, encoded, Stopwatch.GetTimestamp());

    private int Process(string camera, DateTimeOffset timestamp, ReadOnlySpan<byte> encoded, long started)
    {
        if (!Configuration.Cameras.TryGetValue(camera, out var cameraConfig))
        {
            throw new InvalidDataException($"Camera '{camera}' is not in the configuration.");
        }

        var zone = cameraConfig.Zone;
        var kind = Configuration.Zones[zone];
        var date = Configuration.DateOf(timestamp);
        var band = Configuration.BandOf(timestamp);
        if (_closed.Contains((date, band)))
        {
            // Its band's batches are already made under ids fixed by (store, date, band, chunk): analysing the frame
            // would make a second batch under a sent id, which the outbox and the inbox drop as a retry. Count it only.
            LateFrames++;
            return 0;
        }

        var minute = Configuration.CoarseMinuteOf(timestamp);
        if (!_hashers.TryGetValue(date, out var hasher))
        {
            var key = _secret.DailyKey(Configuration.Store, date);
            _hashers[date] = hasher = new GroupIdHasher(key, _embedder.Dimension, Configuration.GroupIds, _random);
            Array.Clear(key);
        }

        var buffer = OpenBand(date, band);
        var ids = new List<GroupId>();
        var pinned = GC.AllocateUninitializedArray<byte>(encoded.Length, pinned: true);
        SKBitmap? image = null;
        try
        {
            encoded.CopyTo(pinned);
            image = Decode(pinned);
            Array.Clear(pinned);
            if (image is null)
            {
                throw new InvalidDataException("The frame is not a decodable image.");
            }

            if (cameraConfig.Masks.Count > 0)
            {
                using var canvas = new SKCanvas(image);
                using var black = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Fill };
                foreach (var m in cameraConfig.Masks)
                {
                    canvas.DrawRect(SKRect.Create(m.X, m.Y, m.Width, m.Height), black);
                }
            }

            foreach (var face in _detector.Detect(image))
            {
                var centre = new SKPoint(face.Box.MidX, face.Box.MidY);
                if (face.Score < Configuration.MinFaceScore || face.EyeDistance < Configuration.MinEyeDistance
                    || cameraConfig.Masks.Any(m => m.Contains(centre.X, centre.Y)))
                {
                    continue;
                }

                SKBitmap? chip = FaceAligner.Align(image, face, AlignmentTemplate.DlibChip150);
                var template = _embedder.ExtractAligned(chip, out _);
                FaceCaptureClear(ref chip);
                var held = Stopwatch.GetTimestamp();

                // The template's array is the only copy of the embedding: hash it, then zero it in place.
                var values = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(template.Values), template.Dimension);
                EmbeddingObserved?.Invoke(values);
                ids.Add(hasher.Hash(values));
                values.Clear();
                _embeddingResidence.Add(Stopwatch.GetElapsedTime(held));
            }
        }
        finally
        {
            Array.Clear(pinned);
            FaceCaptureClear(ref image);
            _imageResidence.Add(Stopwatch.GetElapsedTime(started));
        }

        buffer.AddFrame(zone, kind, minute, ids);
        Frames++;
        Faces += ids.Count;
        return ids.Count;
    }

    /// <summary>The (date, band) pairs with events or frames waiting.</summary>
    public IReadOnlyList<(DateOnly Date, TimeBand Band)> OpenBands => [.. _open.Keys];

    /// <summary>
    /// Closes every band before <paramref name="before"/> (all when null): applies the minimum group size and returns
    /// the band's events and frame tallies as unsigned batches of at most <see cref="BatchSize"/> events, with batch ids
    /// fixed by (store, date, band, chunk) so that closing the same band again yields the same ids.
    /// </summary>
    public IReadOnlyList<EventBatch> CloseBands((DateOnly Date, TimeBand Band)? before = null)
    {
        var batches = new List<EventBatch>();
        foreach (var key in _open.Keys.Where(k => before is null || k.CompareTo(before.Value) < 0).ToList())
        {
            batches.AddRange(_open[key].Close(Configuration));
            _open.Remove(key);
            _closed.Add(key);
        }

        return batches;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _detector.Dispose();
        _embedder.Dispose();
    }

    private BandBuffer OpenBand(DateOnly date, TimeBand band)
    {
        if (!_open.TryGetValue((date, band), out var buffer))
        {
            _open[(date, band)] = buffer = new BandBuffer(date, band);
        }

        return buffer;
    }

    private static SKBitmap? Decode(byte[] pinned)
    {
        if (pinned.Length == 0)
        {
            return null;
        }

        using var data = SKData.Create(Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), pinned.Length);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null || (long)codec.Info.Width * codec.Info.Height > 40_000_000)
        {
            return null;
        }

        SKBitmap? bitmap = new SKBitmap(new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (codec.GetPixels(bitmap.Info, bitmap.GetPixels()) != SKCodecResult.Success)
        {
            FaceCaptureClear(ref bitmap);
            return null;
        }

        return bitmap;
    }

    private static void FaceCaptureClear(ref SKBitmap? bitmap)
    {
        if (bitmap is null)
        {
            return;
        }

        bitmap.Erase(SKColors.Transparent);
        bitmap.Dispose();
        bitmap = null;
    }

    /// <summary>One band's captures waiting for the minimum group size.</summary>
    private sealed class BandBuffer(DateOnly date, TimeBand band)
    {
        private readonly List<(string Zone, ZoneKind Kind, int Minute, GroupId Id)> _captures = [];
        private readonly Dictionary<(string Zone, ZoneKind Kind, int Minute), int> _frames = [];

        public void AddFrame(string zone, ZoneKind kind, int minute, List<GroupId> ids)
        {
            _frames[(zone, kind, minute)] = _frames.GetValueOrDefault((zone, kind, minute)) + 1;
            foreach (var id in ids)
            {
                _captures.Add((zone, kind, minute, id));
            }
        }

        public IEnumerable<EventBatch> Close(EdgeConfiguration config)
        {
            var published = MinimumGroupSize.Apply([.. _captures.Select(c => c.Id)], config.GroupIds.MinimumGroupSize);
            var events = new List<StoreEvent>();
            for (var i = 0; i < _captures.Count; i++)
            {
                if (published[i] is { } id)
                {
                    var c = _captures[i];
                    events.Add(new StoreEvent(config.Store, date, band, c.Minute, c.Zone, c.Kind, id.ToString()));
                }
            }

            // Shuffle-free but order-neutral: sort so the batch order says nothing about capture order within a slot.
            events.Sort((a, b) => (a.Minute, a.Zone, a.GroupId).CompareTo((b.Minute, b.Zone, b.GroupId)));
            var tallies = _frames.Select(f => new ZoneTally(config.Store, date, band, f.Key.Minute, f.Key.Zone, f.Key.Kind, f.Value))
                .OrderBy(t => t.Minute).ThenBy(t => t.Zone, StringComparer.Ordinal).ToList();
            var chunks = Math.Max(1, (events.Count + BatchSize - 1) / BatchSize);
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                yield return EventBatch.Create(
                    config.Store,
                    date,
                    band,
                    chunk,
                    events.Skip(chunk * BatchSize).Take(BatchSize).ToList(),
                    chunk == 0 ? tallies : [],
                    config.ReMatchByLength,
                    suppressed: chunk == 0 ? published.Count(p => p is null) : 0);
            }
        }
    }
}
