namespace Obscura.ModelPrivacy.Minimisation;

/// <summary>One step of forward selection: the feature added and the cross-validated accuracy with it.</summary>
public sealed record FeatureSelectionStep(string Added, double Accuracy);
