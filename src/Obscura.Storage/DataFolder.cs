using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.Security.Files;
using Obscura.Storage.Sqlite;

namespace Obscura.Storage;

/// <summary>
/// The embedded default deployment: one folder holding the SQLite database (<c>obscura.db</c>) and the ledger's
/// signing key (<c>keys/ledger-signing.pem</c>, owner-only permissions) with its public half
/// (<c>keys/ledger-signing.pub.pem</c>) for auditors. Created on first open.
/// </summary>
public sealed class DataFolder : IDisposable
{
    private DataFolder(string path, SqliteGovernanceStore store, LedgerSigningKey signingKey)
    {
        Path = path;
        Store = store;
        SigningKey = signingKey;
    }

    /// <summary>Full path of the folder.</summary>
    public string Path { get; }

    /// <summary>The database.</summary>
    public SqliteGovernanceStore Store { get; }

    /// <summary>The ledger's signing key.</summary>
    public LedgerSigningKey SigningKey { get; }

    /// <summary>Where the public key is published.</summary>
    public string PublicKeyPath => PublicKeyFile(Path);

    /// <summary>Opens the folder at <paramref name="path"/>, creating the folder, database and signing key if absent.</summary>
    /// <exception cref="InvalidDataException">The key file exists but is not a P-256 private key.</exception>
    public static DataFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = OwnerOnlyFiles.CreateDirectory(path);
        var keys = OwnerOnlyFiles.CreateDirectory(System.IO.Path.Combine(full, "keys"));

        var keyFile = System.IO.Path.Combine(keys, "ledger-signing.pem");
        if (!File.Exists(keyFile) && File.Exists(System.IO.Path.Combine(full, "obscura.db")))
        {
            throw new InvalidDataException($"The database exists but its ledger signing key '{keyFile}' is missing. Restore the key from backup; a new key would not match the signed tree heads.");
        }

        var key = LoadOrCreateKey(keyFile);
        try
        {
            var pub = PublicKeyFile(full);
            var pem = key.VerificationKey.ExportPem();
            if (!File.Exists(pub) || File.ReadAllText(pub) != pem)
            {
                OwnerOnlyFiles.WriteAtomically(pub, pem);
            }

            return new DataFolder(full, SqliteGovernanceStore.Open(System.IO.Path.Combine(full, "obscura.db")), key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Name of the file the first controller key is written to.</summary>
    public const string BootstrapKeyFileName = "bootstrap-admin.key";

    /// <summary>
    /// When no API key exists yet, creates a controller key named <c>bootstrap-admin</c> and writes it to
    /// <see cref="BootstrapKeyFileName"/> in this folder with owner-only permissions. Returns that file's path, or
    /// <see langword="null"/> when keys already existed.
    /// </summary>
    public async Task<string?> EnsureBootstrapKeyAsync(ApiKeys keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if ((await keys.ListAsync(cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return null;
        }

        var created = await keys.CreateAsync("bootstrap-admin", Role.Controller, null, cancellationToken).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException(created.Error.Message);
        }

        var path = System.IO.Path.Combine(Path, BootstrapKeyFileName);
        OwnerOnlyFiles.WriteAtomically(path, created.Value.Key + "\n");
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Store.Dispose();
        SigningKey.Dispose();
    }

    private static string PublicKeyFile(string folder) => System.IO.Path.Combine(folder, "keys", "ledger-signing.pub.pem");

    private static LedgerSigningKey LoadOrCreateKey(string file)
    {
        if (File.Exists(file))
        {
            try
            {
                return LedgerSigningKey.ImportPem(File.ReadAllText(file));
            }
            catch (ArgumentException)
            {
                throw new InvalidDataException($"The ledger signing key at '{file}' is not a PEM ECDSA P-256 private key. Restore it from backup; a new key would not match the signed tree heads.");
            }
        }

        var key = LedgerSigningKey.Generate();
        OwnerOnlyFiles.WriteAtomically(file, key.ExportPrivateKeyPem());
        return key;
    }
}
