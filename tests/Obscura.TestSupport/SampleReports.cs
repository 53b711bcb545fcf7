using Obscura.Plots;

namespace Obscura.TestSupport;

/// <summary>Small, fixed evaluation and audit reports for the console's report pages (the figures are made up).</summary>
public static class SampleReports
{
    /// <summary>An <c>obscura eval</c> report: three figures, two DET series and an unlinkability histogram.</summary>
    public static PlotReport Evaluation(string name) => new(
        PlotReport.CurrentSchemaVersion,
        name,
        PlotReport.EvaluationKind,
        "obscura eval",
        "/data/embeddings.csv",
        new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero),
        "9.9.9-test",
        null,
        [
            new ReportFigure("Templates", 90, ReportFigure.CountUnit, false),
            new ReportFigure("EER, plaintext", 0.0325, ReportFigure.RateUnit, true),
            new ReportFigure("System linkability D↔sys", 0.125, null, true),
        ],
        [
            new DetSeries("Plaintext", [new DataPoint(0.001, 0.2), new DataPoint(0.0325, 0.0325), new DataPoint(0.3, 0.001)], 0.0325, 90),
            new DetSeries("Encrypted", [new DataPoint(0.001, 0.21), new DataPoint(0.035, 0.035), new DataPoint(0.3, 0.002)], 0.035, 90),
        ],
        [new UnlinkabilityBin(0.1, 2, 1, 0.5), new UnlinkabilityBin(0.2, 1, 2, 0.1)],
        0.125,
        null);

    /// <summary>An <c>obscura audit model</c> report: a verdict, one figure and one ROC series.</summary>
    public static PlotReport Audit(string name) => new(
        PlotReport.CurrentSchemaVersion,
        name,
        PlotReport.MembershipAuditKind,
        "obscura audit model",
        "/data/fashion-mnist",
        new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero),
        "9.9.9-test",
        "The model leaks membership.",
        [new ReportFigure("AUC, lira-online", 0.8125, null, true)],
        null,
        null,
        null,
        [new RocSeries("lira-online  AUC 0.812", [new DataPoint(0, 0), new DataPoint(0.01, 0.2), new DataPoint(1, 1)], 200, 200)]);
}
