using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>A model read from a checked <see cref="ModelFile"/>.</summary>
/// <param name="Model">The architecture.</param>
/// <param name="Parameters">Its parameters (finite, exactly <see cref="Classifier.ParameterCount"/>).</param>
/// <param name="Metadata">What the file says about its training.</param>
/// <param name="Sha256">The SHA-256 of the whole file, lower-case hex.</param>
public sealed record SavedModel(Classifier Model, float[] Parameters, ModelMetadata Metadata, string Sha256);
