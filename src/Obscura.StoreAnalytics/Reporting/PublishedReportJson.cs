using System.Text.Json;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Reporting;

/// <summary>
/// The published form of a <see cref="VisitorReport"/>: the JSON that <c>obscura store report</c> prints and
/// <c>GET /v1/store/report</c> returns, one shape for both front ends (k, ε, the suppressed and withheld counts and every
/// published cell; suppressed cells are null).
/// </summary>
public static class PublishedReportJson
{
    /// <summary>The report as JSON (camelCase, enums as names, indented).</summary>
    public static string Serialize(VisitorReport report, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(options);
        return JsonSerializer.Serialize(
            new
            {
                minimumCell = options.MinimumCell,
                visitsEpsilon = options.VisitsEpsilon?.ToString(),
                report.Suppressed,
                report.Withheld,
                report.Visits,
                report.Dwell,
                report.Queues,
                report.Returning,
                report.Flows,
                report.ZoneBands,
                comparison = report.Comparison.Select(c => new { c.Store, c.Visits, c.ReturningShare, c.MinutesPerVisit }),
            },
            EdgeConfiguration.Json);
    }
}
