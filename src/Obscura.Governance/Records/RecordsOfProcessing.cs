using System.Collections.Frozen;
using Obscura.Governance.Assessments;
using Obscura.Governance.Purposes;

namespace Obscura.Governance.Records;

/// <summary>Records of processing activities (GDPR Art. 30), generated from registered purposes and assessments.</summary>
/// <param name="GeneratedAt">When they were generated.</param>
/// <param name="Controllers">One section per controller, ordered by name.</param>
public sealed record RecordsOfProcessing(DateTimeOffset GeneratedAt, IReadOnlyList<ControllerRecords> Controllers)
{
    /// <summary>EU member states plus Iceland, Liechtenstein and Norway: transfers outside these are third-country transfers.</summary>
    public static readonly FrozenSet<string> EeaCountries = new[]
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
        "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The measures Obscura itself applies to every activity it governs.</summary>
    public static readonly IReadOnlyList<string> PlatformMeasures =
    [
        "Data subjects are identified only by pseudonymous ids.",
        "Every creation, read, copy, movement, export and deletion of personal data is recorded in a tamper-evident audit ledger (RFC 9162 Merkle tree, ECDSA P-256 signed tree heads).",
        "Access is by API keys bound to roles (controller, processor, auditor, subject); every endpoint checks its role.",
        "Consent and objection take effect immediately for every processing decision.",
    ];

    /// <summary>Builds the records, with each purpose's accountability documents when <paramref name="accountability"/> holds them.</summary>
    public static RecordsOfProcessing Build(IEnumerable<Purpose> purposes, IReadOnlyList<CompatibilityAssessment> assessments, DateTimeOffset generatedAt, IReadOnlyDictionary<PurposeId, Accountability.PurposeAccountability>? accountability = null)
    {
        ArgumentNullException.ThrowIfNull(purposes);
        ArgumentNullException.ThrowIfNull(assessments);
        var controllers = purposes
            .GroupBy(p => p.Definition.Controller)
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new ControllerRecords(g.Key, g.OrderBy(p => p.Id.Value, StringComparer.Ordinal).Select(p => Activity(p, assessments) with { Accountability = accountability?.GetValueOrDefault(p.Id) }).ToList()))
            .ToList();
        return new RecordsOfProcessing(generatedAt, controllers);
    }

    private static ProcessingActivity Activity(Purpose p, IReadOnlyList<CompatibilityAssessment> assessments)
    {
        var d = p.Definition;
        var reuses = d.ReusesDataFrom.Select(from =>
        {
            var latest = assessments.LastOrDefault(a => a.Draft.FromPurpose == from && a.Draft.ToPurpose == d.Id);
            return new ReuseRecord(from, latest?.Draft.Outcome, latest?.AssessedAt);
        }).ToList();
        return new ProcessingActivity(
            d.Id,
            d.Name,
            d.Description,
            d.LawfulBasis,
            Provisions.Of(d.LawfulBasis),
            d.SpecialCategoryCondition,
            Provisions.Of(d.SpecialCategoryCondition),
            d.SubjectCategories,
            d.DataCategories,
            d.Processors,
            d.Processors.Where(o => !EeaCountries.Contains(o.Country)).ToList(),
            d.Retention.Days,
            reuses,
            PlatformMeasures);
    }
}
