using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>A recorded objection of an anonymous visitor (Art. 21), committed to the audit ledger.</summary>
/// <param name="Id">Opaque id (<c>vob_…</c>).</param>
/// <param name="Purpose">The purpose objected to.</param>
/// <param name="Store">The store.</param>
/// <param name="Date">The day of the visit.</param>
/// <param name="Channel">How it was made.</param>
/// <param name="RecordedAt">When it was recorded.</param>
/// <param name="Actor">Which key recorded it (the kiosk's or the form's).</param>
/// <param name="Reason">The grounds as written, when given.</param>
public sealed record VisitorObjection(string Id, PurposeId Purpose, string Store, DateOnly Date, string Channel, DateTimeOffset RecordedAt, string Actor, string? Reason = null)
{
    /// <summary>The longest reason accepted, in UTF-16 code units.</summary>
    public const int MaxReasonLength = 1000;

    /// <summary>The most objections one page lists.</summary>
    public const int MaxPageSize = 500;
}
