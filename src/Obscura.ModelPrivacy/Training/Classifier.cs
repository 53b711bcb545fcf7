using System.Numerics.Tensors;

namespace Obscura.ModelPrivacy.Training;

/// <summary>
/// A softmax classifier over flat inputs: multinomial logistic regression (<c>hidden = 0</c>) or a multilayer
/// perceptron with one tanh hidden layer. Parameters live in one flat array: [W1 (H×D), b1 (H)], then W (C×H or C×D)
/// and b (C). Per-example gradients are exact (cross-entropy loss), and their L2 norm is computed from the layer
/// factors without materialising the outer products, which DP-SGD's clipping needs per example.
/// </summary>
public sealed class Classifier
{
    /// <summary>Creates the architecture (no parameters yet).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public Classifier(int inputs, int classes, int hidden = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(hidden);
        Inputs = inputs;
        Classes = classes;
        Hidden = hidden;
        var last = hidden == 0 ? inputs : hidden;
        ParameterCount = (hidden == 0 ? 0 : (hidden * inputs) + hidden) + (classes * last) + classes;
    }

    /// <summary>Input size D.</summary>
    public int Inputs { get; }

    /// <summary>Number of classes C.</summary>
    public int Classes { get; }

    /// <summary>Hidden units H (0: logistic regression).</summary>
    public int Hidden { get; }

    /// <summary>Length of the flat parameter array.</summary>
    public int ParameterCount { get; }

    /// <summary>Initial parameters: Glorot-uniform weights, zero biases (all zero for logistic regression).</summary>
    public float[] Initialize(int seed)
    {
        var parameters = new float[ParameterCount];
        if (Hidden == 0)
        {
            return parameters;
        }

        var random = new Random(seed);
        var limit1 = Math.Sqrt(6.0 / (Inputs + Hidden));
        for (var i = 0; i < Hidden * Inputs; i++)
        {
            parameters[i] = (float)(((2 * random.NextDouble()) - 1) * limit1);
        }

        var w2 = (Hidden * Inputs) + Hidden;
        var limit2 = Math.Sqrt(6.0 / (Hidden + Classes));
        for (var i = 0; i < Classes * Hidden; i++)
        {
            parameters[w2 + i] = (float)(((2 * random.NextDouble()) - 1) * limit2);
        }

        return parameters;
    }

    /// <summary>Scratch space for one thread.</summary>
    public sealed class Workspace
    {
        internal Workspace(Classifier model)
        {
            HiddenValues = new float[Math.Max(model.Hidden, 1)];
            HiddenDelta = new float[Math.Max(model.Hidden, 1)];
            Logits = new float[model.Classes];
        }

        internal float[] HiddenValues { get; }

        internal float[] HiddenDelta { get; }

        internal float[] Logits { get; }
    }

    /// <summary>Scratch space for one thread's forward and backward passes.</summary>
    public Workspace NewWorkspace() => new(this);

    /// <summary>The predicted class.</summary>
    public int Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Workspace workspace)
    {
        Forward(parameters, x, workspace);
        return TensorPrimitives.IndexOfMax(workspace.Logits);
    }

    /// <summary>The logits (unnormalised class scores) into <paramref name="logits"/>.</summary>
    public void Logits(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Workspace workspace, Span<float> logits)
    {
        Forward(parameters, x, workspace);
        workspace.Logits.CopyTo(logits);
    }

    /// <summary>The class probabilities (softmax of the logits) into <paramref name="probabilities"/>.</summary>
    public void Probabilities(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Workspace workspace, Span<float> probabilities)
    {
        Forward(parameters, x, workspace);
        workspace.Logits.CopyTo(probabilities);
        StableSoftMax(probabilities);
    }

    /// <summary>Softmax in place after subtracting the largest value, so no exponential overflows.</summary>
    private static void StableSoftMax(Span<float> values)
    {
        var max = TensorPrimitives.Max(values);
        if (float.IsFinite(max))
        {
            TensorPrimitives.Subtract(values, max, values);
        }

        TensorPrimitives.SoftMax(values, values);
    }

    /// <summary>
    /// The cross-entropy loss of one example, leaving in <paramref name="workspace"/> what <see cref="AddGradient"/>
    /// needs (the softmax residual p − onehot(y) and, with a hidden layer, the back-propagated delta). Returns the loss
    /// and the example gradient's squared L2 norm.
    /// </summary>
    public (double Loss, double SquaredNorm) Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int label, Workspace workspace)
    {
        Forward(parameters, x, workspace);
        var logits = workspace.Logits;
        StableSoftMax(logits);
        var loss = -Math.Log(Math.Max(logits[label], 1e-30f));
        logits[label] -= 1; // now the residual δ = p − onehot(y)
        var residualSquared = (double)TensorPrimitives.Dot<float>(logits, logits);
        if (Hidden == 0)
        {
            // g_W = δ xᵀ, g_b = δ: ‖g‖² = ‖δ‖²(‖x‖² + 1).
            return (loss, residualSquared * ((double)TensorPrimitives.Dot(x, x) + 1));
        }

        var h = workspace.HiddenValues.AsSpan(0, Hidden);
        var delta = workspace.HiddenDelta.AsSpan(0, Hidden);
        var w2 = parameters.Slice((Hidden * Inputs) + Hidden, Classes * Hidden);
        delta.Clear();
        for (var c = 0; c < Classes; c++)
        {
            TensorPrimitives.MultiplyAdd(w2.Slice(c * Hidden, Hidden), logits[c], delta, delta);
        }

        for (var j = 0; j < Hidden; j++)
        {
            delta[j] *= 1 - (h[j] * h[j]);
        }

        var squared = (residualSquared * ((double)TensorPrimitives.Dot<float>(h, h) + 1))
            + ((double)TensorPrimitives.Dot<float>(delta, delta) * ((double)TensorPrimitives.Dot(x, x) + 1));
        return (loss, squared);
    }

    /// <summary>Adds <paramref name="scale"/> × the gradient of the example last passed to <see cref="Backward"/> into <paramref name="sum"/>.</summary>
    public void AddGradient(ReadOnlySpan<float> x, Workspace workspace, float scale, Span<float> sum)
    {
        var logits = workspace.Logits;
        var offset = 0;
        ReadOnlySpan<float> last = x;
        if (Hidden > 0)
        {
            var delta = workspace.HiddenDelta;
            for (var j = 0; j < Hidden; j++)
            {
                var row = sum.Slice(j * Inputs, Inputs);
                TensorPrimitives.MultiplyAdd(x, delta[j] * scale, row, row);
            }

            offset = Hidden * Inputs;
            for (var j = 0; j < Hidden; j++)
            {
                sum[offset + j] += delta[j] * scale;
            }

            offset += Hidden;
            last = workspace.HiddenValues.AsSpan(0, Hidden);
        }

        var width = last.Length;
        for (var c = 0; c < Classes; c++)
        {
            var row = sum.Slice(offset + (c * width), width);
            TensorPrimitives.MultiplyAdd(last, logits[c] * scale, row, row);
        }

        offset += Classes * width;
        for (var c = 0; c < Classes; c++)
        {
            sum[offset + c] += logits[c] * scale;
        }
    }

    private void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Workspace workspace)
    {
        if (x.Length != Inputs || parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"The model takes {Inputs} inputs and {ParameterCount} parameters.");
        }

        var offset = 0;
        ReadOnlySpan<float> last = x;
        if (Hidden > 0)
        {
            var h = workspace.HiddenValues.AsSpan(0, Hidden);
            for (var j = 0; j < Hidden; j++)
            {
                h[j] = TensorPrimitives.Dot(parameters.Slice(j * Inputs, Inputs), x);
            }

            offset = Hidden * Inputs;
            TensorPrimitives.Add(h, parameters.Slice(offset, Hidden), h);
            TensorPrimitives.Tanh(h, h);
            offset += Hidden;
            last = h;
        }

        var width = last.Length;
        var logits = workspace.Logits;
        for (var c = 0; c < Classes; c++)
        {
            logits[c] = TensorPrimitives.Dot(parameters.Slice(offset + (c * width), width), last) + parameters[offset + (Classes * width) + c];
        }
    }
}
