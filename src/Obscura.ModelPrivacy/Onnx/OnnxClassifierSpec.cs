namespace Obscura.ModelPrivacy.Onnx;

/// <summary>
/// What the registrant of an ONNX classifier states about it, checked against the graph when it is loaded: its input
/// size, its class labels (one per output column, in order), what the output holds, and which output to read.
/// </summary>
/// <param name="Inputs">Features per query: the graph's input must be float [batch, Inputs] (or [Inputs]).</param>
/// <param name="Labels">The class labels, in the order of the output's columns (at least 2, distinct, 1-64 characters each).</param>
/// <param name="Scores">Whether the output is logits or probabilities.</param>
/// <param name="OutputName">The output to read; null when the graph has exactly one output.</param>
public sealed record OnnxClassifierSpec(int Inputs, IReadOnlyList<string> Labels, OnnxScores Scores = OnnxScores.Logits, string? OutputName = null)
{
    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public OnnxClassifierSpec Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Inputs, 1, nameof(Inputs));
        if (Labels is null || Labels.Count < 2 || Labels.Any(l => string.IsNullOrWhiteSpace(l) || l.Length > 64) || Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
        {
            throw new ArgumentException("Give the class labels: at least two, distinct, each 1-64 characters, in the order of the model's output columns.", nameof(Labels));
        }

        if (!Enum.IsDefined(Scores))
        {
            throw new ArgumentException("The output holds 'logits' or 'probabilities'.", nameof(Scores));
        }

        return this;
    }
}
