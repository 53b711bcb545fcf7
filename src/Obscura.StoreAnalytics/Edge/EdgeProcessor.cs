using System.Diagnostics;
using System.Runtime.InteropServices;
using Obscura.Biometrics.Onnx;
using Obscura.Biometrics.Onnx.Alignment;
using Obscura.Biometrics.Onnx.Capture;
using Obscura.Biometrics.Onnx.Detection;
using Obscura.Biometrics.Onnx.Models;
using Obscura.Privacy.Sampling;
using Obscura.Security.Files;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The in-store edge: per frame, decode → black out the camera's privacy masks → detect every face (BlazeFace) → align
/// and embed each (dlib ResNet) → sketch of the day (unflipped group-ID bits and tracking bits) → zero the pixels and
/// the embedding. Each capture joins a visit of its band (<see cref="EdgeEventBuffer"/>): one randomised group ID per
/// visit, k counted in visits. Visits and events wait in memory per (date, band) until the band is closed, when they
/// become batches for the outbox; a crash loses the open band rather than writing it anywhere. Nothing here writes to
/// disk (the day keys come from a <see cref="DailyKeyRatchet"/>, which erases each past day's key).
/// Not thread-safe: one processor per frame stream.
/// </summary>
public sealed class EdgeProcessor : IDisposable
{
    private readonly BlazeFaceDetector _detector;
    private readonly OnnxFaceEmbedder _embedder;
    private readonly EdgeEventBuffer _buffer;
    private readonly List<TimeSpan> _imageResidence = [];
    private readonly List<TimeSpan> _embeddingResidence = [];

    /// <summary>Runs the given detector and embedder under <paramref name="configuration"/>.</summary>
    /// <param name="configuration">Store, zones, cameras, bands and group-ID parameters.</param>
    /// <param name="keys">The ratchet the daily keys come from (the processor does not own it).</param>
    /// <param name="detector">The face detector (owned: disposed with the processor).</param>
    /// <param name="embedder">The face embedder (owned).</param>
    /// <param name="random">Source of the randomised-response flips; cryptographic unless a test passes a seeded one.</param>
    public EdgeProcessor(EdgeConfiguration configuration, DailyKeyRatchet keys, BlazeFaceDetector detector, OnnxFaceEmbedder embedder, IRandomSource? random = null)
    {
        Configuration = (configuration ?? throw new ArgumentNullException(nameof(configuration))).Validate();
        ArgumentNullException.ThrowIfNull(keys);
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _buffer = new EdgeEventBuffer(Configuration, keys, random);
    }

    /// <summary>The configuration in force.</summary>
    public EdgeConfiguration Configuration { get; }

    /// <summary>Test hook: sees each embedding before it is hashed and zeroed (so a test knows what must not reach disk).</summary>
    internal Action<ReadOnlySpan<float>>? EmbeddingObserved { get; set; }

    /// <summary>Frames analysed so far.</summary>
    public int Frames { get; private set; }

    /// <summary>Frames refused, not analysed, because their band was already closed (its batch ids are taken) or their day's key erased.</summary>
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
    public static EdgeProcessor Open(EdgeConfiguration configuration, DailyKeyRatchet keys, FaceModelStore store, FaceModelCard? detector = null, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        detector ??= FaceModelCatalog.BlazeFaceBack256;
        var kind = detector == FaceModelCatalog.BlazeFaceFront128 ? BlazeFaceModel.Front128 : BlazeFaceModel.Back256;
        var blazeFace = new BlazeFaceDetector(store.Load(detector), kind);
        try
        {
            var embedder = new OnnxFaceEmbedder(store.Load(FaceModelCatalog.DlibResNet128), new OnnxEmbedderOptions(150, 150, Mean: 0, Scale: 1));
            return new EdgeProcessor(configuration, keys, blazeFace, embedder, random);
        }
        catch
        {
            blazeFace.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Analyses one frame file and returns the number of faces turned into events. The spool folder is an input queue,
    /// not storage: the file is overwritten and deleted as soon as it is read, whether or not it can be analysed (too
    /// large, unknown camera, undecodable), and its bytes in memory are zeroed after use.
    /// </summary>
    /// <exception cref="InvalidDataException">The frame is larger than 20 MiB, its camera is not configured or it cannot be decoded.</exception>
    public int Process(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var started = Stopwatch.GetTimestamp();
        byte[]? read;
        try
        {
            read = FaceCapture.ReadAtMost(frame.Path, 20L << 20);
        }
        finally
        {
            OwnerOnlyFiles.Delete(frame.Path);
        }

        var bytes = read ?? throw new InvalidDataException($"Frame {Path.GetFileName(frame.Path)} is larger than 20 MiB.");
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

        if (!_buffer.CanAnalyse(timestamp))
        {
            // Its band's batches are already made under ids fixed by (store, date, band, chunk): analysing the frame
            // would make a second batch under a sent id, which the outbox and the inbox refuse. Or its day's key is
            // erased (the ratchet moved on). Count it only.
            LateFrames++;
            return 0;
        }

        var hasher = _buffer.HasherFor(timestamp, _embedder.Dimension);
        var ids = new List<FaceSketch>();
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
                FaceCapture.Clear(ref chip);
                var held = Stopwatch.GetTimestamp();

                // The template's array is the only copy of the embedding: hash it, then zero it in place.
                var values = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(template.Values), template.Dimension);
                EmbeddingObserved?.Invoke(values);
                ids.Add(hasher.Sketch(values));
                values.Clear();
                _embeddingResidence.Add(Stopwatch.GetElapsedTime(held));
            }
        }
        finally
        {
            Array.Clear(pinned);
            FaceCapture.Clear(ref image);
            _imageResidence.Add(Stopwatch.GetElapsedTime(started));
        }

        _buffer.AddFrame(camera, timestamp, ids);
        Frames++;
        Faces += ids.Count;
        return ids.Count;
    }

    /// <summary>The (date, band) pairs with events or frames waiting.</summary>
    public IReadOnlyList<(DateOnly Date, TimeBand Band)> OpenBands => _buffer.OpenBands;

    /// <inheritdoc cref="EdgeEventBuffer.CloseBands"/>
    public IReadOnlyList<EventBatch> CloseBands((DateOnly Date, TimeBand Band)? before = null) => _buffer.CloseBands(before);

    /// <inheritdoc cref="EdgeEventBuffer.EraseDaysBefore"/>
    public void EraseDaysBefore(DateOnly date) => _buffer.EraseDaysBefore(date);

    /// <inheritdoc/>
    public void Dispose()
    {
        _detector.Dispose();
        _embedder.Dispose();
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
            FaceCapture.Clear(ref bitmap);
            return null;
        }

        return bitmap;
    }
}
