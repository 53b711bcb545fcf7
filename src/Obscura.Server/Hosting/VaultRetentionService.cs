using Microsoft.Extensions.Options;

namespace Obscura.Server.Hosting;

/// <summary>
/// Runs the vault's retention job every <c>Obscura:RetentionIntervalMinutes</c> (0 disables it): what crashed processes
/// left is recovered, expired and withdrawn data, expired exports and overdue scratch areas are deleted, as
/// <c>obscura retention run</c> does. A run that fails (the vault cannot be opened yet, a disk error) is logged and
/// tried again at the next interval.
/// </summary>
internal sealed class VaultRetentionService(VaultAccessor vault, IOptions<ObscuraOptions> options, ILogger<VaultRetentionService> log) : BackgroundService
{
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
                var report = await (await vault.GetAsync(stoppingToken)).RunRetentionAsync("svc:retention", stoppingToken);
                if (log.IsEnabled(LogLevel.Information))
                {
                    log.LogInformation(
                        "Retention run: {Expired} expired and {Withdrawn} withdrawn objects deleted, {Shredded} subject keys destroyed, {Exports} exports and {Scratch} scratch areas deleted",
                        report.ExpiredObjects, report.WithdrawnObjects, report.ShreddedSubjects, report.ExpiredExports, report.ScratchAreasDeleted);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Security.Cryptography.CryptographicException or Microsoft.Data.Sqlite.SqliteException)
            {
                log.LogError(ex, "Retention run failed; it is retried at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
