using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Obscura.Biometrics.Onnx.Models;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

public sealed class DlibResNetOnnxTests
{
    private static readonly string KatFolder = Path.Combine(AppContext.BaseDirectory, "data", "kat");
    private static readonly Lazy<byte[]> Converted = new(() => DlibResNetOnnx.Convert(FaceApiSources.Manifest(), FaceApiSources.Weights()));

    [Fact]
    public void Onnx_runtime_on_the_converted_model_reproduces_the_tfjs_reference_embeddings()
    {
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(KatFolder, "reference-embeddings.json")));
        var model = reference.RootElement.GetProperty("model");
        Assert.Equal(model.GetProperty("manifest").GetProperty("sha256").GetString(), Sha256(FaceApiSources.Manifest()));
        Assert.Equal(model.GetProperty("weights").GetProperty("sha256").GetString(), Sha256(FaceApiSources.Weights()));

        var chips = reference.RootElement.GetProperty("chips").EnumerateArray().ToList();
        var pngs = chips.Select(c => File.ReadAllBytes(Path.Combine(KatFolder, c.GetProperty("file").GetString()!))).ToList();
        for (var i = 0; i < chips.Count; i++)
        {
            Assert.Equal(chips[i].GetProperty("sha256").GetString(), Sha256(pngs[i]));
        }

        // All chips in one batch, which also exercises the symbolic batch dimension.
        using var session = new InferenceSession(Converted.Value);
        var actual = Embed(session, pngs);
        for (var i = 0; i < chips.Count; i++)
        {
            var expected = chips[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(DlibResNetOnnx.EmbeddingDimension, expected.Length);
            var maxDiff = expected.Zip(actual[i], (e, a) => Math.Abs((double)e - a)).Max();
            var norm = Norm(expected);
            var cosine = Cosine(expected, actual[i]);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{chips[i].GetProperty("file").GetString()}: max |diff| {maxDiff:E3}, norm {norm:F6}, relative {maxDiff / norm:E3}, 1 − cosine {1 - cosine:E2}");
            Assert.True(maxDiff <= 1e-4 * norm, $"max |diff| {maxDiff:E3} exceeds 1e-4 × norm {norm:F4}");
            Assert.True(cosine >= 0.99999, $"1 − cosine {1 - cosine:E2}");
        }
    }

    [Fact]
    public void The_converted_model_plugs_into_OnnxFaceEmbedder_with_raw_rgb_input()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "dlib-resnet.onnx");
        File.WriteAllBytes(path, Converted.Value);
        using var embedder = new OnnxFaceEmbedder(path, new OnnxEmbedderOptions(DlibResNetOnnx.InputSize, DlibResNetOnnx.InputSize, Mean: 0, Scale: 1));
        Assert.Equal(DlibResNetOnnx.EmbeddingDimension, embedder.Dimension);

        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(KatFolder, "reference-embeddings.json")));
        var hopper = reference.RootElement.GetProperty("chips").EnumerateArray().Single(c => c.GetProperty("file").GetString() == "hopper-150.png");
        var expected = hopper.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var template = embedder.Extract(Chip("hopper-150.png"));
        Assert.True(Cosine(expected, template.Values.ToArray()) >= 0.99999);
    }

    [Fact]
    public void Two_different_people_have_distant_embeddings()
    {
        using var session = new InferenceSession(Converted.Value);
        var embeddings = Embed(session, [Chip("hopper-150.png"), Chip("collins-150.png")]);
        var cosine = Cosine(embeddings[0], embeddings[1]);
        var distance = Math.Sqrt(embeddings[0].Zip(embeddings[1], (a, b) => ((double)a - b) * (a - b)).Sum());
        TestContext.Current.TestOutputHelper?.WriteLine($"Hopper vs Collins: cosine {cosine:F4}, Euclidean distance {distance:F4} (face-api's same-person threshold: distance < 0.6)");

        // dlib's model puts the same person at Euclidean distance < 0.6; these fixed crops (not aligned) are beyond it.
        Assert.True(distance > 0.6, $"distance {distance:F4}");
    }

    [Fact]
    public void Convert_is_deterministic()
    {
        var again = DlibResNetOnnx.Convert(FaceApiSources.Manifest(), FaceApiSources.Weights());
        Assert.Equal(Converted.Value, again);
        TestContext.Current.TestOutputHelper?.WriteLine($"converted model: {again.Length} bytes, SHA-256 {Sha256(again)}");
    }

    [Fact]
    public void A_truncated_weights_file_is_refused()
    {
        var weights = FaceApiSources.Weights();
        var ex = Assert.Throws<InvalidDataException>(() => DlibResNetOnnx.Convert(FaceApiSources.Manifest(), weights[..^1000]));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weights_file_with_bytes_left_over_is_refused()
    {
        var weights = FaceApiSources.Weights();
        Assert.Throws<InvalidDataException>(() => DlibResNetOnnx.Convert(FaceApiSources.Manifest(), [.. weights, 0, 0, 0, 0]));
    }

    [Fact]
    public void A_manifest_without_a_weight_the_network_needs_is_refused()
    {

        // Remove the entry and its bytes, so that sizes still add up and only the missing weight is wrong.
        var (manifest, weights) = WithoutWeight(FaceApiSources.Manifest(), FaceApiSources.Weights(), "conv128_1/conv2/scale/weights");
        var ex = Assert.Throws<InvalidDataException>(() => DlibResNetOnnx.Convert(manifest, weights));
        Assert.Contains("conv128_1/conv2/scale/weights", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weight_of_the_wrong_shape_is_refused()
    {

        // Same element count, transposed shape: the bytes still add up.
        var manifest = EditWeight(FaceApiSources.Manifest(), "fc", w => w["shape"] = new JsonArray(128, 256));
        var ex = Assert.Throws<InvalidDataException>(() => DlibResNetOnnx.Convert(manifest, FaceApiSources.Weights()));
        Assert.Contains("'fc'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weight_the_network_does_not_use_is_refused()
    {
        var manifest = EditWeight(FaceApiSources.Manifest(), "fc", w => w["name"] = "fc_renamed");
        var ex = Assert.Throws<InvalidDataException>(() => DlibResNetOnnx.Convert(manifest, FaceApiSources.Weights()));
        Assert.Contains("'fc'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("float16")]
    public void An_unsupported_quantisation_is_refused(string dtype)
    {
        var manifest = EditWeight(FaceApiSources.Manifest(), "fc", w => w["quantization"]!["dtype"] = dtype);
        var ex = Assert.Throws<InvalidDataException>(() => DlibResNetOnnx.Convert(manifest, FaceApiSources.Weights()));
        Assert.Contains(dtype, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Reports ONNX Runtime's single-thread time per chip; run explicitly, it asserts nothing about speed.</summary>
    [Fact(Explicit = true)]
    public void Single_thread_time_per_chip_is_reported()
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(Converted.Value, options);
        var chip = Chip("hopper-150.png");
        Embed(session, [chip]);
        var watch = Stopwatch.StartNew();
        const int Runs = 20;
        for (var i = 0; i < Runs; i++)
        {
            Embed(session, [chip]);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{watch.Elapsed.TotalMilliseconds / Runs:F1} ms per 150x150 chip (IntraOpNumThreads = 1, mean of {Runs}, PNG decoding included)");
    }

    private static byte[] Chip(string file) => File.ReadAllBytes(Path.Combine(KatFolder, file));

    /// <summary>Decodes 150×150 PNGs into one [N, 3, 150, 150] batch of raw 0–255 RGB and runs the model.</summary>
    private static float[][] Embed(InferenceSession session, IReadOnlyList<byte[]> pngs)
    {
        const int Size = DlibResNetOnnx.InputSize;
        var tensor = new DenseTensor<float>([pngs.Count, 3, Size, Size]);
        for (var n = 0; n < pngs.Count; n++)
        {
            using var decoded = SKBitmap.Decode(pngs[n]);
            using var bitmap = decoded.Copy(SKColorType.Rgba8888);
            Assert.Equal((Size, Size), (bitmap.Width, bitmap.Height));
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var pixel = bitmap.GetPixel(x, y);
                    tensor[n, 0, y, x] = pixel.Red;
                    tensor[n, 1, y, x] = pixel.Green;
                    tensor[n, 2, y, x] = pixel.Blue;
                }
            }
        }

        using var results = session.Run([NamedOnnxValue.CreateFromTensor(DlibResNetOnnx.InputName, tensor)]);
        var output = results.Single(r => r.Name == DlibResNetOnnx.OutputName).AsTensor<float>();
        Assert.Equal([pngs.Count, DlibResNetOnnx.EmbeddingDimension], output.Dimensions.ToArray());
        return [.. Enumerable.Range(0, pngs.Count).Select(n => Enumerable.Range(0, DlibResNetOnnx.EmbeddingDimension).Select(j => output[n, j]).ToArray())];
    }

    private static (byte[] Manifest, byte[] Weights) WithoutWeight(byte[] manifestJson, byte[] weights, string name)
    {
        var manifest = JsonNode.Parse(manifestJson)!.AsArray();
        var offset = 0;
        foreach (var group in manifest)
        {
            var entries = group!["weights"]!.AsArray();
            foreach (var entry in entries)
            {
                var count = entry!["shape"]!.AsArray().Aggregate(1, (p, d) => p * d!.GetValue<int>());
                var bytes = count * (entry["quantization"] is null ? 4 : 1);
                if (entry["name"]!.GetValue<string>() == name)
                {
                    entries.Remove(entry);
                    return (JsonSerializer.SerializeToUtf8Bytes(manifest), [.. weights[..offset], .. weights[(offset + bytes)..]]);
                }

                offset += bytes;
            }
        }

        throw new ArgumentException($"no weight '{name}'", nameof(name));
    }

    private static byte[] EditWeight(byte[] manifestJson, string name, Action<JsonObject> edit)
    {
        var manifest = JsonNode.Parse(manifestJson)!.AsArray();
        var entry = manifest.SelectMany(g => g!["weights"]!.AsArray()).Single(w => w!["name"]!.GetValue<string>() == name)!.AsObject();
        edit(entry);
        return JsonSerializer.SerializeToUtf8Bytes(manifest);
    }

    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum() / (Norm(a) * Norm(b));

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLower(CultureInfo.InvariantCulture);
}
