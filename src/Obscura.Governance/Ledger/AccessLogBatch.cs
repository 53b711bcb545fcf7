using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Obscura.Governance.Storage;

namespace Obscura.Governance.Ledger;

/// <summary>
/// A batch of access-log rows as the ledger commits it: the contiguous sequence range <c>[first, last]</c> (the
/// commitment's key, <c>first-last</c>) and SHA-256 over a label, the range and each row's sequence number and
/// <see cref="RowDigest"/> in order. A row changed, inserted or removed inside a committed range changes the hash.
/// </summary>
internal static class AccessLogBatch
{
    private const int PageSize = 10_000;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("obscura-access-batch-v1\0");

    public static string Key(long first, long last) => string.Create(CultureInfo.InvariantCulture, $"{first}-{last}");

    public static bool TryParseKey(string key, out long first, out long last)
    {
        first = last = 0;
        var dash = key.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(key.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(key.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out last)
            && first >= 1 && last >= first;
    }

    /// <summary>The last sequence number the ledger has committed, 0 when none.</summary>
    public static async Task<long> CommittedUpToAsync(ILedgerSession session, CancellationToken cancellationToken)
    {
        var latest = await session.GetLatestCommitmentAsync(RecordTables.AccessLog, cancellationToken).ConfigureAwait(false);
        if (latest?.Event.Commitment is not { } c)
        {
            return 0;
        }

        return TryParseKey(c.Key, out _, out var last)
            ? last
            : throw new InvalidDataException("The latest access-log commitment has a malformed range; run 'obscura ledger verify'.");
    }

    public static async Task<byte[]> HashAsync(ILedgerSession session, long first, long last, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var number = new byte[8];
        hash.AppendData(Label);
        BinaryPrimitives.WriteInt64BigEndian(number, first);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, last);
        hash.AppendData(number);
        var next = first;
        while (next <= last)
        {
            var page = await session.GetAccessLogHashesAsync(next, last, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var (sequence, rowHash) in page)
            {
                BinaryPrimitives.WriteInt64BigEndian(number, sequence);
                hash.AppendData(number);
                hash.AppendData(rowHash);
            }

            if (page.Count < PageSize)
            {
                break;
            }

            next = page[^1].Key + 1;
        }

        return hash.GetHashAndReset();
    }
}
