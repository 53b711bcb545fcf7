using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Obscura.Biometrics.Onnx.Models;

namespace Obscura.Biometrics.Onnx.Tests;

public sealed class OnnxModelWriterTests
{
    /// <summary>x [N, 2] → Pad one zero at the start of axis 1 (int64 pads initializer) → LeakyRelu (float attribute) → Add (float initializer).</summary>
    private static byte[] Model() =>
        new OnnxModelWriter("writer-test")
            .AddInput("x", "N", 2)
            .AddInitializer("pads", [4], [0L, 1, 0, 0])
            .AddInitializer("offset", [3], [10f, 20f, 30f])
            .AddNode("Pad", "pad", ["x", "pads"], ["padded"])
            .AddNode("LeakyRelu", "leaky", ["padded"], ["leaky"], OnnxAttributeValue.FloatValue("alpha", 0.5f))
            .AddNode("Add", "add", ["leaky", "offset"], ["y"])
            .AddOutput("y", "N", 3)
            .ToArray();

    [Fact]
    public void Onnx_runtime_loads_and_runs_a_written_model_with_a_symbolic_batch()
    {
        using var session = new InferenceSession(Model());
        Assert.Equal(["N", ""], session.InputMetadata["x"].SymbolicDimensions);
        Assert.Equal([-1, 2], session.InputMetadata["x"].Dimensions);
        Assert.Equal([-1, 3], session.OutputMetadata["y"].Dimensions);

        var x = new DenseTensor<float>(new float[] { 1, -2, -4, 6 }, [2, 2]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", x)]);
        Assert.Equal([10f, 21f, 29f, 10f, 18f, 36f], results[0].AsEnumerable<float>().ToArray());
    }

    [Fact]
    public void The_same_calls_give_the_same_bytes()
    {
        Assert.Equal(Model(), Model());
    }

    [Fact]
    public void A_value_name_used_twice_is_refused()
    {
        var writer = new OnnxModelWriter("g").AddInput("x", 1);
        Assert.Throws<ArgumentException>(() => writer.AddNode("Relu", "r", ["x"], ["x"]));
        Assert.Throws<ArgumentException>(() => writer.AddInitializer("x", [1], [1f]));
    }

    [Fact]
    public void An_initializer_whose_shape_does_not_hold_its_data_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new OnnxModelWriter("g").AddInitializer("w", [2, 2], [1f, 2f, 3f]));
    }
}
