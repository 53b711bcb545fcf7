using System.Diagnostics;
using System.Runtime.InteropServices;
using Obscura.Biometrics.Onnx.Alignment;
using Obscura.Biometrics.Onnx.Detection;
using Obscura.Biometrics.Onnx.Models;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Capture;

/// <summary>
/// The capture pipeline on the device where the photo is taken: decode (SkiaSharp, EXIF orientation applied) →
/// detect (BlazeFace) → align (5-point similarity to the embedder's chip) → embed (dlib ResNet) → L2-normalise. Every
/// pixel buffer and the raw embedding are zeroed as soon as they are no longer needed, and the time they existed is
/// measured (<see cref="CaptureTimings"/>). Thread-safe: one instance serves parallel captures.
/// </summary>
public sealed class FaceCapture : IDisposable
{
    private readonly BlazeFaceDetector _detector;
    private readonly OnnxFaceEmbedder _embedder;
    private readonly AlignmentTemplate _template;

    /// <summary>Runs the given detector and embedder (the caller checked their bytes against their cards).</summary>
    public FaceCapture(BlazeFaceDetector detector, OnnxFaceEmbedder embedder, AlignmentTemplate template, FaceCaptureOptions? options = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _template = template ?? throw new ArgumentNullException(nameof(template));
        Options = (options ?? new FaceCaptureOptions()).Validate();
    }

    /// <summary>The refusal rules in force.</summary>
    public FaceCaptureOptions Options { get; }

    /// <summary>The embedding dimension.</summary>
    public int Dimension => _embedder.Dimension;

    /// <summary>
    /// Opens the default pipeline from <paramref name="store"/>: BlazeFace (front camera, 128 px, unless
    /// <paramref name="detector"/> names the back one, for small faces in wide scenes) and dlib's ResNet, each checked
    /// against its pinned SHA-256.
    /// </summary>
    /// <exception cref="FaceModelUnavailableException">A model is missing or does not match its card.</exception>
    public static FaceCapture Open(FaceModelStore store, FaceCaptureOptions? options = null, FaceModelCard? detector = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        detector ??= FaceModelCatalog.BlazeFaceFront128;
        var kind = detector == FaceModelCatalog.BlazeFaceFront128 ? BlazeFaceModel.Front128
            : detector == FaceModelCatalog.BlazeFaceBack256 ? BlazeFaceModel.Back256
            : throw new ArgumentException("The detector is one of the catalogue's BlazeFace models.", nameof(detector));
        var detectorModel = store.Load(detector);
        var embedderModel = store.Load(FaceModelCatalog.DlibResNet128);
        var blazeFace = new BlazeFaceDetector(detectorModel, kind);
        try
        {
            var embedder = new OnnxFaceEmbedder(embedderModel, new OnnxEmbedderOptions(150, 150, Mean: 0, Scale: 1));
            return new FaceCapture(blazeFace, embedder, AlignmentTemplate.DlibChip150, options);
        }
        catch
        {
            blazeFace.Dispose();
            throw;
        }
    }

    /// <summary>Captures the one face in an encoded photo.</summary>
    public FaceCaptureResult Capture(ReadOnlySpan<byte> encodedImage)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan decodeTime = default, detectTime = default, alignTime = default, embedTime = default, embeddingHeld = default;
        FaceCaptureResult Refuse(CaptureRefusal reason, string message, FaceDetection? face = null, int faces = 0) => new()
        {
            Refusal = reason,
            Message = message,
            Face = face,
            FacesFound = faces,
            Timings = new CaptureTimings(decodeTime, detectTime, alignTime, embedTime, Stopwatch.GetElapsedTime(started), embeddingHeld),
        };

        if (encodedImage.Length > Options.MaxImageBytes)
        {
            return Refuse(CaptureRefusal.TooLarge, $"The image is {encodedImage.Length:N0} bytes; at most {Options.MaxImageBytes:N0} are accepted.");
        }

