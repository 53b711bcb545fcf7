using System.Security.Cryptography;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Templates;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The enrolment lifecycle: onboarding, re-enrolment, removal (revocation, withdrawal, erasure), crash recovery and the
/// retention sweep. Every change holds its subjects' cross-process locks, is journalled before it touches anything,
/// and has the ledger append as its commit point: nothing is destroyed before its deletion is recorded, and a new key
/// and template become usable only after their creation is. A failure before the commit undoes what was done; a
/// failure or crash after it is settled by recovery, which removes everything the unfinished change names and records
/// what it removed.
/// </summary>
public sealed partial class ProtectedFaceVerification
{
    private const string RecoveryActor = "svc:biometric-recovery";
    private const int SweepBatch = 500;
    private readonly EnrolmentJournal _journal;
    private int _recovered;

    /// <summary>Onboards a subject from a reference template, as this service; returns the sealed protected template that was stored.</summary>
    /// <exception cref="UnauthorizedAccessException">No consent for identity verification.</exception>
    /// <exception cref="InvalidOperationException">
    /// The subject already has a live enrolment; replacing it is a re-enrolment (<see cref="EnrolAsync"/> with
    /// <see cref="EnrolmentMode.ReEnrol"/>).
    /// </exception>
    /// <exception cref="ArgumentException">The subject id is not valid.</exception>
    public async Task<SealedTemplate> OnboardAsync(string subjectId, FaceTemplate reference, CancellationToken cancellationToken)
    {
        var outcome = await EnrolAsync(Actor, subjectId, reference, EnrolmentMode.Onboard, cancellationToken).ConfigureAwait(false);
        return outcome.Succeeded ? outcome.Value : throw outcome.Error.Kind switch
        {
            GovernanceErrorKind.Refused => new UnauthorizedAccessException(outcome.Error.Message),
            GovernanceErrorKind.Conflict => new InvalidOperationException(outcome.Error.Message),
            _ => new ArgumentException(outcome.Error.Message, outcome.Error.Field),
        };
    }

