using System.Text.Json;
using Obscura.Biometrics.Keys;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The embedded default: all roles in one process over a folder: <c>kms/</c> for the key store, <c>templates/</c>
/// for sealed templates, and <c>provider.json</c> naming the provider's keys, which are created on first use.
/// </summary>
public static class ProtectedVerificationHost
{
    /// <summary>The purpose every biometric operation is authorised and recorded under.</summary>
    public static PurposeId Purpose { get; } = PurposeId.Parse("identity-verification");

    /// <summary>Opens (creating on first use) the embedded verification service in <paramref name="directory"/>.</summary>
    public static ProtectedFaceVerification Open(string directory, GovernanceService governance, AuditTrail audit, double threshold, long? maxDecryptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var keys = KeyManagementService.Open(Path.Combine(directory, "kms"));
        var providerFile = Path.Combine(directory, "provider.json");
        ProviderKeyIds provider;
        if (File.Exists(providerFile))
        {
            provider = JsonSerializer.Deserialize<ProviderKeyIds>(File.ReadAllBytes(providerFile)) ?? throw new InvalidDataException("provider.json is empty.");
        }
        else
        {
            provider = keys.CreateProviderKeys("embedded");
            KeyManagementService.WriteAtomically(providerFile, JsonSerializer.SerializeToUtf8Bytes(provider));
        }

        return new ProtectedFaceVerification(
            keys,
            provider,
            new FileTemplateStore(Path.Combine(directory, "templates")),
            new GovernanceConsentGate(governance, Purpose),
            audit,
            Purpose,
            threshold,
            new NoiseFloodingPolicyChoice(maxDecryptions));
    }
}
