namespace Obscura.ModelPrivacy.Serving;

/// <summary>A model in the <see cref="ClassifierRegistry"/> and how it is served.</summary>
/// <param name="Id">The model's id (a lower-case token).</param>
/// <param name="Sha256">The SHA-256 of its model file (hex); a file that no longer has it is not served.</param>
/// <param name="Inputs">Features (pixels) a prediction takes.</param>
/// <param name="Classes">Classes it predicts.</param>
/// <param name="Hidden">Hidden units (0: logistic regression, or an ONNX model).</param>
/// <param name="Epsilon">ε of its DP-SGD training, or null when trained without privacy.</param>
/// <param name="Policy">The policy every key gets unless it has its own.</param>
/// <param name="KeyPolicies">Per-key overrides, by API key name (<c>apikey:NAME</c>).</param>
/// <param name="RegisteredAt">When it was registered.</param>
/// <param name="Onnx">For an ONNX model, what was stated about it (input size, class labels, scores); null for an <c>.obm</c> model.</param>
public sealed record RegisteredClassifier(
    string Id, string Sha256, int Inputs, int Classes, int Hidden, double? Epsilon, ServingPolicy Policy, IReadOnlyDictionary<string, ServingPolicy> KeyPolicies, DateTimeOffset RegisteredAt,
    Onnx.OnnxClassifierSpec? Onnx = null);
