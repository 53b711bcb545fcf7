using System.CommandLine;
using System.Text.Json;
using Obscura.Biometrics.Roles;
using Obscura.Governance.Serialization;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura faces init</c>, <c>obscura faces attestation-key</c> and <c>obscura faces decision-report</c>: role
/// administration on a role's own folder. They open only that role's key store, never a governance database, so they work on a role process's folder.
/// </summary>
public static partial class ObscuraCli
{
    private static Command InitCommand(CliRunner runner)
    {
        var attestationKey = new Option<string?>("--attestation-key") { Description = "The comparison role's attestation public key (base64), for a key-holder role's own folder; without it, the embedded folder's comparison key is used (created on first use)." };
        var command = new Command(
            "init",
            "Create the provider's keys now, once, in DATA/biometrics/keyholder (the embedded folder or a key-holder role's own), so that no request ever waits for key generation. Prints the key ids; a second run changes nothing.")
        {
            attestationKey,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(CliOptions.Server) is not null)
            {
                await runner.Error.WriteLineAsync("This command works on the key holder's folder only (--data).");
                return ExitCodes.Usage;
            }

            var folder = BiometricsFolder(result);
            try
            {
                var existed = File.Exists(Path.Combine(folder, ProtectedVerificationHost.KeyHolderFolder, "provider.json"));
                byte[] pinned;
                if (result.GetValue(attestationKey) is { } given)
                {
                    pinned = Convert.FromBase64String(given);
                }
                else
                {
                    using var attester = ProtectedVerificationHost.OpenComparisonAttester(folder);
                    pinned = attester.PublicKey;
                }

                if (!existed)
                {
                    await runner.Error.WriteLineAsync("Creating the provider's keys...");
                }

                using var keyHolder = ProtectedVerificationHost.OpenKeyHolder(folder, new KeyHolderOptions(pinned));
                var provider = keyHolder.Provider;
                await runner.Out.WriteLineAsync(JsonSerializer.Serialize(new { provider.ProviderId, provider.EncryptionKeyId, provider.SealingKeyId, created = !existed }, GovernanceJson.Indented));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or FormatException or ArgumentException)
            {
                await runner.Error.WriteLineAsync(ex.Message);
                return ExitCodes.Refused;
            }
        });
        return command;
    }

    private static Command AttestationKeyCommand(CliRunner runner)
    {
        var command = new Command(
            "attestation-key",
            "Print the comparison role's attestation public key (base64 P-256), creating the key in DATA/biometrics/comparison on first use. Pin it on the key holder as Obscura:ComparisonAttestationKey.");
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(CliOptions.Server) is not null)
            {
                await runner.Error.WriteLineAsync("This command works on the comparison role's folder only (--data).");
                return ExitCodes.Usage;
            }

            using var attester = ProtectedVerificationHost.OpenComparisonAttester(BiometricsFolder(result));
            await runner.Out.WriteLineAsync(Convert.ToBase64String(attester.PublicKey));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command DecisionReportCommand(CliRunner runner)
    {
        var events = new Option<int>("--events") { Description = "How many of the latest refusals and probing flags to show.", DefaultValueFactory = _ => 50 };
        var command = new Command(
            "decision-report",
            "Show the key holder's decision counts per key, and the refusals and probing flags it recorded (from DATA/biometrics/keyholder: the embedded folder or a key-holder role's own).")
        {
            events,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(CliOptions.Server) is not null)
            {
                await runner.Error.WriteLineAsync("This command works on the key holder's folder only (--data).");
                return ExitCodes.Usage;
            }

            try
            {
                var report = ProtectedVerificationHost.ReadDecisionReport(BiometricsFolder(result), Math.Max(0, result.GetValue(events)));
                await runner.Out.WriteLineAsync(JsonSerializer.Serialize(report, GovernanceJson.Indented));
                return report.Events.Any(e => e.IsFlag) ? ExitCodes.Refused : ExitCodes.Success;
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException)
            {
                await runner.Error.WriteLineAsync(ex.Message);
                return ExitCodes.Refused;
            }
        });
        return command;
    }

    private static string BiometricsFolder(ParseResult result) => Path.Combine(result.GetValue(CliOptions.Data)!, "biometrics");
}
