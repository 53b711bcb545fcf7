using Microsoft.AspNetCore.Mvc;
using Obscura.Governance;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Server.Hosting;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Reporting;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// The store dashboard of a purpose (<see cref="StoreDashboard.Build"/> of the published report from the server's
/// inbox: visits per band, zone heat map, queue length over the day, flows, dwell), behind the publication gate: while
/// the governance is incomplete the page lists the blockers (409) and shows no number. No ε here: a page view must not
/// spend a privacy budget, so the console shows the k-suppressed report only.
/// </summary>
internal sealed class StoreModel(StorePublication publication) : ConsolePageModel
{
    /// <summary>The purpose asked for, as typed.</summary>
    public string Purpose { get; private set; } = "";

    /// <summary>The minimum cell size k.</summary>
    public int MinCell { get; private set; } = 5;

    /// <summary>What blocks publication, when the gate refused.</summary>
    public IReadOnlyList<string> Blockers { get; private set; } = [];

    /// <summary>The dashboard's sections, when published.</summary>
    public IReadOnlyList<DashboardSection> Sections { get; private set; } = [];

    public async Task OnGetAsync([FromQuery] string? purpose, [FromQuery] int? minCell, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(purpose))
        {
            return;
        }

        Sections = await BuildAsync(purpose, minCell, cancellationToken) ?? [];
    }

    /// <summary>One section's plot as PNG, drawn from the same published report.</summary>
    public async Task<IActionResult> OnGetPlotAsync([FromQuery] string? purpose, [FromQuery] int? minCell, [FromQuery] string? section, CancellationToken cancellationToken)
    {
        var sections = await BuildAsync(purpose ?? "", minCell, cancellationToken);
        return sections?.FirstOrDefault(s => s.Id == section)?.Png is { } png ? File(png.ToArray(), "image/png") : NotFound();
    }

    private async Task<IReadOnlyList<DashboardSection>?> BuildAsync(string purpose, int? minCell, CancellationToken cancellationToken)
    {
        Purpose = purpose;
        MinCell = minCell ?? 5;
        if (!PurposeId.TryParse(purpose, out var id))
        {
            Fail(new GovernanceError(GovernanceErrorKind.Invalid, "Expected a purpose id.", "purpose"));
            return null;
        }

        if (MinCell < 1)
        {
            Fail(new GovernanceError(GovernanceErrorKind.Invalid, "The minimum cell size is at least 1.", "minCell"));
            return null;
        }

        try
        {
            var published = await publication.ReportAsync(id, new ReportOptions(MinCell), null, cancellationToken);
            if (!published.Succeeded)
            {
                Fail(published.Error);
                return null;
            }

            return StoreDashboard.Build(published.Value!);
        }
        catch (PublicationRefusedException refused)
        {
            Blockers = refused.Blockers;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return null;
        }
    }
}