        // The encoded copy lives in a pinned array that Skia reads in place and that is zeroed afterwards.
        var encoded = GC.AllocateUninitializedArray<byte>(encodedImage.Length, pinned: true);
        SKBitmap? image = null;
        SKBitmap? chip = null;
        try
        {
            encodedImage.CopyTo(encoded);
            var mark = Stopwatch.GetTimestamp();
            var (decoded, problem) = Decode(encoded);
            Array.Clear(encoded);
            decodeTime = Stopwatch.GetElapsedTime(mark);
            if (decoded is null)
            {
                return Refuse(problem!.Value.Reason, problem.Value.Message);
            }

            image = decoded;
            mark = Stopwatch.GetTimestamp();
            var all = _detector.Detect(image);
            detectTime = Stopwatch.GetElapsedTime(mark);
            var confident = all.Where(f => f.Score >= Options.MinFaceScore).ToList();
            if (confident.Count == 0)
            {
                return all.Count == 0
                    ? Refuse(CaptureRefusal.NoFace, "No face was found in the image.")
                    : Refuse(CaptureRefusal.LowScore, $"The best face candidate scored {all[0].Score:F2}, below the required {Options.MinFaceScore:F2}: use a sharper, frontal, well-lit photo.", all[0]);
            }

            if (confident.Count > 1 && !Options.TakeLargestFace)
            {
                return Refuse(CaptureRefusal.SeveralFaces, $"{confident.Count} faces were found; a photo for verification shows one person (or ask for the largest face).", faces: confident.Count);
            }

            var face = confident.MaxBy(f => f.Box.Width * f.Box.Height)!;
            if (face.EyeDistance < Options.MinEyeDistance)
            {
                return Refuse(CaptureRefusal.FaceTooSmall, $"The face is too small: {face.EyeDistance:F0} px between the eyes, at least {Options.MinEyeDistance:F0} needed.", face, confident.Count);
            }

            mark = Stopwatch.GetTimestamp();
            chip = FaceAligner.Align(image, face, _template);
            Clear(ref image);
            alignTime = Stopwatch.GetElapsedTime(mark);
            mark = Stopwatch.GetTimestamp();
            var template = _embedder.ExtractAligned(chip, out embeddingHeld);
            Clear(ref chip);
            embedTime = Stopwatch.GetElapsedTime(mark);
            return new FaceCaptureResult
            {
                Template = template,
                Face = face,
                FacesFound = confident.Count,
                Timings = new CaptureTimings(decodeTime, detectTime, alignTime, embedTime, Stopwatch.GetElapsedTime(started), embeddingHeld),
            };
        }
        finally
        {
            Array.Clear(encoded);
            Clear(ref image);
            Clear(ref chip);
        }
    }

    /// <summary>
    /// Captures every file, in parallel on <paramref name="parallelism"/> cores (default: all), reporting each finished
    /// file to <paramref name="progress"/>. A file that cannot be read is refused as <see cref="CaptureRefusal.Unreadable"/>.
    /// </summary>
    public IReadOnlyList<FaceCaptureResult> CaptureFiles(IReadOnlyList<string> paths, IProgress<int>? progress = null, int parallelism = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var results = new FaceCaptureResult[paths.Count];
        var done = 0;
        Parallel.For(
            0,
            paths.Count,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount, CancellationToken = cancellationToken },
            i =>
            {
                results[i] = CaptureFile(paths[i]);
                progress?.Report(Interlocked.Increment(ref done));
            });
        return results;
    }

    /// <summary>Captures one file; its bytes are zeroed after use.</summary>
    public FaceCaptureResult CaptureFile(string path)
    {
        byte[]? bytes;
        try
        {
            // Read through a stream with a cap, not by the file's stated length: a FIFO or /dev/stdin states none.
            bytes = ReadAtMost(path, Options.MaxImageBytes);
            if (bytes is null)
            {
                return new FaceCaptureResult
                {
                    Refusal = CaptureRefusal.TooLarge,
                    Message = $"{Path.GetFileName(path)} is larger than {Options.MaxImageBytes:N0} bytes, the most accepted.",
                    Timings = CaptureTimings.None,
                };
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FaceCaptureResult
            {
                Refusal = CaptureRefusal.Unreadable,
                Message = $"{Path.GetFileName(path)} cannot be read: {ex.Message}",
                Timings = CaptureTimings.None,
            };
        }

        try
        {
            return Capture(bytes);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>The file's bytes, or null when it holds more than <paramref name="limit"/>; what was read past the limit is zeroed.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static byte[]? ReadAtMost(string path, long limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = new byte[(int)Math.Min(limit + 1, stream.CanSeek ? Math.Max(stream.Length, 0) + 1 : 1 << 20)];
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (filled > limit)
                    {
                        Array.Clear(buffer);
                        return null;
                    }

                    var larger = new byte[(int)Math.Min(limit + 1, (long)buffer.Length * 2)];
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    Array.Clear(buffer);
                    buffer = larger;
                }

                var read = stream.Read(buffer, filled, buffer.Length - filled);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            if (filled == buffer.Length)
            {
                return buffer;
            }

            var exact = buffer.AsSpan(0, filled).ToArray();
            Array.Clear(buffer);
            return exact;
        }
        catch
        {
            Array.Clear(buffer);
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _detector.Dispose();
        _embedder.Dispose();
    }

    /// <summary>Zeroes a bitmap's pixels, disposes it and nulls the reference.</summary>
    internal static void Clear(ref SKBitmap? bitmap)
    {
        if (bitmap is null)
        {
            return;
        }

        bitmap.Erase(SKColors.Transparent);
        bitmap.Dispose();
        bitmap = null;
    }

    private (SKBitmap? Image, (CaptureRefusal Reason, string Message)? Problem) Decode(byte[] pinnedEncoded)
    {
        if (pinnedEncoded.Length == 0)
        {
            return (null, (CaptureRefusal.Unreadable, "The file is empty."));
        }

        // No copy: Skia reads the pinned managed array in place, which the caller zeroes after decoding.
        using var data = SKData.Create(Marshal.UnsafeAddrOfPinnedArrayElement(pinnedEncoded, 0), pinnedEncoded.Length);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null)
        {
            return (null, (CaptureRefusal.Unreadable, "The file is not a decodable image (PNG, JPEG, WebP, GIF or BMP)."));
        }

        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && !JpegStructure.IsComplete(pinnedEncoded))
        {
            return (null, (CaptureRefusal.Unreadable, "The image is truncated (the JPEG ends before its end-of-image marker)."));
        }

        var info = codec.Info;
        if ((long)info.Width * info.Height > Options.MaxPixels)
        {
            return (null, (CaptureRefusal.TooLarge, $"The image is {info.Width}×{info.Height} pixels; at most {Options.MaxPixels:N0} pixels are accepted."));
        }

        SKBitmap? bitmap = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            // IncompleteInput included: Skia fills a truncated photo's missing rows, and a face from half a photo is not a capture.
            Clear(ref bitmap);
            return (null, (CaptureRefusal.Unreadable, result == SKCodecResult.IncompleteInput ? "The image is truncated." : $"The image could not be decoded ({result})."));
        }

        return (Orient(bitmap, codec.EncodedOrigin), null);
    }

    /// <summary>Applies the EXIF orientation (phones store portrait photos rotated); the input is cleared when replaced.</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return bitmap;
        }

        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (w, h) = swap ? (bitmap.Height, bitmap.Width) : (bitmap.Width, bitmap.Height);
        var oriented = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(oriented))
        {
            canvas.SetMatrix(OriginMatrix(origin, bitmap.Width, bitmap.Height));
            // FromPixels wraps the bitmap's own pixels; FromBitmap would copy a mutable bitmap into a buffer nobody zeroes.
            using var pixels = bitmap.PeekPixels();
            using var image = SKImage.FromPixels(pixels);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
        }

        SKBitmap? original = bitmap;
        Clear(ref original);
        return oriented;
    }

    /// <summary>The matrix that draws a stored image (width <paramref name="w"/>, height <paramref name="h"/>) upright.</summary>
    internal static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}
