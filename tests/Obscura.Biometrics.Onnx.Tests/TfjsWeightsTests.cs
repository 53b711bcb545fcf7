using System.Text;
using Obscura.Biometrics.Onnx.Models;

namespace Obscura.Biometrics.Onnx.Tests;

public sealed class TfjsWeightsTests
{
    private const string TwoWeights = """
        [{"paths": ["group1-shard1of1.bin"], "weights": [
          {"name": "a", "shape": [2], "dtype": "float32"},
          {"name": "b", "shape": [3], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.25}}
        ]}]
        """;

    private static readonly byte[] TwoWeightsBin = [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f), 0, 1, 255];

    [Fact]
    public void Float32_weights_are_read_and_uint8_weights_dequantised_as_q_times_scale_plus_min()
    {
        var weights = TfjsWeights.Read(Encoding.UTF8.GetBytes(TwoWeights), TwoWeightsBin);
        Assert.Equal([2], weights["a"].Shape);
        Assert.Equal([1.5f, -2f], weights["a"].Data);
        Assert.Equal([3], weights["b"].Shape);
        Assert.Equal([-1.25f, -0.75f, 126.25f], weights["b"].Data);
    }

    [Fact]
    public void Weights_in_several_groups_follow_each_other_in_the_bytes()
    {
        const string Manifest = """
            [{"paths": ["1"], "weights": [{"name": "a", "shape": [1], "dtype": "float32"}]},
             {"paths": ["2"], "weights": [{"name": "b", "shape": [1, 2], "dtype": "float32", "quantization": {"dtype": "uint16", "scale": 1, "min": 0}}]}]
            """;
        var weights = TfjsWeights.Read(Encoding.UTF8.GetBytes(Manifest), [.. BitConverter.GetBytes(7f), 1, 0, 0, 1]);
        Assert.Equal([7f], weights["a"].Data);
        Assert.Equal([1, 2], weights["b"].Shape);
        Assert.Equal([1f, 256f], weights["b"].Data);
    }

    [Theory]
    [InlineData(-1, "truncated")]
    [InlineData(1, "do not belong together")]
    public void Weights_whose_size_does_not_match_the_manifest_are_refused(int delta, string message)
    {
        var bin = delta < 0 ? TwoWeightsBin[..^1] : [.. TwoWeightsBin, 0];
        var ex = Assert.Throws<InvalidDataException>(() => TfjsWeights.Read(Encoding.UTF8.GetBytes(TwoWeights), bin));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"dtype\": \"float32\", \"quantization\": {\"dtype\": \"uint8\", \"scale\": 1e999, \"min\": 0}", "scale")]
    [InlineData("\"dtype\": \"float32\", \"quantization\": {\"dtype\": \"uint8\", \"scale\": \"NaN\", \"min\": 0}", "scale")]
    [InlineData("\"dtype\": \"float32\", \"quantization\": {\"dtype\": \"uint8\", \"scale\": 1}", "min")]
    [InlineData("\"dtype\": \"float32\", \"quantization\": {\"dtype\": \"float16\"}", "float16")]
    [InlineData("\"dtype\": \"int32\"", "int32")]
    [InlineData("\"dtype\": \"string\"", "string")]
    [InlineData("\"quantization\": null", "dtype")]
    public void A_weight_with_an_unknown_dtype_or_a_bad_quantisation_is_refused(string fields, string message)
    {
        var manifest = $$"""[{"paths": [], "weights": [{"name": "w", "shape": [1], {{fields}}}]}]""";
        var ex = Assert.Throws<InvalidDataException>(() => TfjsWeights.Read(Encoding.UTF8.GetBytes(manifest), new byte[4]));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"weights": []}""", "array of weight groups")]
    [InlineData("""[{"paths": []}]""", "'weights' array")]
    [InlineData("""[{"weights": [{"shape": [1], "dtype": "float32"}]}]""", "'name'")]
    [InlineData("""[{"weights": [{"name": "w", "dtype": "float32"}]}]""", "'shape'")]
    [InlineData("""[{"weights": [{"name": "w", "shape": [-1], "dtype": "float32"}]}]""", "non-negative")]
    [InlineData("""[{"weights": [{"name": "w", "shape": [1], "dtype": "float32"}, {"name": "w", "shape": [0], "dtype": "float32"}]}]""", "twice")]
    [InlineData("""[{"weights": [""", "not valid JSON")]
    public void A_malformed_manifest_is_refused(string manifest, string message)
    {
        var ex = Assert.Throws<InvalidDataException>(() => TfjsWeights.Read(Encoding.UTF8.GetBytes(manifest), new byte[4]));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
