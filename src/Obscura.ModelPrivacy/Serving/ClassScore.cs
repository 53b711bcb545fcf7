namespace Obscura.ModelPrivacy.Serving;

/// <summary>One class's released score.</summary>
/// <param name="Class">The class index.</param>
/// <param name="Score">Its probability as released (rounded or noisy as the policy says).</param>
public sealed record ClassScore(int Class, double Score);
