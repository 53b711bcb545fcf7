namespace Obscura.ModelPrivacy.Serving;

/// <summary>What a model file says about how its model was made (no training records).</summary>
/// <param name="CreatedAt">When the file was written.</param>
/// <param name="Epsilon">ε of DP-SGD, or null when trained without privacy.</param>
/// <param name="Delta">δ of DP-SGD, or null.</param>
/// <param name="TrainingExamples">How many examples it was trained on.</param>
public sealed record ModelMetadata(DateTimeOffset CreatedAt, double? Epsilon, double? Delta, int TrainingExamples);
