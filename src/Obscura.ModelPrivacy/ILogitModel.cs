namespace Obscura.ModelPrivacy;

/// <summary>
/// A trained classifier seen only through its answers: class logits (unnormalised log-probabilities) for a flat
/// float input. What the membership-inference audit and the model API need of a model, whichever framework made it.
/// Implementations are safe to call from several threads at once.
/// </summary>
public interface ILogitModel
{
    /// <summary>Input size: the number of features one query has.</summary>
    int Inputs { get; }

    /// <summary>Number of classes.</summary>
    int Classes { get; }

    /// <summary>Writes the logits of <paramref name="input"/> into <paramref name="logits"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not <see cref="Inputs"/> long or <paramref name="logits"/> not <see cref="Classes"/>.</exception>
    void Logits(ReadOnlySpan<float> input, Span<float> logits);
}
