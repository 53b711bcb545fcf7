using Microsoft.AspNetCore.Mvc;
using Obscura.Plots;
using Obscura.Storage.Reports;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// One registered report: what ran, its figures as a table, and its plots drawn on the server from the stored data
/// (PNG, with alt text). Shown only when the file has the SHA-256 the audit ledger registered for it; otherwise 409
/// with the reason (edited after registration, or planted without an entry).
/// </summary>
internal sealed class ReportModel(RegisteredReports reports, ILogger<ReportModel> log) : ConsolePageModel
{
    public string Name { get; private set; } = "";

    public PlotReport? Report { get; private set; }

    /// <summary>The ledger entry that registers the report.</summary>
    public long? LedgerSequence { get; private set; }

    public async Task OnGetAsync([FromQuery] string? name, CancellationToken cancellationToken)
    {
        Name = name ?? "";
        if (!RegisteredReports.IsValidName(name))
        {
            Error = "Name a report: /console/report?name=… (a-z, 0-9, '_' and '-').";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var (report, reading) = await ReportsModel.ReadAsync(reports, Name, log, cancellationToken);
        if (report is null)
        {
            Error = reading.Explanation;
            Response.StatusCode = StatusOf(reading.Status);
            return;
        }

        (Report, LedgerSequence) = (report, reading.LedgerSequence);
    }

    /// <summary>One of the report's plots as a PNG, drawn from its verified data.</summary>
    public async Task<IActionResult> OnGetPlotAsync([FromQuery] string? name, [FromQuery] string? plot, CancellationToken cancellationToken)
    {
        if (!RegisteredReports.IsValidName(name))
        {
            return BadRequest();
        }

        var (report, reading) = await ReportsModel.ReadAsync(reports, name!, log, cancellationToken);
        if (report is null)
        {
            return StatusCode(StatusOf(reading.Status));
        }

        if (!report.Plots.Any(p => p.Id == plot))
        {
            return NotFound();
        }

        try
        {
            return File(report.Render(plot!), "image/png");
        }
        catch (ArgumentException e)
        {
            log.LogWarning(e, "Report {Report}: plot {Plot} cannot be drawn.", name, plot);
            return StatusCode(StatusCodes.Status422UnprocessableEntity);
        }
    }

    private static int StatusOf(ReportStatus status) => status switch
    {
        ReportStatus.NotFound => StatusCodes.Status404NotFound,
        ReportStatus.Verified => StatusCodes.Status422UnprocessableEntity, // registered, but not a report this console reads
        _ => StatusCodes.Status409Conflict,
    };
}
