using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.Server.Hosting;

/// <summary>
/// The registered stores' public keys as the <see cref="BatchInbox"/> looks them up, read from the registry on every
/// lookup so that a store registered while the server runs is accepted without a restart.
/// </summary>
internal sealed class RegisteredStoreKeys(StoreEdgeRegistry registry) : IReadOnlyDictionary<string, byte[]>
{
    public byte[] this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException("The store is not registered.");

    public IEnumerable<string> Keys => Stores();

    public IEnumerable<byte[]> Values => Stores().Select(s => this[s]);

    public int Count => Stores().Count();

    public bool ContainsKey(string key) => registry.Find(key) is not null;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out byte[] value)
    {
        value = registry.Find(key)?.PublicKey;
        return value is not null;
    }

    public IEnumerator<KeyValuePair<string, byte[]>> GetEnumerator() => Stores().Select(s => new KeyValuePair<string, byte[]>(s, this[s])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<string> Stores() =>
        Directory.Exists(registry.Folder)
            ? Directory.EnumerateFiles(registry.Folder, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>().Where(StoreEdgeRegistry.IsStoreId).Order(StringComparer.Ordinal)
            : [];
}
