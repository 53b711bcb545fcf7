using System.Collections.Concurrent;
using System.Security.Cryptography;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Templates;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Biometrics.Roles;

/// <summary>Decides whether a subject's face may be processed for identity verification now.</summary>
public interface IConsentGate
{
    /// <summary>Whether processing is allowed (consent given and not withdrawn, no objection).</summary>
    Task<bool> MayProcessAsync(string subjectId, CancellationToken cancellationToken);
}

/// <summary>The consent gate over the governance core: the identity-verification purpose must authorise the subject.</summary>
public sealed class GovernanceConsentGate(GovernanceService governance, PurposeId purpose) : IConsentGate
{
    /// <inheritdoc/>
    public async Task<bool> MayProcessAsync(string subjectId, CancellationToken cancellationToken) =>
        SubjectId.TryParse(subjectId, out var subject)
        && (await governance.AuthorizeAsync(subject, purpose, null, cancellationToken).ConfigureAwait(false)).Allowed;
}

/// <summary>Where sealed templates are kept (the storage role); it holds no key at all.</summary>
public interface ITemplateStore
{
    /// <summary>Stores (or replaces) the subject's current enrolment.</summary>
    void Save(SealedTemplate sealedTemplate);

    /// <summary>The subject's current enrolment, if any.</summary>
    SealedTemplate? Find(string subjectId);
}

/// <summary>An in-memory template store, for the embedded default and tests.</summary>
public sealed class InMemoryTemplateStore : ITemplateStore
{
    private readonly ConcurrentDictionary<string, SealedTemplate> _templates = new();

    /// <inheritdoc/>
    public void Save(SealedTemplate sealedTemplate)
    {
        ArgumentNullException.ThrowIfNull(sealedTemplate);
        _templates[sealedTemplate.SubjectId] = sealedTemplate;
    }

    /// <inheritdoc/>
    public SealedTemplate? Find(string subjectId) => _templates.GetValueOrDefault(subjectId);

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

    /// <summary>The provider key has made all the decisions its flooding bound allows; it must be rotated.</summary>
    BudgetSpent,
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
        VerificationRefusal.BudgetSpent => "The provider's encryption key has made all the decisions its noise-flooding bound allows; rotate the key.",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal)),
    };
}

/// <summary>The outcome of a verification: a decision, or a refusal with its reason.</summary>
public sealed record VerificationResult(bool? Match, VerificationRefusal? Refusal)
{
    /// <summary>Whether the probe matched the reference.</summary>
    public bool IsMatch => Match == true;
}

/// <summary>
/// Onboarding and verification with the four roles wired in one process (the embedded default). Each role object gets
/// only its own keys from the key-management service: the capture client the transformation key of the enrolment and
/// the public key; the onboarding sealer the sealing private key; the comparison service evaluation keys and the seal's
/// public half; the key holder the homomorphic secret key.
/// </summary>
public sealed class ProtectedFaceVerification : IDisposable
{
    private readonly KeyManagementService _keys;
    private readonly ProviderKeyIds _provider;
    private readonly ITemplateStore _store;
    private readonly IConsentGate _consent;
    private readonly CaptureClient _capture;
    private readonly TemplateSealer _sealer;
    private readonly ComparisonService _comparison;
    private readonly DecisionKeyHolder _keyHolder;
    private readonly TimeProvider _clock;
    private readonly AuditTrail _audit;
    private readonly PurposeId _purpose;

    /// <summary>Wires the roles for <paramref name="provider"/>'s keys; every step is recorded in <paramref name="audit"/> for <paramref name="purpose"/>.</summary>
    public ProtectedFaceVerification(KeyManagementService keys, ProviderKeyIds provider, ITemplateStore store, IConsentGate consent, AuditTrail audit, PurposeId purpose, double threshold, NoiseFloodingPolicyChoice flooding, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(consent);
        ArgumentNullException.ThrowIfNull(flooding);
        _keys = keys;
        _audit = audit;
        _purpose = purpose;
        _provider = provider;
        _store = store;
        _consent = consent;
        _clock = clock ?? TimeProvider.System;
        Threshold = ProtectedTemplateScheme.CheckThreshold(threshold);
        _capture = new CaptureClient(provider.EncryptionKeyId, keys.OpenPublicKey(provider.EncryptionKeyId));
        _sealer = keys.OpenSealer(provider.SealingKeyId);
        var (relin, galois) = keys.OpenEvaluationKeys(provider.EncryptionKeyId);
        _comparison = new ComparisonService(keys.OpenSealVerifier(provider.SealingKeyId), relin, galois, keys);
        var secret = keys.OpenDecryptionKey(provider.EncryptionKeyId);
        // A key's policy is fixed at its first use and reused after restarts, so every decryption under it used one σ.
        var policy = keys.ReadFloodingPolicy(provider.EncryptionKeyId);
        if (policy is null)
        {
            policy = DecisionKeyHolder.Calibrate(secret, flooding.MaxDecryptions, flooding.MaxDecisionNoise, flooding.CalibrationTrials);
            keys.SaveFloodingPolicy(provider.EncryptionKeyId, policy);
        }

        _keyHolder = new DecisionKeyHolder(secret, policy, keys.DecryptionBudget(provider.EncryptionKeyId, policy.MaxDecryptions));
    }

    /// <summary>The decision threshold (cosine similarity).</summary>
    public double Threshold { get; }

