using Microsoft.Extensions.Options;
using Obscura.Governance.Ledger;

namespace Obscura.Server.Hosting;

/// <summary>
/// Commits pending access-log rows to the ledger every <c>Obscura:AccessLog:MaxAgeSeconds</c> and once more at an
/// orderly shutdown, so reads are committed even when no further read comes to trigger it. Other processes on the
/// same data folder may flush too: each flush is one serialised write transaction, so no row is committed twice.
/// </summary>
internal sealed partial class AccessLogFlushService(LedgerService ledger, IOptions<ObscuraOptions> options, TimeProvider time, ILogger<AccessLogFlushService> log) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.AccessLog.MaxAgeSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ledger.FlushAccessLogAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // The data folder closed first (a host torn down without an orderly stop): the rows stay pending and
            // the next process to read or flush commits them.
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
        {
            LogFlushFailed(log, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing the access log to the ledger failed; pending rows are committed at the next flush or read")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
