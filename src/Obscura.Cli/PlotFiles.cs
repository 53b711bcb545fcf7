using System.Globalization;
using Obscura.Biometrics.Evaluation;
using Obscura.Governance.Budgets;
using Obscura.ModelPrivacy.Audit;
using Obscura.Plots;
using Obscura.Security.Files;

namespace Obscura.Cli;

/// <summary>
/// The PNG plots the commands write: each turns a domain result into <see cref="Obscura.Plots"/> series and writes
/// the image owner-only and atomically (temporary file, then rename).
/// </summary>
internal static class PlotFiles
{
    /// <summary><c>obscura eval</c>: one DET curve per system, with its EER in the legend.</summary>
    public static void WriteDet(string path, IReadOnlyList<(string Name, VerificationMetrics Metrics)> systems) =>
        OwnerOnlyFiles.WriteAtomically(path, DetPlot.Render(DetSeriesOf(systems)));

    /// <summary>The DET series of <paramref name="systems"/>: the curve, the EER and the fewer of genuine and impostor trials.</summary>
    public static IReadOnlyList<DetSeries> DetSeriesOf(IReadOnlyList<(string Name, VerificationMetrics Metrics)> systems) =>
        [.. systems.Select(s => new DetSeries(
            s.Name,
            [.. s.Metrics.DetCurve().Select(p => new DataPoint(p.FalseMatchRate, p.FalseNonMatchRate))],
            s.Metrics.EqualErrorRate().FalseMatchRate,
            Math.Min(s.Metrics.GenuineCount, s.Metrics.ImpostorCount)))];

    /// <summary><c>obscura eval</c>: the mated and non-mated densities across keys and D↔(s), D↔sys in the title.</summary>
    public static void WriteUnlinkability(string path, Unlinkability linkage) =>
        OwnerOnlyFiles.WriteAtomically(path, UnlinkabilityPlot.Render(UnlinkabilityBinsOf(linkage), linkage.System));

    /// <summary>The bins of <paramref name="linkage"/>'s curve.</summary>
    public static IReadOnlyList<UnlinkabilityBin> UnlinkabilityBinsOf(Unlinkability linkage) =>
        [.. linkage.Curve.Select(b => new UnlinkabilityBin(b.Score, b.MatedDensity, b.NonMatedDensity, b.LocalLinkability))];

    /// <summary><c>obscura audit model</c>: every attack's ROC on log–log axes, AUC and TPR at 0.1 % FPR in the legend.</summary>
    public static void WriteRoc(string path, IReadOnlyList<AttackFigures> attacks) =>
        OwnerOnlyFiles.WriteAtomically(path, RocPlot.Render(RocSeriesOf(attacks)));

    /// <summary>One ROC series per attack, its AUC and TPR at 0.1 % FPR in the name.</summary>
    public static IReadOnlyList<RocSeries> RocSeriesOf(IReadOnlyList<AttackFigures> attacks) =>
        [.. attacks.Select(a => new RocSeries(
            string.Create(CultureInfo.InvariantCulture, $"{a.Attack}  AUC {a.Auc:0.000}  TPR@0.1% {a.TprAtFpr0001:0.0%}"),
            [.. a.Roc.Points().Select(p => new DataPoint(p.FalsePositiveRate, p.TruePositiveRate))],
            a.Roc.NonMemberCount,
            a.Roc.MemberCount))];

    /// <summary>
    /// <c>obscura dp budget show --plot</c>: the composed ε after each release against the budget. A charge stamped
    /// earlier than the one before it (another process's clock a little behind) is drawn at the earlier one's time, so
    /// the staircase keeps the order in which the ledger charged the releases.
    /// </summary>
    /// <exception cref="CliFailure">The file cannot be written (exit code <see cref="ExitCodes.Usage"/>).</exception>
    public static void WriteBudgetSpend(string path, PrivacyBudgetHistory history)
    {
        var budget = history.Budget;
        var spend = new List<BudgetSpend>(history.Spend.Count);
        var previous = budget.CreatedAt;
        foreach (var s in history.Spend)
        {
            previous = s.ChargedAt > previous ? s.ChargedAt : previous;
            spend.Add(new BudgetSpend(previous, s.EpsilonSpent));
        }

        var title = string.Create(CultureInfo.InvariantCulture, $"Privacy budget {budget.Dataset} for {budget.Purpose} (δ = {budget.Delta:G3})");
        var png = BudgetSpendPlot.Render(title, budget.CreatedAt, budget.Epsilon, spend);
        try
        {
            OwnerOnlyFiles.WriteAtomically(path, png);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure(ExitCodes.Usage, $"Cannot write the plot to {path}: {ex.Message}");
        }
    }
}
