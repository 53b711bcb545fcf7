namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// A store's edge as the processor knows it: the store id, the SubjectPublicKeyInfo (DER) of the edge's signing key,
/// under which every batch of the store must verify, and the name of the one API key (role Edge) that may post the
/// store's batches.
/// </summary>
/// <param name="Store">The store id (1–64 of a-z, 0-9, '-', '_'), as in the edge configuration.</param>
/// <param name="PublicKey">The edge signing key's public half (SubjectPublicKeyInfo, DER).</param>
/// <param name="ApiKeyName">The name of the API key bound to the store (<c>obscura apikey create --name … --role Edge</c>).</param>
public sealed record StoreEdge(string Store, byte[] PublicKey, string ApiKeyName)
{
    /// <inheritdoc/>
    public override string ToString() => $"StoreEdge({Store}, api key {ApiKeyName})";
}
