using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Roles.Remote;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Security.Files;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// Wires protected verification over a folder, one subfolder per role, each role with its own key store and its own
/// keys whether the roles share a process (embedded, the default) or not (separated): <c>capture/</c> the capture
/// side's transformation keys (<see cref="CaptureKeyStore"/>, crypto-shredded, with its journal of unfinished
/// enrolment changes); <c>keyholder/</c> the key holder's store (provider keys, <c>provider.json</c>, its decision
/// state); <c>comparison/</c> the comparison role's attestation key; <c>storage/</c> sealed templates (no key).
/// Created on first use.
/// </summary>
public static class ProtectedVerificationHost
{
    /// <summary>The capture side's key store (transformation keys).</summary>
    public const string CaptureFolder = "capture";

    /// <summary>The key holder's folder.</summary>
    public const string KeyHolderFolder = "keyholder";

    /// <summary>The comparison role's folder.</summary>
    public const string ComparisonFolder = "comparison";

    /// <summary>The storage role's folder.</summary>
    public const string StorageFolder = "storage";

    private const string KeyHolderActor = "svc:key-holder";

    /// <summary>The purpose every biometric operation is authorised and recorded under.</summary>
    public static PurposeId Purpose { get; } = PurposeId.Parse("identity-verification");

    /// <summary>
    /// Opens (creating on first use) the embedded verification service in <paramref name="directory"/>: every role in
    /// this process, each in its own subfolder with its own keys. The key holder pins the comparison role's attestation
    /// key, and its refusals and probing flags also go to <paramref name="audit"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder has the layout of an earlier version (one key store for every role).</exception>
    public static ProtectedFaceVerification Open(string directory, GovernanceService governance, AuditTrail audit, double threshold, DecisionLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        CheckLayout(directory);
        var captureKeys = OpenCaptureKeys(directory);
        ComparisonAttester? attester = null;
        try
        {
            attester = OpenComparisonAttester(directory);
            var keyHolder = OpenKeyHolder(directory, new KeyHolderOptions(attester.PublicKey)
            {
                Limits = limits ?? new DecisionLimits(),
                OnEvent = (e, ct) => RecordDecisionEventAsync(audit, e, ct),
            });
            return new ProtectedFaceVerification(
                captureKeys,
                keyHolder,
                new ComparisonRole(keyHolder, keyHolder, attester),
                OpenStore(directory),
                new GovernanceConsentGate(governance, Purpose),
                audit,
                Purpose,
                threshold,
                owned: [attester, captureKeys]);
        }
        catch
        {
            attester?.Dispose();
            captureKeys.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The capture side of a separated deployment: its own key store in <paramref name="directory"/> holds only the
    /// transformation keys; the key holder, comparison and storage roles are the given HTTP services.
    /// </summary>
    public static ProtectedFaceVerification OpenSeparated(string directory, RoleConnection keyHolder, RoleConnection comparison, RoleConnection storage, GovernanceService governance, AuditTrail audit, double threshold)
    {
        var captureKeys = OpenCaptureKeys(directory);
        return new(
            captureKeys,
            new RemoteKeyHolder(keyHolder),
            new RemoteComparison(comparison),
            new RemoteTemplateStore(storage),
            new GovernanceConsentGate(governance, Purpose),
            audit,
            Purpose,
            threshold,
            owned: [captureKeys]);
    }

    /// <summary>The key-holder role: its own store in <paramref name="directory"/>/keyholder, provider keys created (and calibrated) on first use.</summary>
    /// <exception cref="InvalidOperationException">The folder has the layout of an earlier version.</exception>
    public static KeyHolderService OpenKeyHolder(string directory, KeyHolderOptions options)
    {
        CheckLayout(directory);
        return KeyHolderService.Open(Path.Combine(directory, KeyHolderFolder), options);
    }

    /// <summary>The comparison role's attestation key, in its own key store in <paramref name="directory"/>/comparison (created on first use).</summary>
    public static ComparisonAttester OpenComparisonAttester(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return ComparisonAttester.OpenOrCreate(Path.Combine(OwnerOnlyFiles.CreateDirectory(directory), ComparisonFolder));
    }

    /// <summary>The storage role: sealed templates in <paramref name="directory"/>/storage.</summary>
    public static FileTemplateStore OpenStore(string directory)
    {
        CheckLayout(directory);
        return new(Path.Combine(directory, StorageFolder));
    }

    /// <summary>
    /// The key holder's decision counts and its latest <paramref name="maxEvents"/> refusals and probing flags, read
    /// from <paramref name="directory"/>/keyholder without opening the key holder (no key is created). Empty when there
    /// is no key holder there.
    /// </summary>
    /// <exception cref="InvalidDataException">The key holder's state is missing or altered for a key it has.</exception>
    public static DecisionReport ReadDecisionReport(string directory, int maxEvents = 100) =>
        ReadKeyHolderOverview(directory, maxEvents).Decisions;

    /// <summary>
    /// The provider's key generation(s) and the key holder's decision report, read together from
    /// <paramref name="directory"/>/keyholder without opening the key holder (no key is created, no secret is read).
    /// <see cref="KeyHolderOverview.Provider"/> is null when there is no key holder there yet.
    /// </summary>
    /// <exception cref="InvalidDataException">The key holder's state is missing or altered for a key it has.</exception>
    public static KeyHolderOverview ReadKeyHolderOverview(string directory, int maxEvents = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxEvents);
        CheckLayout(directory);
        var folder = Path.Combine(directory, KeyHolderFolder);
        if (!File.Exists(Path.Combine(folder, "provider.json")))
        {
            return new KeyHolderOverview(null, new DecisionReport([], []));
        }

        using var keys = KeyManagementService.Open(folder);
        using var state = KeyHolderState.Open(folder, keys, new DecisionLimits(), TimeProvider.System);
        var provider = System.Text.Json.JsonSerializer.Deserialize<ProviderKeyIds>(File.ReadAllBytes(Path.Combine(folder, "provider.json")))
            ?? throw new InvalidDataException("The key holder's provider.json is empty.");

        // A key the provider uses without a valid state row is tampering: say so rather than show an empty report.
        foreach (var keyId in new[] { provider.EncryptionKeyId, provider.PreviousEncryptionKeyId }.OfType<string>())
        {
            _ = state.Decisions(keyId);
        }

        return new KeyHolderOverview(provider, state.Report(maxEvents));
    }

    /// <summary>
    /// The capture side's folder in <paramref name="directory"/>: its transformation-key store (<c>keys.db</c>, with the
    /// key-encryption keys in <c>kek/</c>, to be kept out of data backups) and its journal of unfinished enrolment changes.
    /// </summary>
    public static string CaptureDirectory(string directory) => Path.Combine(directory, CaptureFolder);

    private static CaptureKeyStore OpenCaptureKeys(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        OwnerOnlyFiles.CreateDirectory(directory);
        return CaptureKeyStore.Open(CaptureDirectory(directory));
    }

    /// <summary>Refuses a folder from before each role had its own key store: its provider keys share the capture side's master key.</summary>
    private static void CheckLayout(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (File.Exists(Path.Combine(directory, "provider.json")) || Directory.Exists(Path.Combine(directory, "templates")) || Directory.Exists(Path.Combine(directory, "kms")))
        {
            throw new InvalidOperationException(
                $"{directory} holds protected verification in the earlier layout, where the provider keys shared the capture side's master key. "
                + $"This version keeps each role in its own folder ({KeyHolderFolder}/, {ComparisonFolder}/, {StorageFolder}/) with its own keys ({CaptureFolder}/ for the capture side) and does not move keys between master keys: "
                + "enrol the subjects again in a new folder, then delete provider.json, templates/ and kms/ from the old one.");
        }
    }

    /// <summary>A key-holder refusal or probing flag in the audit ledger, when it names a subject and an enrolment that are valid tokens.</summary>
    private static async Task RecordDecisionEventAsync(AuditTrail audit, DecisionEvent decisionEvent, CancellationToken cancellationToken)
    {
        if (!SubjectId.TryParse(decisionEvent.SubjectId, out var subject) || decisionEvent.EnrolmentId is null)
        {
            return;
        }

        AuditEvent entry;
        try
        {
            entry = new AuditEvent(KeyHolderActor, AuditAction.Read, DataCategory.Parse("biometric-template"), subject, Purpose, from: "svc:comparison", to: $"kms:decision/{decisionEvent.Kind}", reference: decisionEvent.EnrolmentId);
        }
        catch (ArgumentException)
        {
            // An enrolment id that is no ledger token came from a forged request: the key holder's own record keeps it.
            return;
        }

        await audit.RecordAsync([entry], cancellationToken).ConfigureAwait(false);
    }
}
