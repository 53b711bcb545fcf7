namespace Obscura.Biometrics.Decisions;

/// <summary>What the key holder shows its operator: each key's budget, and the refusals and probing flags it recorded.</summary>
/// <param name="Keys">Every encryption key with a decision state.</param>
/// <param name="Events">The latest refusals and flags, newest first.</param>
public sealed record DecisionReport(IReadOnlyList<DecisionKeyUsage> Keys, IReadOnlyList<DecisionEvent> Events);
