using Microsoft.Extensions.Options;

namespace Obscura.Server.Hosting;

/// <summary>
/// Runs the vault's retention job every <c>Obscura:RetentionIntervalMinutes</c> (0 disables it): what crashed processes
/// left is recovered, expired and withdrawn data, expired exports and overdue scratch areas are deleted, as
/// <c>obscura retention run</c> does. A run that fails (the vault cannot be opened yet, a disk error) is logged and
/// tried again at the next interval.
/// </summary>
internal sealed class VaultRetentionService(VaultAccessor vault, IOptions<ObscuraOptions> options, ILogger<VaultRetentionService> log)
    : PeriodicRetentionService(options, log)
{
    protected override async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        var report = await (await vault.GetAsync(stoppingToken)).RunRetentionAsync("svc:retention", stoppingToken);
        if (log.IsEnabled(LogLevel.Information))
        {
            log.LogInformation(
                "Retention run: {Expired} expired and {Withdrawn} withdrawn objects deleted, {Shredded} subject keys destroyed, {Exports} exports and {Scratch} scratch areas deleted",
                report.ExpiredObjects, report.WithdrawnObjects, report.ShreddedSubjects, report.ExpiredExports, report.ScratchAreasDeleted);
        }
    }
}
