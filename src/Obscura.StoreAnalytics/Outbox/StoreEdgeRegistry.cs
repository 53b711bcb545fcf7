using System.Text.Json;
using Obscura.Security.Files;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// The stores whose batches a processor accepts: one owner-only file <c>{store}.json</c> per store in a folder (the
/// server's is <c>DATA/store/edges</c>), holding the edge's public key and the name of the API key bound to the store,
/// and optionally the store's edge configuration (<c>{store}.config.json</c>, for the notice). Read on every lookup, so
/// a store registered while the server runs is accepted at once. The store id is checked against the edge's id pattern
/// before it names a file.
/// </summary>
public sealed class StoreEdgeRegistry
{
    private const int MaxFileBytes = 1024 * 1024;

    /// <summary>Uses the registrations in <paramref name="folder"/> (created, owner-only, on the first registration).</summary>
    public StoreEdgeRegistry(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = folder;
    }

    /// <summary>The registry of a server's data folder: <c>DATA/store/edges</c>.</summary>
    public static StoreEdgeRegistry InDataFolder(string dataFolder) => new(Path.Combine(dataFolder, "store", "edges"));

    /// <summary>The folder of registration files.</summary>
    public string Folder { get; }

    /// <summary>Whether <paramref name="store"/> is a valid store id (1–64 of a-z, 0-9, '-', '_').</summary>
    public static bool IsStoreId(string? store) => store is not null && EdgeConfiguration.NamePattern().IsMatch(store);

    /// <summary>Registers (or replaces) a store's edge, and a copy of its edge configuration file when given.</summary>
    /// <exception cref="ArgumentException">An invalid store id, an empty API key name, a public key that is not P-256, or a configuration of another store.</exception>
    /// <exception cref="InvalidDataException">The configuration file is not a valid edge configuration.</exception>
    public void Register(StoreEdge edge, string? configurationFile = null)
    {
        ArgumentNullException.ThrowIfNull(edge);
        if (!IsStoreId(edge.Store))
        {
            throw new ArgumentException("The store id is 1–64 characters of a-z, 0-9, '-' and '_'.", nameof(edge));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(edge.ApiKeyName);
        if (!IsP256PublicKey(edge.PublicKey))
        {
            throw new ArgumentException("The edge's public key is not an ECDSA P-256 SubjectPublicKeyInfo.", nameof(edge));
        }

        if (configurationFile is not null && EdgeConfiguration.Load(configurationFile).Store != edge.Store)
        {
            throw new ArgumentException($"The edge configuration is of another store than '{edge.Store}'.", nameof(configurationFile));
        }

        OwnerOnlyFiles.CreateDirectory(Folder);
        if (configurationFile is not null)
        {
            OwnerOnlyFiles.WriteAtomically(ConfigurationPath(edge.Store), Read(configurationFile));
        }

        OwnerOnlyFiles.WriteAtomically(RegistrationPath(edge.Store), JsonSerializer.Serialize(new Registration(edge.Store, Convert.ToBase64String(edge.PublicKey), edge.ApiKeyName), EdgeConfiguration.Json));
    }

    /// <summary>The registered edge of <paramref name="store"/>, or null when the store is unknown (or its id invalid).</summary>
    /// <exception cref="InvalidDataException">The registration file is not one this class wrote.</exception>
    public StoreEdge? Find(string store)
    {
        if (!IsStoreId(store) || !File.Exists(RegistrationPath(store)))
        {
            return null;
        }

        try
        {
            var r = JsonSerializer.Deserialize<Registration>(Read(RegistrationPath(store)), EdgeConfiguration.Json);
            return r is { Store: not null, PublicKey: not null, ApiKey: not null } && r.Store == store
                ? new StoreEdge(r.Store, Convert.FromBase64String(r.PublicKey), r.ApiKey)
                : throw new InvalidDataException($"The registration of store '{store}' is incomplete.");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new InvalidDataException($"The registration of store '{store}' is not readable.", ex);
        }
    }

    /// <summary>The edge configuration registered with <paramref name="store"/>, or null when none is.</summary>
    /// <exception cref="InvalidDataException">The stored configuration is invalid.</exception>
    public EdgeConfiguration? FindConfiguration(string store) =>
        IsStoreId(store) && File.Exists(ConfigurationPath(store)) ? EdgeConfiguration.Load(ConfigurationPath(store)) : null;

    private string RegistrationPath(string store) => Path.Combine(Folder, store + ".json");

    private string ConfigurationPath(string store) => Path.Combine(Folder, store + ".config.json");

    private static string Read(string path) =>
        new FileInfo(path).Length <= MaxFileBytes ? File.ReadAllText(path) : throw new InvalidDataException("A store registration file is larger than 1 MiB.");

    private static bool IsP256PublicKey(byte[]? publicKey)
    {
        if (publicKey is null)
        {
            return false;
        }

        using var key = System.Security.Cryptography.ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKey, out var read);
            return read == publicKey.Length && key.KeySize == 256;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private sealed record Registration(string? Store, string? PublicKey, string? ApiKey);
}
