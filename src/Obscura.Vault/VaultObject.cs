using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault;

/// <summary>Metadata of a blob in the vault (the blob itself is encrypted in its file).</summary>
/// <param name="Id">The vault's id for the object.</param>
/// <param name="Subject">The data subject the blob is about.</param>
/// <param name="Purpose">The purpose it was collected for.</param>
/// <param name="CollectedAt">When it was collected.</param>
/// <param name="ExpiresAt">When retention ends: collection time plus the purpose's retention period.</param>
/// <param name="Source">Where it came from (a token such as <c>branch-camera-12</c>).</param>
/// <param name="ContentType">Media type of the blob.</param>
/// <param name="Category">The data category (a governance slug such as <c>face-image</c>), as recorded in the ledger.</param>
/// <param name="Labels">
/// Coarse categorical labels for stratification (for example <c>site=oslo</c>, <c>age-band=30-39</c>). They are
/// authenticated but not encrypted, so they must not identify anyone on their own.
/// </param>
/// <param name="Size">Blob size in bytes.</param>
public sealed record VaultObject(
    string Id,
    SubjectId Subject,
    PurposeId Purpose,
    DateTimeOffset CollectedAt,
    DateTimeOffset ExpiresAt,
    string Source,
    string ContentType,
    DataCategory Category,
    IReadOnlyDictionary<string, string> Labels,
    long Size);
