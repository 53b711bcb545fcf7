using System.Globalization;
using Obscura.Plots;
using Obscura.Storage.Reports;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// The registered evaluation and audit reports (<c>obscura eval --register</c>, <c>obscura audit model --register</c>):
/// name, kind, date and headline figures of each report whose file still has the SHA-256 its ledger entry holds; a
/// report that fails that check is listed as NOT VERIFIED with the reason, and none of its content is shown.
/// </summary>
internal sealed class ReportsModel(RegisteredReports reports, ILogger<ReportsModel> log) : ConsolePageModel
{
    /// <summary>One row: the report when verified and readable, else why not.</summary>
    public sealed record Row(string Name, PlotReport? Report, string? Problem);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        foreach (var name in reports.ListNames())
        {
            rows.Add(await ReadAsync(reports, name, log, cancellationToken) switch
            {
                (PlotReport report, _) => new Row(name, report, null),
                (_, var problem) => new Row(name, null, problem.Explanation),
            });
        }

        Rows = rows;
    }

    /// <summary>Reads and checks <paramref name="name"/>: the parsed report when its file is the registered one and a readable report, else the reading that says why not.</summary>
    public static async Task<(PlotReport? Report, ReportReading Reading)> ReadAsync(RegisteredReports reports, string name, ILogger log, CancellationToken cancellationToken)
    {
        ReportReading reading;
        try
        {
            reading = await reports.ReadAsync(name, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogError(e, "The console could not read a report file.");
            return (null, new ReportReading(name, ReportStatus.NotRegistered, null, null, "The report file cannot be read; see the server's log."));
        }

        if (!reading.IsVerified)
        {
            log.LogWarning("Report {Report} refused: {Status}.", name, reading.Status);
            return (null, reading);
        }

        try
        {
            var report = PlotReport.Parse(reading.Content);
            return report.Name == name
                ? (report, reading)
                : (null, reading with { Status = ReportStatus.Altered, Content = null, Explanation = $"The registered file of '{name}' names another report ('{report.Name}')." });
        }
        catch (InvalidDataException e)
        {
            return (null, reading with { Content = null, Explanation = $"The registered file of '{name}' is not a report this console reads: {e.Message}" });
        }
    }

    /// <summary>A figure as the pages show it: rates as percentages, counts whole, other numbers to four decimals.</summary>
    public static string Format(ReportFigure figure) => figure.Unit switch
    {
        ReportFigure.RateUnit => (100 * figure.Value).ToString("0.00", CultureInfo.InvariantCulture) + " %",
        ReportFigure.CountUnit => figure.Value.ToString("0", CultureInfo.InvariantCulture),
        _ => figure.Value.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    /// <summary>The kind in words.</summary>
    public static string KindOf(PlotReport report) => report.Kind switch
    {
        PlotReport.EvaluationKind => "verification evaluation",
        PlotReport.MembershipAuditKind => "membership-inference audit",
        _ => report.Kind,
    };
}
