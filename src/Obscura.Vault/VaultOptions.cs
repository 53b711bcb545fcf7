using System.Data.Common;

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

    /// <summary>
    /// The PostgreSQL database (an Npgsql data source) that holds the vault's catalogue in tables of its own
    /// (<c>vault_*</c>), for a deployment whose governance database is PostgreSQL; <see langword="null"/> (the default)
    /// keeps it in the vault folder's SQLite file <c>vault.db</c>. The blobs and the key store stay in the vault folder
    /// either way, so every process that uses the database must open the same vault folder (shared storage); a folder
    /// that does not belong to the database's catalogue is refused. The data source is not disposed by the vault.
    /// </summary>
    public DbDataSource? PostgresCatalog { get; init; }

    /// <summary>How <see cref="PostgresCatalog"/> is named in messages (a URI without its password); optional.</summary>
    public string? PostgresCatalogLocation { get; init; }
}
