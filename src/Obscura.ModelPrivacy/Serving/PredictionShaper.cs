using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>Computes a model's class probabilities and cuts them down to what an <see cref="OutputPolicy"/> releases.</summary>
public static class PredictionShaper
{
    /// <summary>The class probabilities (softmax in double precision, so small probabilities are not flushed to zero).</summary>
    public static double[] Probabilities(Classifier model, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Classifier.Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(model);
        var logits = new float[model.Classes];
        model.Logits(parameters, input, workspace, logits);
        return SoftMax(logits);
    }

    /// <summary>Softmax of <paramref name="logits"/> in double precision.</summary>
    public static double[] SoftMax(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var z in logits)
        {
            max = Math.Max(max, z);
        }

        var p = new double[logits.Length];
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = Math.Exp(logits[i] - max);
            sum += p[i];
        }

        for (var i = 0; i < p.Length; i++)
        {
            p[i] /= sum;
        }

        return p;
    }

    /// <summary>
    /// What <paramref name="policy"/> releases of <paramref name="probabilities"/> for <paramref name="input"/>: the
    /// label is the top class of the true probabilities; noise (keyed by <paramref name="noiseKey"/> and the exact
    /// input) is added before the top-k classes are chosen by their true probability and before rounding; the scores
    /// are listed by their released value (ties by class index), never in the true order.
    /// </summary>
    public static Prediction Shape(OutputPolicy policy, ReadOnlySpan<double> probabilities, ReadOnlySpan<float> input, ReadOnlySpan<byte> noiseKey)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var order = new int[probabilities.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var copy = probabilities.ToArray();
        Array.Sort(order, (a, b) => copy[b].CompareTo(copy[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var label = order[0];
        if (policy.LabelsOnly)
        {
            return new Prediction(label, null, policy.ToString());
        }

        if (policy.NoiseScale is { } scale)
        {
            var random = new Random(NoiseSeed(noiseKey, input));
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] = Math.Clamp(copy[i] + (scale * Gaussian(random)), 0, 1);
            }
        }

        var count = Math.Min(policy.TopK ?? copy.Length, copy.Length);
        var scores = new ClassScore[count];
        for (var r = 0; r < count; r++)
        {
            var value = copy[order[r]];
            scores[r] = new ClassScore(order[r], policy.Decimals is { } d ? Math.Round(value, d, MidpointRounding.ToEven) : value);
        }

        // Released in the order of the released scores (ties by class): the true order is what rounding and noise hide.
        Array.Sort(scores, (a, b) => b.Score.CompareTo(a.Score) is var c && c != 0 ? c : a.Class.CompareTo(b.Class));

        return new Prediction(label, scores, policy.ToString());
    }

    /// <summary>
    /// A seed from HMAC-SHA256(key, input): the same question gets the same noise, another question independent noise.
    /// −0 is keyed as +0: the model cannot tell them apart, so they are the same question.
    /// </summary>
    private static int NoiseSeed(ReadOnlySpan<byte> key, ReadOnlySpan<float> input)
    {
        var bytes = new byte[input.Length * 4];
        for (var i = 0; i < input.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), input[i] == 0 ? 0f : input[i]);
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, bytes, mac);
        return BinaryPrimitives.ReadInt32LittleEndian(mac);
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
