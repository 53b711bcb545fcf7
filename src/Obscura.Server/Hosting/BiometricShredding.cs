using Obscura.Biometrics.Roles;
using Obscura.Governance.Subjects;
using Obscura.Storage;

namespace Obscura.Server.Hosting;

/// <summary>
/// Runs biometric shredding for the server: right after a consent withdrawal or objection, and in the retention
/// sweep. A deployment that never enrolled anyone has no capture key store, and nothing is opened for it.
/// </summary>
internal sealed class BiometricShredding(Lazy<ProtectedFaceVerification> verification, DataFolder folder, ILogger<BiometricShredding> log)
{
    /// <summary>Whether protected verification is in use here (opened in this process, or enrolments made before).</summary>
    public bool InUse =>
        verification.IsValueCreated
        || File.Exists(Path.Combine(ProtectedVerificationHost.CaptureDirectory(Path.Combine(folder.Path, "biometrics")), "keys.db"));

    /// <summary>
    /// After a successful withdrawal or objection: removes the subject's enrolment if they may no longer be processed.
    /// A failure is logged, not raised (the withdrawal itself stands, and verification refuses already); the retention
    /// sweep removes the enrolment later.
    /// </summary>
    public async Task AfterWithdrawalAsync(string actor, SubjectId subject, CancellationToken cancellationToken)
    {
        if (!InUse)
        {
            return;
        }

        try
        {
            await verification.Value.ShredIfWithdrawnAsync(actor, subject.Value, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever failed (ledger, storage role, key store), the withdrawal is committed and must be answered as such.
            log.LogError(ex, "Biometric shredding after a withdrawal failed; the retention sweep will retry it");
        }
    }

    /// <summary>The biometric retention sweep, or null when protected verification is not in use.</summary>
    public async Task<BiometricRetentionReport?> RunRetentionAsync(string actor, CancellationToken cancellationToken) =>
        InUse ? await verification.Value.RunRetentionAsync(actor, cancellationToken) : null;
}
