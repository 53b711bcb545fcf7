using Microsoft.Extensions.Options;

namespace Obscura.Server.Hosting;

/// <summary>
/// A retention job run by the server at start and then every <c>Obscura:RetentionIntervalMinutes</c> (0 disables it).
/// A failed run is logged and retried at the next interval; it never stops the host.
/// </summary>
internal abstract class PeriodicRetentionService(IOptions<ObscuraOptions> options, ILogger log) : BackgroundService
{
    /// <summary>One run of the job.</summary>
    protected abstract Task RunOnceAsync(CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var minutes = options.Value.RetentionIntervalMinutes;
        if (minutes <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(minutes));
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "{Job} failed; it is retried at the next interval", GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
