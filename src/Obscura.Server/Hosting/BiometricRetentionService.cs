using Microsoft.Extensions.Options;

namespace Obscura.Server.Hosting;

/// <summary>
/// Runs the biometric retention sweep at start and every <c>Obscura:RetentionIntervalMinutes</c> (0 disables it), as
/// <c>obscura retention run</c> does: unfinished enrolment changes are settled, enrolments of subjects who may no longer
/// be processed are removed, and keys or templates left without their other half are deleted.
/// </summary>
internal sealed class BiometricRetentionService(BiometricShredding shredding, IOptions<ObscuraOptions> options, ILogger<BiometricRetentionService> log) : BackgroundService
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
                if (await shredding.RunRetentionAsync("svc:retention", stoppingToken) is { } report && log.IsEnabled(LogLevel.Information))
                {
                    log.LogInformation(
                        "Biometric retention run: {Recovered} unfinished changes settled, {Withdrawn} withdrawn subjects' enrolments removed, {Keys} keys destroyed, {Templates} templates deleted",
                        report.Recovered, report.WithdrawnSubjects, report.KeysDestroyed, report.TemplatesDeleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed sweep must not stop the host; the next one retries what is left.
                log.LogError(ex, "Biometric retention run failed; it is retried at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
