namespace Obscura.ModelPrivacy.Onnx;

/// <summary>What an ONNX classifier's output holds per class.</summary>
public enum OnnxScores
{
    /// <summary>Unnormalised logits (softmax gives the probabilities).</summary>
    Logits,

    /// <summary>Probabilities that sum to 1 (their logarithm is used as the logits).</summary>
    Probabilities,
}
