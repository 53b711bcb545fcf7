using Microsoft.Extensions.Options;

namespace Obscura.Server.Hosting;

/// <summary>
/// Runs the biometric retention sweep beside the vault's job, as <c>obscura retention run</c> does: unfinished
/// enrolment changes are settled, enrolments of subjects who may no longer be processed are removed, and keys or
/// templates left without their other half are deleted.
/// </summary>
internal sealed class BiometricRetentionService(BiometricShredding shredding, IOptions<ObscuraOptions> options, ILogger<BiometricRetentionService> log)
    : PeriodicRetentionService(options, log)
{
    protected override async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        if (await shredding.RunRetentionAsync("svc:retention", stoppingToken) is { } report && log.IsEnabled(LogLevel.Information))
        {
            log.LogInformation(
                "Biometric retention run: {Recovered} unfinished changes settled, {Withdrawn} withdrawn subjects' enrolments removed, {Keys} keys destroyed, {Templates} templates deleted",
                report.Recovered, report.WithdrawnSubjects, report.KeysDestroyed, report.TemplatesDeleted);
        }
    }
}
