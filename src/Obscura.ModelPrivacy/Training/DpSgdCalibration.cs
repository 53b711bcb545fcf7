using Obscura.Governance;
using Obscura.Governance.Budgets;
using Obscura.Governance.Purposes;
using Obscura.Privacy.Accounting;

namespace Obscura.ModelPrivacy.Training;

/// <summary>
/// How a DP-SGD run is calibrated, charged and reported, shared by <c>obscura train</c> and the server's train jobs:
/// σ for a target ε by the chosen accountant, the budget charge (refused before any training when the budget's δ is
/// not below 1/examples or the run does not fit), and the privacy section of the report.
/// </summary>
public static class DpSgdCalibration
{
    /// <summary>The calibrations <see cref="NoiseMultiplierFor"/> accepts.</summary>
    public static IReadOnlyList<string> Accountants { get; } = ["tightest", "pld", "rdp"];

    /// <summary>
    /// σ for the target by the chosen calibration: 'tightest' takes the smaller of the PLD and RDP noise multipliers
    /// (either is valid; one that cannot reach the target, such as a PLD beyond its grid, is left out).
    /// </summary>
    /// <exception cref="ArgumentException">The target cannot be reached.</exception>
    public static double NoiseMultiplierFor(string accountant, double target, double delta, double samplingRate, long steps)
    {
        if (accountant == "pld")
        {
            return PldAccountant.NoiseMultiplierFor(target, delta, samplingRate, steps);
        }

        var rdp = PrivacyAccountant.NoiseMultiplierFor(target, delta, samplingRate, steps);
        if (accountant == "rdp")
        {
            return rdp;
        }

        try
        {
            return Math.Min(rdp, PldAccountant.NoiseMultiplierFor(target, delta, samplingRate, steps));
        }
        catch (ArgumentOutOfRangeException)
        {
            return rdp;
        }
    }

    /// <summary>The ε of one run of <paramref name="cost"/> at <paramref name="delta"/> by the tighter accountant.</summary>
    public static AccountedEpsilon Accounted(PrivacyCost cost, double delta)
    {
        var single = new PrivacyAccountant();
        single.Add(cost);
        return single.TightestEpsilonFor(delta);
    }

    /// <summary>
    /// Charges the run to the dataset's budget for the purpose, as <c>obscura train</c> does: refused (nothing charged)
    /// when the budget's δ is not below 1/<paramref name="examples"/>, since the ledger accounts at the budget's δ.
    /// </summary>
    public static async Task<Outcome<PrivacyBudgetStatus>> ChargeAsync(
        PrivacyBudgetLedger budgets, Actor actor, string dataset, PurposeId purpose, PrivacyCost.SubsampledGaussian cost, int examples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        var status = await budgets.GetStatusAsync(dataset, purpose, cancellationToken).ConfigureAwait(false);
        if (status.Succeeded && !(status.Value!.Budget.Delta < 1.0 / examples))
        {
            // A δ of 1/n or more allows leaking one person's record outright.
            return new GovernanceError(
                GovernanceErrorKind.Refused,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The budget's δ = {status.Value.Budget.Delta:G3} is not below 1/examples = {1.0 / examples:G3}: DP-SGD is not charged to it; set a budget with a smaller δ."),
                "delta");
        }

        return await budgets.ChargeAsync(actor, dataset, purpose, cost, "dp-sgd", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The <c>privacy</c> section of a training report.</summary>
    public static object Report(PrivacyCost.SubsampledGaussian cost, double delta, string calibration, float clip)
    {
        ArgumentNullException.ThrowIfNull(cost);
        var accounted = Accounted(cost, delta);
        return new
        {
            epsilon = accounted.Epsilon,
            accountant = accounted.MethodToken,
            epsilonRdp = accounted.RdpEpsilon,
            epsilonPld = accounted.PldEpsilon,
            calibration,
            delta,
            noiseMultiplier = cost.NoiseMultiplier,
            samplingRate = cost.SamplingRate,
            clip,
        };
    }
}
