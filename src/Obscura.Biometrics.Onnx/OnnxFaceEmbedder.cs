using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Obscura.Biometrics.Templates;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx;

/// <summary>How images are turned into the model's input tensor.</summary>
/// <param name="Width">Input width in pixels (the image is resized to it).</param>
/// <param name="Height">Input height in pixels.</param>
/// <param name="Mean">Subtracted from each 0–255 channel value.</param>
/// <param name="Scale">The difference is divided by this.</param>
/// <param name="Bgr">Channel order BGR instead of RGB (models trained with OpenCV often expect BGR).</param>
public sealed record OnnxEmbedderOptions(int Width = 112, int Height = 112, float Mean = 127.5f, float Scale = 127.5f, bool Bgr = false);

/// <summary>
/// Runs a user-supplied ONNX face-embedding model on the capturing side: a cropped, aligned face image (PNG, JPEG or
/// WebP) is decoded, resized, scaled to an NCHW float tensor of shape [1, 3, H, W], and the model's single output
/// [1, d] with 128 ≤ d ≤ 512 becomes a <see cref="FaceTemplate"/>. Face detection and alignment are the caller's:
/// feed the crop the model was trained on. The image and the embedding stay in this process.
/// </summary>
public sealed class OnnxFaceEmbedder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName = "";
    private readonly OnnxEmbedderOptions _options;

    /// <summary>Loads and checks a model.</summary>
    /// <exception cref="InvalidDataException">The model does not take one [N, 3, H, W] float input or give one [N, d] float output with d in 128…512.</exception>
    public OnnxFaceEmbedder(string modelPath, OnnxEmbedderOptions? options = null)
        : this(CheckedPath(modelPath), null, options)
    {
    }

    /// <summary>
    /// Loads and checks a model from its bytes (already checked against its model card by the caller), with one
    /// thread per inference: parallel captures run on separate cores instead.
    /// </summary>
    /// <exception cref="InvalidDataException">The model does not take one [N, 3, H, W] float input or give one [N, d] float output with d in 128…512.</exception>
    public OnnxFaceEmbedder(byte[] model, OnnxEmbedderOptions? options = null)
        : this(null, model ?? throw new ArgumentNullException(nameof(model)), options)
    {
    }

    private OnnxFaceEmbedder(string? modelPath, byte[]? model, OnnxEmbedderOptions? options)
    {
        _options = options ?? new OnnxEmbedderOptions();
        if (_options.Width is < 8 or > 4096 || _options.Height is < 8 or > 4096 || !(_options.Scale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Width and height are 8 to 4096 pixels and the scale is positive.");
        }

        try
        {
            if (model is not null)
            {
                using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
                _session = new InferenceSession(model, sessionOptions);
            }
            else
            {
                _session = new InferenceSession(modelPath!);
            }
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"'{(modelPath is null ? "the model" : Path.GetFileName(modelPath))}' is not a loadable ONNX model: {ex.Message}", ex);
        }

        try
        {
            var input = _session.InputMetadata.Single();
            var output = _session.OutputMetadata.Single();
            var inputDims = input.Value.Dimensions;
            if (input.Value.ElementType != typeof(float) || inputDims.Length != 4 || inputDims[1] is not (3 or -1)
                || (inputDims[2] > 0 && inputDims[2] != _options.Height) || (inputDims[3] > 0 && inputDims[3] != _options.Width))
            {
                throw new InvalidDataException($"The model's input must be float [N, 3, {_options.Height}, {_options.Width}]; it is {Describe(input.Value)}.");
            }

            var outputDims = output.Value.Dimensions;
            if (output.Value.ElementType != typeof(float) || outputDims.Length != 2 || outputDims[1] is < FaceTemplate.MinDimension or > FaceTemplate.MaxDimension)
            {
                throw new InvalidDataException($"The model's output must be float [N, d] with d from {FaceTemplate.MinDimension} to {FaceTemplate.MaxDimension}; it is {Describe(output.Value)}.");
            }

            _inputName = input.Key;
            _outputName = output.Key;
            Dimension = outputDims[1];
        }
        catch (InvalidOperationException)
        {
            _session.Dispose();
            throw new InvalidDataException("A face-embedding model has exactly one input and one output.");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The largest image <see cref="Extract"/> decodes, in pixels (checked before decoding).</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>The embedding dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Embeds one encoded image.</summary>
    /// <exception cref="ArgumentException">The bytes are not a decodable image.</exception>
    public FaceTemplate Extract(ReadOnlySpan<byte> encodedImage)
    {
        using var data = SKData.CreateCopy(encodedImage);
        using var codec = SKCodec.Create(data) ?? throw new ArgumentException("Not a decodable image (PNG, JPEG or WebP).", nameof(encodedImage));
        if ((long)codec.Info.Width * codec.Info.Height > MaxPixels)
        {
            throw new ArgumentException($"The image has more than {MaxPixels:N0} pixels.", nameof(encodedImage));
        }

        using var decoded = SKBitmap.Decode(codec) ?? throw new ArgumentException("The image could not be decoded.", nameof(encodedImage));
        var tensor = ToTensor(decoded, _options);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, tensor)]);
        var embedding = results[0].AsEnumerable<float>().ToArray();
        tensor.Buffer.Span.Clear();
        return FaceTemplate.FromEmbedding(embedding);
    }

    /// <summary>
    /// Embeds an aligned face chip of exactly the model's input size, read from its pixels without resampling. The
    /// input tensor and the raw output are zeroed before this returns; <paramref name="rawOutputHeld"/> is how long the
    /// raw (unnormalised) embedding existed.
    /// </summary>
    /// <exception cref="ArgumentException">The chip is not <see cref="OnnxEmbedderOptions.Width"/> × <see cref="OnnxEmbedderOptions.Height"/> RGBA8888.</exception>
    public FaceTemplate ExtractAligned(SKBitmap chip, out TimeSpan rawOutputHeld)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (chip.Width != _options.Width || chip.Height != _options.Height || chip.ColorType != SKColorType.Rgba8888)
        {
            throw new ArgumentException($"The chip must be {_options.Width}×{_options.Height} RGBA8888.", nameof(chip));
        }

        var plane = _options.Width * _options.Height;
        var input = new float[3 * plane];
        var output = new float[Dimension];
        long outputWritten = 0;
        try
        {
            var pixels = chip.GetPixelSpan();
            var rowBytes = chip.RowBytes;
            var (first, third) = _options.Bgr ? (2, 0) : (0, 2);
            for (var y = 0; y < _options.Height; y++)
            {
                var row = pixels.Slice(y * rowBytes, _options.Width * 4);
                for (var x = 0; x < _options.Width; x++)
                {
                    var i = (y * _options.Width) + x;
                    input[i] = (row[(4 * x) + first] - _options.Mean) / _options.Scale;
                    input[plane + i] = (row[(4 * x) + 1] - _options.Mean) / _options.Scale;
                    input[(2 * plane) + i] = (row[(4 * x) + third] - _options.Mean) / _options.Scale;
                }
            }

            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 3, _options.Height, _options.Width]);
            using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [1, Dimension]);
            using var runOptions = new RunOptions();
            _session.Run(runOptions, [_inputName], [inputValue], [_outputName], [outputValue]);
            outputWritten = System.Diagnostics.Stopwatch.GetTimestamp();
            return FaceTemplate.FromEmbedding(output);
        }
        finally
        {
            Array.Clear(input);
            Array.Clear(output);
            rawOutputHeld = outputWritten == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(outputWritten);
        }
    }

    /// <summary>The model input for an image: resized, channels scaled as (v − mean) / scale, NCHW.</summary>
    internal static DenseTensor<float> ToTensor(SKBitmap image, OnnxEmbedderOptions options)
    {
        using var resized = image.Width == options.Width && image.Height == options.Height
            ? image.Copy(SKColorType.Rgba8888)
            : image.Resize(new SKImageInfo(options.Width, options.Height, SKColorType.Rgba8888), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
        var tensor = new DenseTensor<float>([1, 3, options.Height, options.Width]);
        for (var y = 0; y < options.Height; y++)
        {
            for (var x = 0; x < options.Width; x++)
            {
                var pixel = resized.GetPixel(x, y);
                var (first, third) = options.Bgr ? (pixel.Blue, pixel.Red) : (pixel.Red, pixel.Blue);
                tensor[0, 0, y, x] = (first - options.Mean) / options.Scale;
                tensor[0, 1, y, x] = (pixel.Green - options.Mean) / options.Scale;
                tensor[0, 2, y, x] = (third - options.Mean) / options.Scale;
            }
        }

        return tensor;
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();

    private static string CheckedPath(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return modelPath;
    }

    private static string Describe(NodeMetadata metadata) =>
        $"{metadata.ElementType.Name} [{string.Join(", ", metadata.Dimensions)}]";
}
