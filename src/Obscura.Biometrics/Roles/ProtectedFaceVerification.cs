using System.Collections.Concurrent;
using System.Security.Cryptography;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Telemetry;
using Obscura.Biometrics.Templates;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Roles;

/// <summary>Decides whether a subject's face may be processed for identity verification now.</summary>
public interface IConsentGate
{
    /// <summary>Whether processing is allowed (consent given and not withdrawn, no objection).</summary>
    Task<bool> MayProcessAsync(string subjectId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the subject's biometric data must be erased: consent withdrawn or never given, an objection in force, or
    /// the subject unknown. (A refusal for another reason, such as an unregistered purpose, is a configuration fault, not
    /// a reason to erase.)
    /// </summary>
    Task<bool> MustEraseAsync(string subjectId, CancellationToken cancellationToken);
}

/// <summary>The consent gate over the governance core: the identity-verification purpose must authorise the subject.</summary>
public sealed class GovernanceConsentGate(GovernanceService governance, PurposeId purpose) : IConsentGate
{
    /// <inheritdoc/>
    public async Task<bool> MayProcessAsync(string subjectId, CancellationToken cancellationToken) =>
        SubjectId.TryParse(subjectId, out var subject)
        && (await governance.AuthorizeAsync(subject, purpose, null, cancellationToken).ConfigureAwait(false)).Allowed;

    /// <inheritdoc/>
    public async Task<bool> MustEraseAsync(string subjectId, CancellationToken cancellationToken) =>
        !SubjectId.TryParse(subjectId, out var subject)
        || (await governance.AuthorizeAsync(subject, purpose, null, cancellationToken).ConfigureAwait(false)).Reasons
            .Any(r => r is DenialReason.ConsentWithdrawn or DenialReason.ConsentMissing or DenialReason.Objected or DenialReason.SubjectUnknown);
}

/// <summary>Why a verification did not give a decision.</summary>
public enum VerificationRefusal
{
    /// <summary>No consent (or it was withdrawn, or the subject objected).</summary>
    NoConsent,

    /// <summary>The subject has no enrolment.</summary>
    NotEnrolled,

    /// <summary>A key bound to the enrolment was revoked.</summary>
    KeyRevoked,

    /// <summary>The stored template's seal is broken.</summary>
    BrokenSeal,

    /// <summary>The key holder's rate limit for this subject (or this capture service) is reached; try later.</summary>
    RateLimited,
}

/// <summary>Texts for refusals, shared by every front end.</summary>
public static class VerificationRefusals
{
    /// <summary>Why verification gave no decision, in a sentence for the caller.</summary>
    public static string Describe(this VerificationRefusal refusal) => refusal switch
    {
        VerificationRefusal.NoConsent => "The subject's consent for identity-verification is missing or withdrawn, or the subject objected.",
        VerificationRefusal.NotEnrolled => "The subject has no enrolment.",
        VerificationRefusal.KeyRevoked => "The enrolment's key was revoked; the subject must enrol again.",
        VerificationRefusal.BrokenSeal => "The stored template failed its seal check: it was changed, swapped or re-bound in storage.",
        VerificationRefusal.RateLimited => "The key holder's decision rate limit for this subject or capture service is reached; try again later.",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal)),
    };
}

/// <summary>The outcome of a verification: a decision, or a refusal with its reason.</summary>
public sealed record VerificationResult(bool? Match, VerificationRefusal? Refusal)
{
    /// <summary>Whether the probe matched the reference.</summary>
    public bool IsMatch => Match == true;
}

/// <summary>What a provider-key rotation did.</summary>
/// <param name="EncryptionKeyId">The new encryption key.</param>
/// <param name="SealingKeyId">The new sealing key.</param>
/// <param name="Switched">Templates re-encrypted to the new key by key switching and sealed anew.</param>
/// <param name="Unchanged">Templates already under the new key (a resumed rotation) or under a key revoked before it.</param>
/// <param name="Broken">Templates whose seal failed: not carried over, so they die with the old key.</param>
/// <param name="Expired">Templates already switched <see cref="ProtectedTemplateScheme.MaxKeySwitches"/> times: not carried over; their subjects enrol again.</param>
public sealed record KeyRotationReport(string EncryptionKeyId, string SealingKeyId, int Switched, int Unchanged, int Broken, int Expired);

