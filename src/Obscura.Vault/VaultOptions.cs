namespace Obscura.Vault;

/// <summary>Where the vault keeps what must not travel with its data.</summary>
public sealed record VaultOptions
{
    /// <summary>
    /// The folder of the key store's key-encryption keys (one file per epoch). By default <c>keystore/kek</c> inside the
    /// vault folder. Crypto-shredding holds against a restored data backup only when that backup does not contain this
    /// folder: keep it out of data backups (or put it elsewhere with this setting), and let its own backups expire.
    /// Every process that opens the vault must name the same folder.
    /// </summary>
    public string? KeyEncryptionKeyFolder { get; init; }
}
