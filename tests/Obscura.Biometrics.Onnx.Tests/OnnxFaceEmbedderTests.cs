using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

public sealed class OnnxFaceEmbedderTests : IDisposable
{
    private const int Size = 16;
    private const int Dimension = 128;
    private readonly TempDirectory _dir = new();
    private readonly float[] _weights = TinyOnnxModel.Weights(3 * Size * Size, Dimension, seed: 4);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_embedding_is_the_model_output_on_the_preprocessed_image_normalised()
    {
        using var embedder = new OnnxFaceEmbedder(WriteModel(Dimension), new OnnxEmbedderOptions(Size, Size));
        Assert.Equal(Dimension, embedder.Dimension);
        var png = Image(SKColors.SteelBlue, SKColors.Orange);

        // Expected: flatten the NCHW tensor of the decoded image and multiply by W, then scale to unit length.
        using var bitmap = SKBitmap.Decode(png);
        var input = OnnxFaceEmbedder.ToTensor(bitmap, new OnnxEmbedderOptions(Size, Size)).Buffer.ToArray();
        var expected = new double[Dimension];
        for (var j = 0; j < Dimension; j++)
        {
            for (var i = 0; i < input.Length; i++)
            {
                expected[j] += input[i] * _weights[(i * Dimension) + j];
            }
        }

        var norm = Math.Sqrt(expected.Sum(v => v * v));
        var template = embedder.Extract(png);
        for (var j = 0; j < Dimension; j++)
        {
            Assert.Equal(expected[j] / norm, template.Values[j], 4);
        }

        Assert.Equal(1, template.Similarity(embedder.Extract(png)), 6);
        Assert.True(template.Similarity(embedder.Extract(Image(SKColors.DarkGreen, SKColors.White))) < 0.999);
    }

    [Fact]
    public void Larger_images_are_resized_and_bad_input_is_refused_clearly()
    {
        using var embedder = new OnnxFaceEmbedder(WriteModel(Dimension), new OnnxEmbedderOptions(Size, Size));
        Assert.Equal(Dimension, embedder.Extract(Image(SKColors.Red, SKColors.Blue, side: 100)).Dimension);
        Assert.Throws<ArgumentException>(() => embedder.Extract("not an image"u8));

        var small = Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(WriteModel(64), new OnnxEmbedderOptions(Size, Size)));
        Assert.Contains("output", small.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(WriteModel(Dimension), new OnnxEmbedderOptions(32, 32)));
        var garbage = Path.Combine(_dir.Path, "garbage.onnx");
        File.WriteAllBytes(garbage, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(garbage));
    }

    [Fact]
    public void An_aligned_chip_embeds_as_the_same_image_decoded_and_a_wrong_sized_chip_is_refused()
    {
        using var fromFile = new OnnxFaceEmbedder(WriteModel(Dimension), new OnnxEmbedderOptions(Size, Size));
        using var fromBytes = new OnnxFaceEmbedder(File.ReadAllBytes(WriteModel(Dimension)), new OnnxEmbedderOptions(Size, Size));
        var png = Image(SKColors.SteelBlue, SKColors.Orange);
        using var decoded = SKBitmap.Decode(png);
        using var chip = decoded.Copy(SKColorType.Rgba8888);

        var aligned = fromBytes.ExtractAligned(chip, out var held);

        Assert.Equal(fromFile.Extract(png).Values.ToArray(), aligned.Values.ToArray());
        Assert.True(held > TimeSpan.Zero);
        using var wrong = new SKBitmap(Size + 1, Size, SKColorType.Rgba8888, SKAlphaType.Premul);
        Assert.Throws<ArgumentException>(() => fromBytes.ExtractAligned(wrong, out _));
        Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder([1, 2, 3]));
    }

    private string WriteModel(int dimension)
    {
        var path = Path.Combine(_dir.Path, $"model-{dimension}.onnx");
        File.WriteAllBytes(path, TinyOnnxModel.Build(Size, Size, dimension, dimension == Dimension ? _weights : TinyOnnxModel.Weights(3 * Size * Size, dimension, 5)));
        return path;
    }

    private static byte[] Image(SKColor background, SKColor square, int side = Size)
    {
        using var bitmap = new SKBitmap(side, side);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(background);
            using var paint = new SKPaint { Color = square };
            canvas.DrawRect(side / 4f, side / 4f, side / 2f, side / 3f, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
