namespace Obscura.Vault;

/// <summary>
/// What the vault knows about a stored blob without decrypting it: the authenticated metadata, bound into the
/// encryption of the blob, so a changed field makes the blob unreadable.
/// </summary>
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
    string Subject,
    string Purpose,
    DateTimeOffset CollectedAt,
    DateTimeOffset ExpiresAt,
    string Source,
    string ContentType,
    string Category,
    IReadOnlyDictionary<string, string> Labels,
    long Size);

/// <summary>A decrypted blob with its metadata.</summary>
public sealed record VaultContent(VaultObject Metadata, byte[] Payload);

/// <summary>A blob to store.</summary>
/// <param name="Subject">Its data subject (registered in governance).</param>
/// <param name="Purpose">The purpose it is collected for; it needs a lawful basis and, for consent, live consent.</param>
/// <param name="Payload">The blob, 1 byte to 64 MiB.</param>
/// <param name="CollectedAt">When it was collected; not in the future, and not already past retention.</param>
/// <param name="Source">Where it came from: a token of letters, digits and ._:-.</param>
/// <param name="ContentType">Media type, for example <c>image/jpeg</c>.</param>
/// <param name="Category">Data category slug, for example <c>face-image</c>.</param>
/// <param name="Labels">Coarse, non-identifying labels for stratification: keys and values are short tokens.</param>
public sealed record VaultIngestRequest(
    string Subject,
    string Purpose,
    byte[] Payload,
    DateTimeOffset CollectedAt,
    string Source,
    string ContentType,
    string Category,
    IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>The result of a consistency check of the vault.</summary>
/// <param name="Objects">Stored objects checked.</param>
/// <param name="Readable">Those that decrypted and matched their catalogue entry.</param>
/// <param name="Problems">One line per problem: unreadable object, missing key or file, leftover temporary file, pending entry.</param>
public sealed record VaultCheckReport(int Objects, int Readable, IReadOnlyList<string> Problems)
{
    /// <summary>Whether nothing is wrong.</summary>
    public bool Consistent => Problems.Count == 0 && Readable == Objects;
}
