using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>
/// The vault's gate: whether a subject's data of a category may be processed for a purpose now. The purpose must
/// declare the category (GDPR Art. 5(1)(b), Art. 30(1)(c)); a special category (Art. 9) needs the purpose's Art. 9(2)
/// condition, and for explicit consent (Art. 9(2)(a)) the subject's explicit consent; the governance core's decision
/// covers the lawful basis, live consent, objection and the Art. 6(4) assessment of reuse. Data reused from the purpose
/// it was collected for must also still be lawfully held for that purpose: once consent for the collection is withdrawn
/// or the subject objects to it, the data serves no purpose at all (Art. 17(1)(b)).
/// </summary>
internal sealed class AccessGate(GovernanceService governance)
{
    /// <summary>
    /// Null when the purpose declares <paramref name="category"/> and, if it is special, has an Art. 9(2) condition;
    /// otherwise the refusal, naming the category and the purpose.
    /// </summary>
    public static GovernanceError? RefuseCategory(Purpose purpose, DataCategory category)
    {
        if (!purpose.Definition.DataCategories.Contains(category))
        {
            return new GovernanceError(GovernanceErrorKind.Refused,
                $"Purpose '{purpose.Id}' does not declare the data category '{category}' (it declares {string.Join(", ", purpose.Definition.DataCategories)}); data of other categories cannot be processed for it.", "category");
        }

        return category.IsSpecialCategory && purpose.Definition.SpecialCategoryCondition == SpecialCategoryCondition.None
            ? new GovernanceError(GovernanceErrorKind.Refused, $"'{category}' is a special category of data (GDPR Art. 9) and purpose '{purpose.Id}' names no Art. 9(2) condition.", "category")
            : null;
    }

    /// <summary>
    /// Null when data of <paramref name="category"/> about <paramref name="subject"/>, collected for
    /// <paramref name="collectedFor"/> (or for <paramref name="purpose"/> itself when null), may be processed for
    /// <paramref name="purpose"/> now; otherwise the refusal with every reason.
    /// </summary>
    public async Task<GovernanceError?> DenyAsync(SubjectId subject, PurposeId purpose, PurposeId? collectedFor, DataCategory category, CancellationToken cancellationToken)
    {
        var registered = await governance.GetPurposeAsync(purpose, cancellationToken).ConfigureAwait(false);
        var categoryRefusal = registered is null ? null : RefuseCategory(registered, category); // an unknown purpose is a denial reason below
        var reuse = collectedFor is { } c && c != purpose ? collectedFor : null;
        var reasons = (await governance.AuthorizeAsync(subject, purpose, reuse, cancellationToken).ConfigureAwait(false)).Reasons.ToList();
        if (reuse is { } source)
        {
            reasons.AddRange((await governance.AuthorizeAsync(subject, source, null, cancellationToken).ConfigureAwait(false)).Reasons);
        }

        if (reasons.Count == 0)
        {
            return categoryRefusal;
        }

        var why = string.Join(", ", reasons.Distinct());
        if (category.IsSpecialCategory && registered?.RequiresExplicitConsent == true
            && reasons.Any(r => r is DenialReason.ConsentMissing or DenialReason.ConsentWithdrawn or DenialReason.ExplicitConsentMissing))
        {
            why += $" (the special category '{category}' needs the subject's explicit consent, Art. 9(2)(a))";
        }

        return new GovernanceError(GovernanceErrorKind.Refused, $"Processing for '{purpose}' is not allowed: {why}." + (categoryRefusal is null ? "" : " " + categoryRefusal.Message), "purpose");
    }
}
