using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>Versioned minimisation policies and the deterministic, stratified selection of the training subset under them.</summary>
internal sealed class TrainingSelection(VaultRuntime vault, AccessGate gate)
{
    public async Task<Outcome<MinimisationPolicy>> SetPolicyAsync(string actor, PurposeId purpose, double fraction, IReadOnlyList<string> stratifyBy, int? maxRecords, string justification, string approvedBy, IReadOnlyList<string>? allowedFields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stratifyBy);
        // The ledger's own validation of the actor, before anything is looked up or written.
        _ = new AuditEvent(actor, AuditAction.Create, VaultLedger.PolicyCategory);
        if (purpose.Value is null || await vault.Governance.GetPurposeAsync(purpose, cancellationToken).ConfigureAwait(false) is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{purpose}' is not registered.", "purpose");
        }

        if (!(fraction > 0 && fraction <= 1))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The fraction lies in (0, 1].", "fraction");
        }

        if (maxRecords is < 1)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The maximum number of records is at least 1.", "maxRecords");
        }

        if (string.IsNullOrWhiteSpace(justification) || justification.Trim().Length < MinimisationPolicy.MinJustificationLength)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"A policy version needs a written justification of at least {MinimisationPolicy.MinJustificationLength} characters.", "justification");
        }

        if (string.IsNullOrWhiteSpace(approvedBy))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A policy version names who approved it.", "approvedBy");
        }

        if (stratifyBy.FirstOrDefault(k => !VaultLayout.IsToken(k)) is { } badKey)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"'{badKey}' is not a label key.", "stratifyBy");
        }

        string[]? fields = null;
        if (allowedFields is not null)
        {
            foreach (var field in allowedFields)
            {
                if (!TrainingExportRequest.IsField(field))
                {
                    return new GovernanceError(GovernanceErrorKind.Invalid, $"'{field}' is not an export field: use {string.Join(", ", TrainingExportRequest.KnownFields)} and label:KEY.", "allowedFields");
                }
            }

            fields = [.. allowedFields.Distinct(StringComparer.Ordinal)];
            if (fields.Length == 0)
            {
                return new GovernanceError(GovernanceErrorKind.Invalid, "A list of allowed fields names at least one field; leave it out for no restriction.", "allowedFields");
            }
        }

        // Stored to the millisecond: the version returned is the one read back, so its digest is the one recorded.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(vault.Now.ToUnixTimeMilliseconds());
        var (policy, seq) = vault.Catalog.InsertPolicy(purpose, version => new MinimisationPolicy(purpose, version, fraction, [.. stratifyBy], maxRecords, justification.Trim(), approvedBy.Trim(), now, fields),
            vault.Writer, p => VaultLedger.PolicyRecorded(actor, p));
        await vault.Outbox.FlushAsync(seq, cancellationToken).ConfigureAwait(false);
        return policy;
    }

    public IReadOnlyList<MinimisationPolicy> Policies(PurposeId? purpose) => vault.Catalog.Policies(purpose);

    public async Task<Outcome<SubsetSelectionResult>> SelectAsync(PurposeId purpose, int? version, CancellationToken cancellationToken)
    {
        var policies = purpose.Value is null ? [] : vault.Catalog.Policies(purpose);
        var policy = version is null ? (policies.Count > 0 ? policies[^1] : null) : policies.FirstOrDefault(p => p.Version == version);
        if (policy is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{purpose}' has no minimisation policy{(version is null ? "" : $" version {version}")}; training uses only a documented subset.", "purpose");
        }

        var now = vault.Now;
        var allowed = new Dictionary<(SubjectId, PurposeId, DataCategory), bool>();
        var eligible = new List<VaultObject>();
        foreach (var o in vault.Catalog.Stored().Select(r => r.Metadata).Where(o => o.ExpiresAt > now))
        {
            if (!allowed.TryGetValue((o.Subject, o.Purpose, o.Category), out var ok))
            {
                ok = await gate.DenyAsync(o.Subject, purpose, o.Purpose, o.Category, cancellationToken).ConfigureAwait(false) is null;
                allowed[(o.Subject, o.Purpose, o.Category)] = ok;
            }

            if (ok)
            {
                eligible.Add(o);
            }
        }

        var chosen = SubsetSelection.Choose(
            eligible.Select(o => new SelectionCandidate(o.Id, string.Join('|', policy.StratifyBy.Select(k => o.Labels.TryGetValue(k, out var v) ? v : "")))),
            policy.Fraction,
            policy.MaxRecords,
            $"{policy.Purpose}/v{policy.Version}");
        var byId = eligible.ToDictionary(o => o.Id, StringComparer.Ordinal);
        var subjects = chosen.Select(id => byId[id].Subject).Distinct().OrderBy(s => s.Value, StringComparer.Ordinal).ToArray();
        var result = new SubsetSelectionResult(policy, now, eligible.Count, chosen, subjects);
        vault.Catalog.SaveSelection(result);
        return result;
    }
}
