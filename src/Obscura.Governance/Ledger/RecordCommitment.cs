using Obscura.Governance.Internal;

namespace Obscura.Governance.Ledger;

/// <summary>
/// Binds a ledger entry to one stored record: which table, which row, and the SHA-256 of the row's full content
/// (<see cref="RowDigest"/>). A change to any column of the row, an inserted row and a deleted row are then all
/// visible to <see cref="AuditLedger.VerifyAsync(Storage.ILedgerSession, LedgerVerificationKey, IProgress{long}, CancellationToken)"/>, which compares the tables with the ledger both ways.
/// </summary>
public sealed record RecordCommitment
{
    /// <summary>Creates a commitment, validating every field.</summary>
    /// <param name="table">The table (a <see cref="RecordTables"/> name).</param>
    /// <param name="key">The row's key within the table, a token.</param>
    /// <param name="contentHash">SHA-256 of the row's canonical encoding, 32 bytes; copied.</param>
    /// <exception cref="ArgumentException">A field is not valid.</exception>
    public RecordCommitment(string table, string key, byte[] contentHash)
    {
        if (!Token.IsIdentifier(table, 64))
        {
            ThrowHelper.Argument(nameof(table), "A table name is a token of letters, digits and ._:/@-.");
        }

        if (!Token.IsIdentifier(key, AuditEvent.MaxTokenLength))
        {
            ThrowHelper.Argument(nameof(key), $"A record key is a token of 1-{AuditEvent.MaxTokenLength} letters, digits and ._:/@-.");
        }

        if (contentHash is not { Length: MerkleHash.Size })
        {
            ThrowHelper.Argument(nameof(contentHash), "A content hash is 32 bytes.");
        }

        Table = table;
        Key = key;
        ContentHash = (byte[])contentHash.Clone();
    }

    /// <summary>The table the row lives in.</summary>
    public string Table { get; }

    /// <summary>The row's key in that table.</summary>
    public string Key { get; }

    /// <summary>SHA-256 of the row's canonical encoding when the entry was written.</summary>
    public byte[] ContentHash { get; }

    /// <summary>Whether <paramref name="other"/> names the same row with the same content.</summary>
    public bool Equals(RecordCommitment? other) =>
        other is not null && Table == other.Table && Key == other.Key && ContentHash.AsSpan().SequenceEqual(other.ContentHash);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Table, Key);
}
