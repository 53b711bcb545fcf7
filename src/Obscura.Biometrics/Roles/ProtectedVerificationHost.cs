using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Roles.Remote;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Security.Files;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// Wires protected verification over a folder. Embedded (the default): every role in one process, with <c>kms/</c>
/// for the key store, <c>templates/</c> for sealed templates and <c>provider.json</c> naming the provider's keys,
/// created on first use. Separated: each role in its own process with its own folder, reached over HTTP.
/// </summary>
public static class ProtectedVerificationHost
{
    /// <summary>The purpose every biometric operation is authorised and recorded under.</summary>
    public static PurposeId Purpose { get; } = PurposeId.Parse("identity-verification");

    /// <summary>Opens (creating on first use) the embedded verification service in <paramref name="directory"/>.</summary>
    public static ProtectedFaceVerification Open(string directory, GovernanceService governance, AuditTrail audit, double threshold, long? maxDecryptions = null)
    {
        var keys = OpenKeys(directory);
        var keyHolder = OpenKeyHolder(keys, directory, maxDecryptions);
        return new ProtectedFaceVerification(
            keys,
            keyHolder,
            new ComparisonRole(keyHolder),
            OpenStore(directory),
            new GovernanceConsentGate(governance, Purpose),
            audit,
            Purpose,
            threshold);
    }

    /// <summary>
    /// The capture side of a separated deployment: its own key store in <paramref name="directory"/> holds only the
    /// transformation keys; the key holder, comparison and storage roles are the given HTTP services.
    /// </summary>
    public static ProtectedFaceVerification OpenSeparated(string directory, RoleConnection keyHolder, RoleConnection comparison, RoleConnection storage, GovernanceService governance, AuditTrail audit, double threshold) =>
        new(
            OpenKeys(directory),
            new RemoteKeyHolder(keyHolder),
            new RemoteComparison(comparison),
            new RemoteTemplateStore(storage),
            new GovernanceConsentGate(governance, Purpose),
            audit,
            Purpose,
            threshold);

    /// <summary>The key-holder role of a separated deployment: provider keys in <paramref name="directory"/>, created on first use.</summary>
    public static KeyHolderService OpenKeyHolder(string directory, long? maxDecryptions = null) =>
        OpenKeyHolder(OpenKeys(directory), directory, maxDecryptions);

    private static KeyHolderService OpenKeyHolder(KeyManagementService keys, string directory, long? maxDecryptions) =>
        KeyHolderService.Open(keys, Path.Combine(directory, "provider.json"), new NoiseFloodingPolicyChoice(maxDecryptions));

    /// <summary>The storage role: sealed templates in <paramref name="directory"/>/templates.</summary>
    public static FileTemplateStore OpenStore(string directory) => new(Path.Combine(directory, "templates"));

    private static KeyManagementService OpenKeys(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        OwnerOnlyFiles.CreateDirectory(directory);
        return KeyManagementService.Open(Path.Combine(directory, "kms"));
    }
}
