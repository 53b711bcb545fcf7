using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Obscura.Plots;

/// <summary>
/// A registered evaluation or audit report (<c>obscura eval --register</c>, <c>obscura audit model --register</c>):
/// what ran (command, dataset, time, tool version), its figures and the data of its plots, from which
/// <see cref="Render"/> draws the same PNGs the command writes. This type only describes and draws; reading and
/// writing files, and the ledger check, belong to the host that stores reports.
/// </summary>
/// <param name="SchemaVersion">The layout version, <see cref="CurrentSchemaVersion"/>.</param>
/// <param name="Name">The registered name (a file name in the data folder's reports folder).</param>
/// <param name="Kind"><see cref="EvaluationKind"/> or <see cref="MembershipAuditKind"/>.</param>
/// <param name="Command">The command that produced it, such as <c>obscura eval</c>.</param>
/// <param name="Dataset">What it ran on (the input file or folder as given).</param>
/// <param name="CreatedAt">When it was produced.</param>
/// <param name="ToolVersion">The version of the tool that produced it.</param>
/// <param name="Summary">A plain-language verdict for a DPO (the audit's), or <see langword="null"/>.</param>
/// <param name="Figures">Its figures, in reading order.</param>
/// <param name="Det">DET curves (evaluation), or <see langword="null"/>.</param>
/// <param name="Unlinkability">Unlinkability bins (evaluation), or <see langword="null"/>.</param>
/// <param name="SystemLinkability">D↔sys of the unlinkability estimate, with <paramref name="Unlinkability"/>.</param>
/// <param name="Roc">ROC curves per attack (membership audit), or <see langword="null"/>.</param>
public sealed record PlotReport(
    int SchemaVersion,
    string Name,
    string Kind,
    string Command,
    string Dataset,
    DateTimeOffset CreatedAt,
    string ToolVersion,
    string? Summary,
    IReadOnlyList<ReportFigure> Figures,
    IReadOnlyList<DetSeries>? Det,
    IReadOnlyList<UnlinkabilityBin>? Unlinkability,
    double? SystemLinkability,
    IReadOnlyList<RocSeries>? Roc)
{
    /// <summary>The layout this version writes and reads.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>A verification-accuracy and unlinkability evaluation (<c>obscura eval</c>).</summary>
    public const string EvaluationKind = "evaluation";

    /// <summary>A membership-inference audit of a model (<c>obscura audit model</c>).</summary>
    public const string MembershipAuditKind = "membership-audit";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The plots this report's data can draw, each with a caption and alt text stating its figures.</summary>
    public IReadOnlyList<ReportPlot> Plots
    {
        get
        {
            var plots = new List<ReportPlot>(3);
            if (Det is { Count: > 0 } det)
            {
                plots.Add(new ReportPlot(
                    "det",
                    "DET curves (false non-match rate against false match rate, probit axes)",
                    "DET curves: " + string.Join("; ", det.Select(s => Inv($"{s.Name}, equal error rate {s.EqualErrorRate:0.00%}"))) + "."));
            }

            if (Unlinkability is { Count: > 0 } && SystemLinkability is { } linkability)
            {
                plots.Add(new ReportPlot(
                    "unlinkability",
                    "Unlinkability across keys (mated and non-mated score densities)",
                    Inv($"Mated and non-mated comparison score densities across keys; system linkability D↔sys {linkability:0.000} (0 is fully unlinkable, 1 fully linkable).")));
            }

            if (Roc is { Count: > 0 } roc)
            {
                plots.Add(new ReportPlot(
                    "roc",
                    "Membership-inference ROC curves (log–log axes)",
                    "ROC curves of the membership-inference attacks on log–log axes: " + string.Join("; ", roc.Select(s => s.Name)) + "."));
            }

            return plots;
        }
    }

    /// <summary>Draws the plot <paramref name="plotId"/> (one of <see cref="Plots"/>) as a PNG.</summary>
    /// <exception cref="ArgumentException">The report has no such plot, or its data cannot be drawn.</exception>
    public byte[] Render(string plotId) => plotId switch
    {
        "det" when Det is { Count: > 0 } det => DetPlot.Render(det),
        "unlinkability" when Unlinkability is { Count: > 0 } bins && SystemLinkability is { } d => UnlinkabilityPlot.Render(bins, d),
        "roc" when Roc is { Count: > 0 } roc => RocPlot.Render(roc),
        _ => throw new ArgumentException($"This report has no plot '{plotId}'.", nameof(plotId)),
    };

    /// <summary>The report as UTF-8 JSON (camel case, indented): the bytes a host stores and hashes.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads a report from the UTF-8 JSON <see cref="ToJson"/> writes, and checks its layout.</summary>
    /// <exception cref="InvalidDataException">Not a report of <see cref="CurrentSchemaVersion"/>: unreadable JSON, a missing field, an unknown kind or a non-finite figure.</exception>
    public static PlotReport Parse(ReadOnlySpan<byte> json)
    {
        PlotReport? report;
        try
        {
            report = JsonSerializer.Deserialize<PlotReport>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a report file: {ex.Message}", ex);
        }

        if (report is null || report.SchemaVersion != CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Not a report of layout version {CurrentSchemaVersion}.");
        }

        if (report.Name is null || report.Command is null || report.Dataset is null || report.ToolVersion is null || report.Figures is null
            || report.Figures.Any(f => f is null || f.Label is null || !double.IsFinite(f.Value)))
        {
            throw new InvalidDataException("The report lacks a field or holds a figure that is not a finite number.");
        }

        if (report.Kind is not (EvaluationKind or MembershipAuditKind))
        {
            throw new InvalidDataException($"Unknown report kind '{report.Kind}'.");
        }

        return report;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
