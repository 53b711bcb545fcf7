namespace Obscura.ModelPrivacy.Serving;

/// <summary>One suspicion the monitor raised.</summary>
/// <param name="Kind">What is suspected.</param>
/// <param name="Statistic">The evidence: Shapiro–Wilk W, the near-duplicate count, or the share near the boundary.</param>
/// <param name="Queries">How many of the key's queries the statistic was computed over.</param>
public sealed record QueryFinding(AlertKind Kind, double Statistic, int Queries);
