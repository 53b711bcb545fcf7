namespace Obscura.Vault.Internal;

/// <summary>An object row of the catalogue: its metadata, the data key it is sealed under, the writer that stored it, and whether it is stored or still pending.</summary>
internal sealed record CatalogObject(VaultObject Metadata, string KeyId, string Writer, bool Stored);
