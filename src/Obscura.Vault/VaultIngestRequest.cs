using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault;

/// <summary>A blob to store.</summary>
/// <param name="Subject">Its data subject (registered in governance).</param>
/// <param name="Purpose">
/// The purpose it is collected for: it must declare <paramref name="Category"/>, have a lawful basis that holds for the
/// subject (live consent for consent), and, for a special category, an Art. 9(2) condition that holds (explicit consent
/// for Art. 9(2)(a)).
/// </param>
/// <param name="Payload">The blob, 1 byte to 64 MiB.</param>
/// <param name="CollectedAt">When it was collected; not in the future, and not already past retention.</param>
/// <param name="Source">Where it came from: 1-121 letters, digits and ._:- (the ledger records it as <c>source:SOURCE</c>, at most 128 characters).</param>
/// <param name="ContentType">Media type, for example <c>image/jpeg</c>.</param>
/// <param name="Category">Data category, for example <c>face-image</c>.</param>
/// <param name="Labels">Coarse, non-identifying labels for stratification: keys and values are short tokens.</param>
public sealed record VaultIngestRequest(
    SubjectId Subject,
    PurposeId Purpose,
    byte[] Payload,
    DateTimeOffset CollectedAt,
    string Source,
    string ContentType,
    DataCategory Category,
    IReadOnlyDictionary<string, string>? Labels = null);
