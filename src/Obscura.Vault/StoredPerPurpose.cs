using Obscura.Governance.Purposes;

namespace Obscura.Vault;

/// <summary>Objects held for one purpose.</summary>
/// <param name="Purpose">The purpose the objects were collected for.</param>
/// <param name="Objects">How many.</param>
/// <param name="Subjects">Of how many subjects.</param>
/// <param name="Bytes">Their total size.</param>
/// <param name="OldestCollected">The earliest collection time.</param>
/// <param name="NextExpiry">When the next one expires.</param>
public sealed record StoredPerPurpose(PurposeId Purpose, int Objects, int Subjects, long Bytes, DateTimeOffset? OldestCollected, DateTimeOffset? NextExpiry);