/// <summary>
/// Onboarding, verification, revocation and key rotation over the roles, each reached through its interface: locally
/// in one process (the embedded default) or over HTTP. This orchestrator is the capture side: it holds the template
/// transformation keys in its own key store and the provider's public key, never a homomorphic secret or sealing key;
/// the key holder seals and decides, the comparison role compares and re-encrypts, the store keeps sealed templates.
/// </summary>
public sealed partial class ProtectedFaceVerification : IDisposable
{
    private readonly CaptureKeyStore _captureKeys;
    private readonly IKeyHolderRole _keyHolder;
    private readonly IComparisonRole _comparison;
    private readonly ITemplateStore _store;
    private readonly IConsentGate _consent;
    private readonly TimeProvider _clock;
    private readonly AuditTrail _audit;
    private readonly PurposeId _purpose;
    private readonly ConcurrentDictionary<string, CaptureClient> _captures = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<IDisposable> _owned;
    private ProviderPublicMaterial? _material;

    /// <summary>
    /// Wires the roles. <paramref name="captureKeys"/> keeps this side's transformation keys; every step is recorded in
    /// <paramref name="audit"/> for <paramref name="purpose"/>. Disposing this disposes the key holder if it is local,
    /// and <paramref name="owned"/> (the key stores the wiring opened for this instance).
    /// </summary>
    public ProtectedFaceVerification(CaptureKeyStore captureKeys, IKeyHolderRole keyHolder, IComparisonRole comparison, ITemplateStore store, IConsentGate consent, AuditTrail audit, PurposeId purpose, double threshold, TimeProvider? clock = null, IReadOnlyList<IDisposable>? owned = null)
    {
        ArgumentNullException.ThrowIfNull(captureKeys);
        ArgumentNullException.ThrowIfNull(keyHolder);
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(consent);
        ArgumentNullException.ThrowIfNull(audit);
        _captureKeys = captureKeys;
        _keyHolder = keyHolder;
        _comparison = comparison;
        _store = store;
        _consent = consent;
        _audit = audit;
        _purpose = purpose;
        _clock = clock ?? TimeProvider.System;
        _journal = new EnrolmentJournal(captureKeys.Folder);
        _owned = owned ?? [];
        Threshold = ProtectedTemplateScheme.CheckThreshold(threshold);
    }

    /// <summary>The decision threshold (cosine similarity).</summary>
    public double Threshold { get; }

    /// <summary>The key holder, when it runs in this process (the embedded default); null when it is remote.</summary>
    public KeyHolderService? LocalKeyHolder => _keyHolder as KeyHolderService;

    /// <summary>Verifies a probe against the subject's enrolment: a decision, or a refusal with its reason.</summary>
    public async Task<VerificationResult> VerifyAsync(string subjectId, FaceTemplate probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);

        // The span and the count carry the outcome only: the subject, enrolment and probe never become tags.
        using var activity = VerificationInstruments.Source.StartActivity(VerificationInstruments.VerificationSpan);
        VerificationResult? result = null;
        try
        {
            result = await VerifyCoreAsync(subjectId, probe, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            VerificationInstruments.Record(activity, result);
        }
    }

