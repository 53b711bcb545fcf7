using System.Security.Cryptography;
using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.Security.Files;
using Obscura.Storage.Postgres;
using Obscura.Storage.Sqlite;

namespace Obscura.Storage;

/// <summary>
/// A deployment's folder: the ledger's signing key (<c>keys/ledger-signing.pem</c>, owner-only permissions) with its
/// public half (<c>keys/ledger-signing.pub.pem</c>) for auditors, and the governance database: by default the embedded
/// SQLite file <c>obscura.db</c> in the folder, or a PostgreSQL database named by a <c>postgres://</c> URI. Created on
/// first open.
/// </summary>
public sealed class DataFolder : IDisposable
{
    private DataFolder(string path, GovernanceDatabase store, LedgerSigningKey signingKey)
    {
        Path = path;
        Store = store;
        SigningKey = signingKey;
    }

    /// <summary>Full path of the folder.</summary>
    public string Path { get; }

    /// <summary>The database.</summary>
    public GovernanceDatabase Store { get; }

    /// <summary>The ledger's signing key.</summary>
    public LedgerSigningKey SigningKey { get; }

    /// <summary>Where the public key is published.</summary>
    public string PublicKeyPath => PublicKeyFile(Path);

    /// <summary>Opens the folder at <paramref name="path"/>, creating the folder, database and signing key if absent.</summary>
    /// <param name="path">The folder.</param>
    /// <param name="database">
    /// <see langword="null"/> or empty for the embedded SQLite file in the folder; a <c>postgres://</c> URI for a
    /// PostgreSQL database (see <see cref="PostgresUri"/>).
    /// </param>
    /// <exception cref="InvalidDataException">The key file exists but is not a P-256 private key, or is missing while the database holds a ledger.</exception>
    /// <exception cref="ArgumentException"><paramref name="database"/> is neither empty nor a PostgreSQL URI.</exception>
    public static DataFolder Open(string path, string? database = null) => Open(path, database, forMigration: false);

    /// <summary>
    /// Opens the folder at <paramref name="path"/> as the source of <c>obscura migrate</c>: its embedded SQLite file,
    /// which must exist, opened even if a move already marked it (so that an interrupted move can be finished; every
    /// transaction of the returned store still refuses a moved file, only <see cref="DatabaseCopy"/> reads it).
    /// </summary>
    /// <exception cref="InvalidDataException">The folder has no SQLite database, or its signing key is missing or not a P-256 private key.</exception>
    public static DataFolder OpenForMigration(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = System.IO.Path.Combine(System.IO.Path.GetFullPath(path), "obscura.db");
        if (!File.Exists(file))
        {
            throw new InvalidDataException($"There is no SQLite database to move: {file} does not exist.");
        }

        return Open(path, null, forMigration: true);
    }

    private static DataFolder Open(string path, string? database, bool forMigration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!string.IsNullOrWhiteSpace(database) && !PostgresUri.IsPostgres(database))
        {
            throw new ArgumentException("The database must be a postgres:// URI, or empty for the embedded SQLite file in the data folder.", nameof(database));
        }

        var full = OwnerOnlyFiles.CreateDirectory(path);
        var keys = OwnerOnlyFiles.CreateDirectory(System.IO.Path.Combine(full, "keys"));

        var keyFile = System.IO.Path.Combine(keys, "ledger-signing.pem");
        var keyExisted = File.Exists(keyFile);
        var postgres = !string.IsNullOrWhiteSpace(database);
        if (!keyExisted && !postgres && File.Exists(System.IO.Path.Combine(full, "obscura.db")))
        {
            throw new InvalidDataException($"The database exists but its ledger signing key '{keyFile}' is missing. Restore the key from backup; a new key would not match the signed tree heads.");
        }

        var sqliteFile = System.IO.Path.Combine(full, "obscura.db");
        GovernanceDatabase store = postgres ? PostgresGovernanceStore.Open(database!) : SqliteGovernanceStore.Open(sqliteFile, allowMoved: forMigration);
        try
        {
            // A target that the folder's file was marked moved to, but that does not hold its rows yet (a migrate killed
            // during its copy), must not be written to before migrate finishes.
            if (postgres && File.Exists(sqliteFile) && DatabaseCopy.UnfinishedMoveIntoAsync(sqliteFile, store, CancellationToken.None).GetAwaiter().GetResult())
            {
                throw new DatabaseMoveUnfinishedException(sqliteFile, store.Location);
            }

            // Checked before a key is created: a new key written now would be taken for the real one next time.
            if (!keyExisted && LedgerSize(store) > 0)
            {
                throw new InvalidDataException($"The database {store.Location} holds a ledger but its signing key '{keyFile}' is missing. Restore the key from backup; a new key would not match the signed tree heads.");
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

                return new DataFolder(full, store, key);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether this folder can serve and would open again, for a readiness probe: <c>database</c> (a read of the latest
    /// signed head, which must be signed by the key in use) and <c>signingKey</c> (the key file is still there and is the
    /// key in use, so a restart finds it). Each value is <c>ok</c> or a short reason without paths or key material.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> CheckReadinessAsync(CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var head = await Store.ReadAsync((s, ct) => s.GetLatestTreeHeadAsync(ct), cancellationToken).ConfigureAwait(false);
            checks["database"] = head is null || head.KeyId == SigningKey.KeyId ? "ok" : "the latest signed head is signed by another key";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checks["database"] = "unavailable: " + e.GetType().Name;
        }

        var keyFile = System.IO.Path.Combine(Path, "keys", "ledger-signing.pem");
        try
        {
            using var onDisk = LedgerSigningKey.ImportPem(File.ReadAllText(keyFile));
            checks["signingKey"] = onDisk.KeyId == SigningKey.KeyId ? "ok" : "the key file is not the key in use";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            checks["signingKey"] = "the key file cannot be read";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidDataException)
        {
            checks["signingKey"] = "the key file is not a signing key";
        }

        return checks;
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

    private static long LedgerSize(GovernanceDatabase store) =>
        store.ReadAsync((s, ct) => s.GetLedgerSizeAsync(ct), CancellationToken.None).GetAwaiter().GetResult();

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