    /// <summary>
    /// Enrols a subject from a reference template and returns the sealed template stored. With
    /// <see cref="EnrolmentMode.Onboard"/> a subject with a live enrolment (its key active, its provider key still in
    /// use) is refused with <see cref="GovernanceErrorKind.Conflict"/>; with <see cref="EnrolmentMode.ReEnrol"/> (a
    /// controller's decision, which front ends enforce) the old transformation key is destroyed and the template
    /// replaced. A dead enrolment's remains are removed either way. The ledger gets, in one append, a Delete for each
    /// old key and template and a Create for the new ones, all by <paramref name="actor"/>.
    /// </summary>
    /// <returns>The stored template; <see cref="GovernanceErrorKind.Invalid"/> for a bad subject id, <see cref="GovernanceErrorKind.Refused"/> without consent, <see cref="GovernanceErrorKind.Conflict"/> as above.</returns>
    /// <exception cref="ArgumentException"><paramref name="actor"/> is not a ledger token.</exception>
    public async Task<Outcome<SealedTemplate>> EnrolAsync(string actor, string subjectId, FaceTemplate reference, EnrolmentMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode));
        }

        if (!SubjectId.TryParse(subjectId, out var subject))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The subject id is not valid.", "subject");
        }

        if (!await _consent.MayProcessAsync(subjectId, cancellationToken).ConfigureAwait(false))
        {
            return new GovernanceError(GovernanceErrorKind.Refused, VerificationRefusal.NoConsent.Describe());
        }

        await RecoverOnceAsync(cancellationToken).ConfigureAwait(false);
        using var transformationKey = TemplateTransformationKey.Generate();
        var enrolmentId = $"enr_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        using (await _journal.LockAsync([subjectId], cancellationToken).ConfigureAwait(false))
        {
            var existing = await _store.FindAsync(subjectId, cancellationToken).ConfigureAwait(false);
            if (mode == EnrolmentMode.Onboard && existing is not null && await IsLiveAsync(existing, cancellationToken).ConfigureAwait(false))
            {
                return new GovernanceError(GovernanceErrorKind.Conflict, "The subject already has a live enrolment. Replacing it is a re-enrolment, which a controller asks for explicitly.");
            }

            // Everything that can be checked is checked, and the template sealed, before anything is written.
            var reason = mode == EnrolmentMode.ReEnrol ? "re-enrolment" : "renewal";
            var created = new EnrolmentPart(subjectId, transformationKey.Id, enrolmentId);
            var change = EnrolmentChange.New(reason, RemainsOf(subjectId, existing, keepLive: false), created);
            var events = RemovalEvents(actor, change.Remove, change.Remove.Where(p => p.EnrolmentId is not null).ToList(), reason)
                .Append(new AuditEvent(actor, AuditAction.Create, TransformationKeyCategory, subject, _purpose, from: "capture", to: "capture:keys", reference: transformationKey.Id))
                .Append(new AuditEvent(actor, AuditAction.Create, TemplateCategory, subject, _purpose, from: "capture", to: "store:templates", reference: enrolmentId))
                .ToList();
            var sealedTemplate = await ProtectAsync(subjectId, enrolmentId, transformationKey, CancelableTransform.Apply(transformationKey, reference), cancellationToken).ConfigureAwait(false);

            _journal.Write(change);
            try
            {
                _captureKeys.Add(subjectId, transformationKey);
                await _audit.RecordAsync(events, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Not committed: the new key goes, the old enrolment stays as it was.
                Compensate(() =>
                {
                    _captureKeys.Destroy([transformationKey.Id]);
                    _journal.Complete(change);
                    return Task.CompletedTask;
                });
                throw;
            }

            try
            {
                // Publishing replaces the old template in one step; its keys go after it.
                await _store.SaveAsync(sealedTemplate, cancellationToken).ConfigureAwait(false);
                _captureKeys.Destroy(KeyIds(change.Remove));
            }
            catch
            {
                // Committed but not published: undo the new enrolment and finish removing the old, as recovery would.
                Compensate(() => SettleAsync(actor, change, "onboarding-failed", CancellationToken.None));
                throw;
            }

            _journal.Complete(change);
            return sealedTemplate;
        }
    }

    /// <summary>
    /// Removes the subject's enrolment for <paramref name="reason"/>: the deletions of every transformation key of the
    /// subject and of the template are recorded in the ledger by <paramref name="actor"/>, then the keys are destroyed
    /// (crypto-shredded: a new epoch of the capture key store, so no backup brings them back) and the template deleted.
    /// Returns whether there was anything to remove.
    /// </summary>
    /// <exception cref="ArgumentException">The subject id or the actor is not valid.</exception>
    public async Task<bool> RemoveEnrolmentAsync(string actor, string subjectId, EnrolmentRemoval reason, CancellationToken cancellationToken)
    {
        if (!SubjectId.TryParse(subjectId, out _))
        {
            throw new ArgumentException("The subject id is not valid.", nameof(subjectId));
        }

        var token = reason switch
        {
            EnrolmentRemoval.Revocation => "revocation",
            EnrolmentRemoval.Withdrawal => "withdrawal",
            EnrolmentRemoval.Erasure => "erasure",
            _ => throw new ArgumentOutOfRangeException(nameof(reason)),
        };
        await RecoverOnceAsync(cancellationToken).ConfigureAwait(false);
        using (await _journal.LockAsync([subjectId], cancellationToken).ConfigureAwait(false))
        {
            var parts = RemainsOf(subjectId, await _store.FindAsync(subjectId, cancellationToken).ConfigureAwait(false), keepLive: false);
            var (keys, templates) = await RemoveAsync(actor, parts, token, cancellationToken).ConfigureAwait(false);
            return keys + templates > 0;
        }
    }

    /// <summary>Revokes the subject's enrolment, as this service: <see cref="RemoveEnrolmentAsync"/> for revocation.</summary>
    public Task<bool> RevokeEnrolmentAsync(string subjectId, CancellationToken cancellationToken) =>
        RemoveEnrolmentAsync(Actor, subjectId, EnrolmentRemoval.Revocation, cancellationToken);

    /// <summary>Revokes one enrolment, as this service: its key is destroyed and, if it is still the stored one, its template deleted.</summary>
    public async Task RevokeEnrolmentAsync(SealedTemplate enrolment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enrolment);
        await RecoverOnceAsync(cancellationToken).ConfigureAwait(false);
        using (await _journal.LockAsync([enrolment.SubjectId], cancellationToken).ConfigureAwait(false))
        {
            await RemoveAsync(Actor, [new EnrolmentPart(enrolment.SubjectId, enrolment.TransformationKeyId, enrolment.EnrolmentId)], "revocation", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The hook after a consent withdrawal or objection: when the subject may no longer be processed
    /// (<see cref="IConsentGate.MustEraseAsync"/>), their enrolment is removed for withdrawal. Returns whether anything
    /// was removed. A later consent then needs a new enrolment; the old one cannot come back.
    /// </summary>
    public async Task<bool> ShredIfWithdrawnAsync(string actor, string subjectId, CancellationToken cancellationToken) =>
        await _consent.MustEraseAsync(subjectId, cancellationToken).ConfigureAwait(false)
        && await RemoveEnrolmentAsync(actor, subjectId, EnrolmentRemoval.Withdrawal, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The biometric retention sweep (the server runs it on a timer, <c>obscura retention run</c> on demand): settles
    /// unfinished changes left by a crash or failure; removes, for withdrawal, the enrolment of every subject who may no
    /// longer be processed (<see cref="IConsentGate.MustEraseAsync"/>: a withdrawal whose hook did not run, an objection,
    /// an unknown subject); and removes, for retention, templates whose key is gone and keys that no template uses.
    /// Destructions are batched, one key-store epoch per batch of subjects.
    /// </summary>
    public async Task<BiometricRetentionReport> RunRetentionAsync(string actor, CancellationToken cancellationToken)
    {
        var (recovered, keys, templates) = await RecoverAsync(cancellationToken).ConfigureAwait(false);
        var subjects = (await _store.ListSubjectsAsync(cancellationToken).ConfigureAwait(false))
            .Union(_captureKeys.Subjects(), StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var withdrawn = 0;
        foreach (var batch in subjects.Chunk(SweepBatch))
        {
            using (await _journal.LockAsync(batch, cancellationToken).ConfigureAwait(false))
            {
                var erase = new List<EnrolmentPart>();
                var stale = new List<EnrolmentPart>();
                foreach (var subject in batch)
                {
                    var template = await _store.FindAsync(subject, cancellationToken).ConfigureAwait(false);
                    if (await _consent.MustEraseAsync(subject, cancellationToken).ConfigureAwait(false))
                    {
                        var parts = RemainsOf(subject, template, keepLive: false);
                        erase.AddRange(parts);
                        withdrawn += parts.Count > 0 ? 1 : 0;
                    }
                    else
                    {
                        stale.AddRange(RemainsOf(subject, template, keepLive: true));
                    }
                }

                var (k1, t1) = await RemoveAsync(actor, erase, "withdrawal", cancellationToken).ConfigureAwait(false);
                var (k2, t2) = await RemoveAsync(actor, stale, "retention", cancellationToken).ConfigureAwait(false);
                keys += k1 + k2;
                templates += t1 + t2;
            }
        }

        return new BiometricRetentionReport(recovered, withdrawn, keys, templates);
    }

    /// <summary>
    /// Settles every unfinished change whose subjects no live process holds (a crash or a failure left it): removes what
    /// it names and records that. Returns the changes settled and the keys and templates removed.
    /// </summary>
    internal async Task<(int Changes, int Keys, int Templates)> RecoverAsync(CancellationToken cancellationToken)
    {
        int changes = 0, keys = 0, templates = 0;
        foreach (var change in _journal.Pending())
        {
            using var held = _journal.TryLock(change.Parts.Select(p => p.SubjectId));
            if (held is null || !_journal.IsPending(change))
            {
                continue; // in flight in a live process, or finished meanwhile
            }

            var (k, t) = await SettleAsync(RecoveryActor, change, "recovery", cancellationToken).ConfigureAwait(false);
            changes++;
            keys += k;
            templates += t;
        }

        return (changes, keys, templates);
    }

    /// <summary>
    /// Undoes what a failed change did, keeping the failure's own exception for the caller: if undoing fails too (the
    /// ledger or the storage role is down), the change stays in the journal and recovery settles it later.
    /// </summary>
    private static void Compensate(Func<Task> undo)
    {
        try
        {
            undo().GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // The original failure is rethrown by the caller; this one is left to recovery.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task RecoverOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _recovered, 1) == 1)
        {
            return;
        }

        try
        {
            await RecoverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _recovered, 0);
            throw;
        }
    }

    /// <summary>Whether the enrolment can still verify: its key is active and its provider key is still published.</summary>
    private async Task<bool> IsLiveAsync(SealedTemplate enrolment, CancellationToken cancellationToken) =>
        _captureKeys.IsActive(enrolment.TransformationKeyId)
        && ((await MaterialAsync(refresh: false, cancellationToken).ConfigureAwait(false)).Generation(enrolment.EncryptionKeyId)
            ?? (await MaterialAsync(refresh: true, cancellationToken).ConfigureAwait(false)).Generation(enrolment.EncryptionKeyId)) is not null;

    /// <summary>
    /// What is stored of the subject's enrolments: the template (with its key) and every other key of theirs. With
    /// <paramref name="keepLive"/>, a template whose key is active and that key are left out (only remains are listed).
    /// </summary>
    private List<EnrolmentPart> RemainsOf(string subjectId, SealedTemplate? template, bool keepLive)
    {
        var parts = new List<EnrolmentPart>();
        if (template is not null && !(keepLive && _captureKeys.IsActive(template.TransformationKeyId)))
        {
            parts.Add(new EnrolmentPart(subjectId, template.TransformationKeyId, template.EnrolmentId));
        }

        parts.AddRange(_captureKeys.KeysOf(subjectId).Where(k => k != template?.TransformationKeyId).Select(k => new EnrolmentPart(subjectId, k, null)));
        return parts;
    }

    /// <summary>Journals a removal and settles it; returns the keys and templates removed.</summary>
    private async Task<(int Keys, int Templates)> RemoveAsync(string actor, List<EnrolmentPart> parts, string reason, CancellationToken cancellationToken)
    {
        if (parts.Count == 0)
        {
            return (0, 0);
        }

        var change = EnrolmentChange.New(reason, parts);
        _journal.Write(change);
        return await SettleAsync(actor, change, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes everything <paramref name="change"/> names that is still there: records the deletions, destroys the keys
    /// in one epoch, deletes the templates that are still the named enrolments, and completes the change. If the ledger
    /// cannot be written, nothing is destroyed and the change stays pending for recovery.
    /// </summary>
    private async Task<(int Keys, int Templates)> SettleAsync(string actor, EnrolmentChange change, string reason, CancellationToken cancellationToken)
    {
        var parts = change.Parts.ToList();
        var keys = parts.Where(p => p.TransformationKeyId is { } id && _captureKeys.IsActive(id)).DistinctBy(p => p.TransformationKeyId).ToList();
        var templates = new List<EnrolmentPart>();
        foreach (var part in parts.Where(p => p.EnrolmentId is not null).DistinctBy(p => p.EnrolmentId))
        {
            if ((await _store.FindAsync(part.SubjectId, cancellationToken).ConfigureAwait(false))?.EnrolmentId == part.EnrolmentId)
            {
                templates.Add(part);
            }
        }

        var events = RemovalEvents(actor, keys, templates, reason).ToList();
        if (events.Count > 0)
        {
            await _audit.RecordAsync(events, cancellationToken).ConfigureAwait(false);
        }

        _captureKeys.Destroy(KeyIds(keys));
        foreach (var template in templates)
        {
            await _store.DeleteAsync(template.SubjectId, template.EnrolmentId!, cancellationToken).ConfigureAwait(false);
        }

        _journal.Complete(change);
        return (keys.Count, templates.Count);
    }

    /// <summary>The ledger's Delete events: one per key in <paramref name="keys"/> that is active, one per template in <paramref name="templates"/>.</summary>
    private IEnumerable<AuditEvent> RemovalEvents(string actor, IEnumerable<EnrolmentPart> keys, IEnumerable<EnrolmentPart> templates, string reason) =>
        keys.Where(p => p.TransformationKeyId is { } id && _captureKeys.IsActive(id))
            .Select(p => new AuditEvent(actor, AuditAction.Delete, TransformationKeyCategory, Subject(p), _purpose, from: "capture:keys", to: reason, reference: LedgerToken(p.TransformationKeyId)))
            .Concat(templates.Select(p => new AuditEvent(actor, AuditAction.Delete, TemplateCategory, Subject(p), _purpose, from: "store:templates", to: reason, reference: LedgerToken(p.EnrolmentId))));

    // Ids read back from storage are not trusted to be ledger tokens: a malformed one is left out rather than stopping a removal.
    private static SubjectId? Subject(EnrolmentPart part) => SubjectId.TryParse(part.SubjectId, out var subject) ? subject : null;

    private static string? LedgerToken(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? id : null;

    private static List<string> KeyIds(IEnumerable<EnrolmentPart> parts) => [.. parts.Select(p => p.TransformationKeyId).OfType<string>().Distinct(StringComparer.Ordinal)];
}
