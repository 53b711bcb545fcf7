using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;

namespace Obscura.Biometrics.Roles;

/// <summary>What the key holder's folder says about its keys, for an operator or a DPO: no secret, no score, no decision.</summary>
/// <param name="Provider">The provider's current key ids and, while a rotation is under way, the ones templates are switched from; null when no key holder exists yet.</param>
/// <param name="Decisions">Decisions made per encryption key, and the latest refusals and probing flags.</param>
public sealed record KeyHolderOverview(ProviderKeyIds? Provider, DecisionReport Decisions);
