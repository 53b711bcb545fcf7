namespace Obscura.Vault;

/// <summary>Deletions for one reason (retention, withdrawal, erasure, recovery; ':key-destroyed' rows count destroyed subject keys).</summary>
/// <param name="Reason">Why.</param>
/// <param name="Count">How many deletions.</param>
/// <param name="Bytes">How many bytes of blobs.</param>
/// <param name="Last">When the last one happened.</param>
public sealed record DeletionSummary(string Reason, int Count, long Bytes, DateTimeOffset Last);
