using Obscura.Security.Files;
using Obscura.Storage;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.Server.Hosting;

/// <summary>
/// The processor's side of in-store analytics in the server's data folder, next to the other stores:
/// <c>DATA/store/inbox.db</c> (the <see cref="BatchInbox"/> that <c>POST /v1/store/batches</c> fills and the report
/// reads) and <c>DATA/store/edges/</c> (the registered stores: each edge's public key, the API key bound to it and its
/// configuration; <c>obscura store edge register</c> writes them). Both are created owner-only on first use.
/// </summary>
internal sealed class StoreInbox : IDisposable
{
    public StoreInbox(DataFolder folder)
    {
        var root = OwnerOnlyFiles.CreateDirectory(System.IO.Path.Combine(folder.Path, "store"));
        Registry = StoreEdgeRegistry.InDataFolder(folder.Path);
        Path = System.IO.Path.Combine(root, "inbox.db");
        Batches = new BatchInbox(Path, new RegisteredStoreKeys(Registry));
    }

    /// <summary>The inbox database file.</summary>
    public string Path { get; }

    /// <summary>The registered stores.</summary>
    public StoreEdgeRegistry Registry { get; }

    /// <summary>The inbox: verifies each batch under its store's registered key and stores it once.</summary>
    public BatchInbox Batches { get; }

    public void Dispose() => Batches.Dispose();
}
