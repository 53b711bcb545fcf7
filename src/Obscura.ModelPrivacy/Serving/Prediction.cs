namespace Obscura.ModelPrivacy.Serving;

/// <summary>What a prediction releases under an <see cref="OutputPolicy"/>.</summary>
/// <param name="Label">The model's predicted class.</param>
/// <param name="Scores">The scores released, highest released score first (ties by class; the classes are the most probable ones); null under <c>label-only</c>.</param>
/// <param name="Policy">The output policy applied (its canonical text).</param>
/// <param name="LabelName">The predicted class's label, for a model registered with labels (ONNX); null otherwise.</param>
public sealed record Prediction(int Label, IReadOnlyList<ClassScore>? Scores, string Policy, string? LabelName = null);
