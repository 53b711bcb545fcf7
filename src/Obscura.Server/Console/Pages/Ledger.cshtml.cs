using Obscura.Governance.Ledger;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// The ledger's latest signed head, checked against this server's key, and an inclusion proof for any entry, verified
/// here on the server against that head's root (for auditors, also the entry itself, rehashed to its leaf).
/// </summary>
internal sealed class LedgerModel(LedgerService ledger) : ConsolePageModel
{
    public const int PageSize = 25;

    public SignedTreeHead? Head { get; private set; }

    public bool HeadSignatureValid { get; private set; }

    public long? Leaf { get; private set; }

    public InclusionProof? Proof { get; private set; }

    public bool ProofVerified { get; private set; }

    public AuditEntry? Entry { get; private set; }

    public bool EntryMatches { get; private set; }

    public long From { get; private set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public async Task OnGetAsync(long? leaf, long? from, CancellationToken cancellationToken)
    {
        Head = await ledger.GetLatestHeadAsync(cancellationToken);
        if (Head is null)
        {
            return;
        }

        HeadSignatureValid = ledger.VerificationKey.Verify(Head);
        From = Math.Clamp(from ?? 0, 0, Math.Max(0, Head.TreeSize - 1));
        if (IsAuditor)
        {
            var page = await ledger.GetEntriesAsync(From, PageSize, cancellationToken);
            Entries = page.Succeeded ? page.Value! : [];
        }

        if (leaf is not { } index)
        {
            return;
        }

        Leaf = index;
        var proof = await ledger.GetInclusionProofAsync(index, Head.TreeSize, cancellationToken);
        if (!proof.Succeeded)
        {
            Fail(proof.Error!);
            return;
        }

        Proof = proof.Value!;
        ProofVerified = HeadSignatureValid && Proof.TreeSize == Head.TreeSize && Proof.Verify(Head.RootHash);
        if (IsAuditor && await ledger.GetEntriesAsync(index, 1, cancellationToken) is { Succeeded: true, Value: [var entry] })
        {
            Entry = entry;
            EntryMatches = entry.LeafHash().AsSpan().SequenceEqual(Proof.LeafHash);
            ProofVerified &= EntryMatches;
        }
    }
}
