namespace Obscura.Governance.Storage;

/// <summary>A stored row of a committed table as the store holds it now: its key and the <see cref="Ledger.RowDigest"/> of its columns.</summary>
/// <param name="Key">The row's key in its table.</param>
/// <param name="ContentHash">SHA-256 of the row's canonical encoding.</param>
public sealed record StoredRecord(string Key, byte[] ContentHash);
