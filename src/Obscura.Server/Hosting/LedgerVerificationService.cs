using Microsoft.Extensions.Options;
using Obscura.Governance.Ledger;

namespace Obscura.Server.Hosting;

/// <summary>
/// Verifies the whole audit ledger at start and every <c>Obscura:LedgerVerifyIntervalMinutes</c> (0 disables it),
/// against the witnessed head when there is one. A ledger found altered is marked so
/// (<see cref="AuditLedger.MarkAltered"/>): every decision, key check, charge and document read is refused from then on
/// in this process, and a critical line is logged. This catches what the per-read proofs cannot: an entry deleted with
/// its row, or a row rolled back to an earlier committed state (a revoked key un-revoked with its revocation entry gone).
/// </summary>
internal sealed partial class LedgerVerificationService(LedgerService ledgerService, AuditLedger ledger, IOptions<ObscuraOptions> options, ILogger<LedgerVerificationService> log) : BackgroundService
{
    /// <summary>Runs one full verification; marks the ledger altered when it is not intact.</summary>
    /// <returns>Whether the ledger was intact.</returns>
    public async Task<bool> VerifyOnceAsync(CancellationToken cancellationToken)
    {
        var report = await ledgerService.VerifyAsync(null, ledger.WitnessedHead, null, cancellationToken);
        if (report.Intact)
        {
            return true;
        }

        var first = report.Problems.Count > 0 ? $"{report.Problems[0].Kind}: {report.Problems[0].Message}" : "not intact";
        ledger.MarkAltered(first);
        LogAltered(log, report.Problems.Count, first);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var minutes = options.Value.LedgerVerifyIntervalMinutes;
        if (minutes <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(minutes));
        do
        {
            try
            {
                await VerifyOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(log, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The audit ledger was altered outside Obscura ({Count} problems; first: {First}). Every decision is refused until it is repaired and the server restarted; run 'obscura ledger verify'.")]
    private static partial void LogAltered(ILogger logger, int count, string first);

    [LoggerMessage(Level = LogLevel.Error, Message = "Verifying the audit ledger failed; retried at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
