namespace Obscura.ModelPrivacy.Minimisation;

/// <summary>
/// The outcome of <see cref="ForwardFeatureSelection"/>: the accuracy with no feature, with every feature, the greedy
/// steps taken, and the smallest feature set found that reaches the required accuracy (null when none does).
/// </summary>
public sealed record FeatureSelectionResult(
    string Dataset,
    string Target,
    int Rows,
    int Folds,
    double RequiredAccuracy,
    double MajorityAccuracy,
    int AllFeatureCount,
    double AllFeaturesAccuracy,
    IReadOnlyList<FeatureSelectionStep> Steps,
    IReadOnlyList<string>? Chosen)
{
    /// <summary>Whether some feature set reached <see cref="RequiredAccuracy"/>.</summary>
    public bool MeetsRequirement => Chosen is not null;

    /// <summary>The accuracy of the chosen set, or of the best greedy step when none reached the requirement.</summary>
    public double ChosenAccuracy => Chosen is null ? Steps.Select(s => s.Accuracy).DefaultIfEmpty(MajorityAccuracy).Max() : Steps[Chosen.Count - 1].Accuracy;

    /// <summary>The features not needed for the purpose: the columns a minimisation policy leaves out.</summary>
    public IReadOnlyList<string> Dropped { get; init; } = [];
}