    /// <summary>The key holder's flooding policy (calibrated at start-up); its MaxDecryptions is the provider key's decision budget.</summary>
    public Homomorphic.Ckks.NoiseFloodingPolicy FloodingPolicy => _keyHolder.Policy;

    /// <summary>Onboards a subject from a reference template; returns the sealed protected template that was stored.</summary>
    /// <exception cref="UnauthorizedAccessException">No consent for identity verification.</exception>
    public async Task<SealedTemplate> OnboardAsync(string subjectId, FaceTemplate reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!await _consent.MayProcessAsync(subjectId, cancellationToken).ConfigureAwait(false))
        {
            throw new UnauthorizedAccessException("The subject has not consented to identity verification.");
        }

        using var transformationKey = _keys.CreateTransformationKey(subjectId);
        var protectedTemplate = CancelableTransform.Apply(transformationKey, reference);
        var sealedTemplate = _sealer.Seal(
            $"enr_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}",
            subjectId,
            transformationKey.Id,
            _provider.EncryptionKeyId,
            _clock.GetUtcNow(),
            _capture.EncryptReference(protectedTemplate));
        _store.Save(sealedTemplate);
        var subject = SubjectId.Parse(subjectId);
        await _audit.RecordAsync(
            [
                new AuditEvent(Actor, AuditAction.Create, TransformationKeyCategory, subject, _purpose, to: "kms:keys", reference: transformationKey.Id),
                new AuditEvent(Actor, AuditAction.Create, TemplateCategory, subject, _purpose, from: "capture", to: "store:templates", reference: sealedTemplate.EnrolmentId),
            ],
            cancellationToken).ConfigureAwait(false);
        return sealedTemplate;
    }

    /// <summary>Verifies a probe against the subject's enrolment: a decision, or a refusal with its reason.</summary>
    public async Task<VerificationResult> VerifyAsync(string subjectId, FaceTemplate probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (!await _consent.MayProcessAsync(subjectId, cancellationToken).ConfigureAwait(false))
        {
            return new VerificationResult(null, VerificationRefusal.NoConsent);
        }

        if (_store.Find(subjectId) is not { } reference)
        {
            return new VerificationResult(null, VerificationRefusal.NotEnrolled);
        }

        try
        {
            using var transformationKey = _keys.OpenTransformationKey(reference.TransformationKeyId);
            var encryptedProbe = _capture.EncryptProbe(CancelableTransform.Apply(transformationKey, probe), Threshold);
            var comparison = _comparison.Compare(reference, subjectId, encryptedProbe);
            bool match;
            try
            {
                match = _keyHolder.Decide(comparison);
            }
            catch (InvalidOperationException)
            {
                await RecordVerificationAsync(subjectId, reference.EnrolmentId, "refused-budget-spent", cancellationToken).ConfigureAwait(false);
                return new VerificationResult(null, VerificationRefusal.BudgetSpent);
            }

            await RecordVerificationAsync(subjectId, reference.EnrolmentId, "verified", cancellationToken).ConfigureAwait(false);
            return new VerificationResult(match, null);
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

    /// <summary>Revokes the subject's current enrolment, if any; returns whether there was one.</summary>
    public async Task<bool> RevokeEnrolmentAsync(string subjectId, CancellationToken cancellationToken)
    {
        if (_store.Find(subjectId) is not { } enrolment || !_keys.IsActive(enrolment.TransformationKeyId))
        {
            return false;
        }

        await RevokeEnrolmentAsync(enrolment, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Revokes an enrolment's transformation key (renewal, erasure, withdrawal) and records it.</summary>
    public async Task RevokeEnrolmentAsync(SealedTemplate enrolment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enrolment);
        _keys.Revoke(enrolment.TransformationKeyId);
        await _audit.RecordAsync(
            [new AuditEvent(Actor, AuditAction.Delete, TransformationKeyCategory, SubjectId.Parse(enrolment.SubjectId), _purpose, from: "kms:keys", reference: enrolment.TransformationKeyId)],
            cancellationToken).ConfigureAwait(false);
    }

    private const string Actor = "svc:protected-verification";

    private static readonly DataCategory TemplateCategory = DataCategory.Parse("biometric-template");

    private static readonly DataCategory TransformationKeyCategory = DataCategory.Parse("template-transformation-key");

    /// <summary>The template was read from storage into the comparison, with the outcome's kind (never the decision itself) as destination detail.</summary>
    private async Task RecordVerificationAsync(string subjectId, string enrolmentId, string outcome, CancellationToken cancellationToken) =>
        await _audit.RecordAsync(
            [new AuditEvent(Actor, AuditAction.Read, TemplateCategory, SubjectId.Parse(subjectId), _purpose, from: "store:templates", to: $"svc:comparison/{outcome}", reference: enrolmentId)],
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public void Dispose()
    {
        _sealer.Dispose();
        _keyHolder.Dispose();
    }
}

/// <summary>How the key holder floods a key it uses for the first time (later uses reuse the key's stored policy).</summary>
/// <param name="MaxDecryptions">Decisions one provider key may make; when null, the largest that keeps the decision noise within bounds.</param>
/// <param name="MaxDecisionNoise">The largest standard deviation flooding may add to score − threshold.</param>
/// <param name="CalibrationTrials">Trials of the comparison circuit when measuring its error.</param>
public sealed record NoiseFloodingPolicyChoice(long? MaxDecryptions = null, double MaxDecisionNoise = DecisionKeyHolder.DefaultMaxDecisionNoise, int CalibrationTrials = 4);
