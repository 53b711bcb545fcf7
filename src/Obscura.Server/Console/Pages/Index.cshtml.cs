using Obscura.Governance.Ledger;

namespace Obscura.Server.Console.Pages;

/// <summary>The console's home: who is signed in, what their role may do, and the ledger's latest signed head.</summary>
internal sealed class IndexModel(LedgerService ledger) : ConsolePageModel
{
    public SignedTreeHead? Head { get; private set; }

    public bool HeadSignatureValid { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Head = await ledger.GetLatestHeadAsync(cancellationToken);
        HeadSignatureValid = Head is not null && ledger.VerificationKey.Verify(Head);
    }
}