    private async Task<VerificationResult> VerifyCoreAsync(string subjectId, FaceTemplate probe, CancellationToken cancellationToken)
    {
        if (!await _consent.MayProcessAsync(subjectId, cancellationToken).ConfigureAwait(false))
        {
            return new VerificationResult(null, VerificationRefusal.NoConsent);
        }

        if (await _store.FindAsync(subjectId, cancellationToken).ConfigureAwait(false) is not { } reference)
        {
            return new VerificationResult(null, VerificationRefusal.NotEnrolled);
        }

        try
        {
            using var transformationKey = _captureKeys.Open(reference.TransformationKeyId);
            var capture = await CaptureForAsync(reference.EncryptionKeyId, cancellationToken).ConfigureAwait(false);
            var encryptedProbe = capture.EncryptProbe(CancelableTransform.Apply(transformationKey, probe), Threshold);

            // The key holder decides only a result the comparison role attests for this ticket, and answers to this channel alone.
            using var channel = new DecisionChannel();
            var ticket = await _keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subjectId, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), cancellationToken).ConfigureAwait(false);
            var decision = await _comparison.CompareAsync(reference, subjectId, encryptedProbe, ticket.Nonce, cancellationToken).ConfigureAwait(false);
            var match = channel.Open(ticket, decision);
            await RecordVerificationAsync(subjectId, reference.EnrolmentId, "verified", cancellationToken).ConfigureAwait(false);
            return new VerificationResult(match, null);
        }
        catch (DecisionRefusedException e) when (e.IsRateLimit)
        {
            await RecordVerificationAsync(subjectId, reference.EnrolmentId, "refused-rate-limited", cancellationToken).ConfigureAwait(false);
            return new VerificationResult(null, VerificationRefusal.RateLimited);
        }
        catch (KeyRevokedException)
        {
            await RecordVerificationAsync(subjectId, reference.EnrolmentId, "refused-key-revoked", cancellationToken).ConfigureAwait(false);
            return new VerificationResult(null, VerificationRefusal.KeyRevoked);
        }
        catch (BrokenSealException)
        {
            await RecordVerificationAsync(subjectId, reference.EnrolmentId, "refused-broken-seal", cancellationToken).ConfigureAwait(false);
            return new VerificationResult(null, VerificationRefusal.BrokenSeal);
        }
    }

    /// <summary>
    /// Rotates the provider's encryption and sealing keys: the key holder makes new keys and a key-switching key, the
    /// comparison role re-encrypts every stored template from the old key to the new on ciphertexts only (checking each
    /// seal first), the key holder seals each anew, and the old keys are destroyed. Nobody decrypts anything and no
    /// face is needed again. Interrupted, it resumes where it stopped on the next call. Decisions are exact (no noise
    /// leaks), so no decision budget carries over or restarts: only the per-key decision count starts again at zero.
    /// </summary>
    public async Task<KeyRotationReport> RotateProviderKeysAsync(IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var material = await _keyHolder.BeginRotationAsync(cancellationToken).ConfigureAwait(false);
        _material = material;
        var current = material.Current;
        var previous = material.Previous ?? throw new InvalidOperationException("The key holder started no rotation.");
        var subjects = await _store.ListSubjectsAsync(cancellationToken).ConfigureAwait(false);
        int switched = 0, unchanged = 0, broken = 0, expired = 0;
        for (var i = 0; i < subjects.Count; i++)
        {
            var subjectId = subjects[i];
            if (await _store.FindAsync(subjectId, cancellationToken).ConfigureAwait(false) is not { } template || template.EncryptionKeyId != previous.EncryptionKeyId)
            {
                unchanged++;
            }
            else if (template.KeySwitches >= ProtectedTemplateScheme.MaxKeySwitches)
            {
                // More switches would take its noise past what the flooding bound was calibrated for.
                await RecordVerificationAsync(subjectId, template.EnrolmentId, "rotation-expired-key-switches", cancellationToken).ConfigureAwait(false);
                expired++;
            }
            else
            {
                try
                {
                    var ciphertext = await _comparison.SwitchKeyAsync(template, subjectId, current.EncryptionKeyId, cancellationToken).ConfigureAwait(false);
                    var request = new SealRequest(template.EnrolmentId, subjectId, template.TransformationKeyId, current.EncryptionKeyId, template.CreatedAt, SHA256.HashData(ciphertext), template.KeySwitches + 1);
                    var signature = await _keyHolder.SealAsync(request, cancellationToken).ConfigureAwait(false);
                    await _store.SaveAsync(request.WithSeal(current.SealingKeyId, ciphertext, signature), cancellationToken).ConfigureAwait(false);
                    await _audit.RecordAsync(
                        [new AuditEvent(Actor, AuditAction.Update, TemplateCategory, SubjectId.Parse(subjectId), _purpose, from: $"kms:{previous.EncryptionKeyId}", to: $"kms:{current.EncryptionKeyId}", reference: template.EnrolmentId)],
                        cancellationToken).ConfigureAwait(false);
                    switched++;
                }
                catch (BrokenSealException)
                {
                    await RecordVerificationAsync(subjectId, template.EnrolmentId, "rotation-refused-broken-seal", cancellationToken).ConfigureAwait(false);
                    broken++;
                }
            }

            progress?.Report((i + 1, subjects.Count));
        }

        await _keyHolder.CompleteRotationAsync(cancellationToken).ConfigureAwait(false);
        _material = null;
        _captures.Clear();
        return new KeyRotationReport(current.EncryptionKeyId, current.SealingKeyId, switched, unchanged, broken, expired);
    }

    private async Task<SealedTemplate> ProtectAsync(string subjectId, string enrolmentId, Cancelable.TemplateTransformationKey transformationKey, TransformedTemplate template, CancellationToken cancellationToken)
    {
        var createdAt = _clock.GetUtcNow();
        for (var attempt = 0; ; attempt++)
        {
            var current = (await MaterialAsync(refresh: attempt > 0, cancellationToken).ConfigureAwait(false)).Current;
            var ciphertext = Capture(current).EncryptReference(template);
            var request = new SealRequest(enrolmentId, subjectId, transformationKey.Id, current.EncryptionKeyId, createdAt, SHA256.HashData(ciphertext));
            try
            {
                return request.WithSeal(current.SealingKeyId, ciphertext, await _keyHolder.SealAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (KeyRevokedException) when (attempt == 0)
            {
                // The provider's keys were rotated since they were fetched: fetch them again and encrypt once more.
            }
        }
    }

    private async Task<CaptureClient> CaptureForAsync(string encryptionKeyId, CancellationToken cancellationToken)
    {
        var generation = (await MaterialAsync(refresh: false, cancellationToken).ConfigureAwait(false)).Generation(encryptionKeyId)
            ?? (await MaterialAsync(refresh: true, cancellationToken).ConfigureAwait(false)).Generation(encryptionKeyId)
            ?? throw new KeyRevokedException(encryptionKeyId);
        return Capture(generation);
    }

    private CaptureClient Capture(KeyGeneration generation) =>
        _captures.GetOrAdd(generation.EncryptionKeyId, id => new CaptureClient(id, BgvSerializer.DeserializePublicKey(generation.PublicKey, ProtectedTemplateScheme.Parameters)));

    private async Task<ProviderPublicMaterial> MaterialAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (refresh || _material is null)
        {
            var material = await _keyHolder.GetPublicMaterialAsync(cancellationToken).ConfigureAwait(false);
            _material = material;

            // Public keys of generations retired since (here or by another process) go: a quarter of a megabyte each.
            foreach (var retired in _captures.Keys.Where(id => material.Generation(id) is null))
            {
                _captures.TryRemove(retired, out _);
            }
        }

        return _material;
    }

    private const string Actor = "svc:protected-verification";

    private static readonly DataCategory TemplateCategory = DataCategory.Parse("biometric-template");

    private static readonly DataCategory TransformationKeyCategory = DataCategory.Parse("template-transformation-key");

    /// <summary>The template was read from storage into the comparison, with the outcome's kind (never the decision itself) as destination detail.</summary>
    private async Task RecordVerificationAsync(string subjectId, string enrolmentId, string outcome, CancellationToken cancellationToken) =>
        await _audit.RecordAsync(
            [new AuditEvent(Actor, AuditAction.Read, TemplateCategory, SubjectId.Parse(subjectId), _purpose, from: "store:templates", to: $"svc:comparison/{outcome}", reference: enrolmentId)],
            cancellationToken).ConfigureAwait(false);

    /// <summary>Disposes the key holder if it is local and what the wiring handed over (its keys are zeroed).</summary>
    public void Dispose()
    {
        (_keyHolder as IDisposable)?.Dispose();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}

