using System.Diagnostics.Metrics;

namespace Obscura.Governance.Telemetry;

/// <summary>
/// The governance core's metrics (System.Diagnostics.Metrics; any listener, OpenTelemetry included, may collect them).
/// Tags are controller-defined names only: a purpose id or a dataset name, never a subject, an actor or a key.
/// </summary>
public static class GovernanceInstruments
{
    /// <summary>The meter's name: <c>Obscura.Governance</c>.</summary>
    public const string MeterName = "Obscura.Governance";

    /// <summary>Tag naming the purpose a privacy budget is for (a controller-defined purpose id).</summary>
    public const string PurposeTag = "obscura.purpose";

    /// <summary>Tag naming the dataset a privacy budget is for (a controller-defined dataset name).</summary>
    public const string DatasetTag = "obscura.dataset";

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>obscura.ledger.appends</c>: signed appends to the audit ledger (one signed head each).</summary>
    internal static readonly Counter<long> LedgerAppends = Meter.CreateCounter<long>("obscura.ledger.appends", "{append}", "Signed appends to the audit ledger (one new signed tree head each).");

    /// <summary><c>obscura.ledger.append.batch_size</c>: events per signed append.</summary>
    internal static readonly Histogram<int> LedgerBatchSize = Meter.CreateHistogram<int>(
        "obscura.ledger.append.batch_size",
        "{event}",
        "Events written by one signed append to the audit ledger.",
        tags: null,
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 100, 1000] });

    /// <summary><c>obscura.privacy.epsilon_charged</c>: ε charged to privacy budgets, tagged by purpose and dataset.</summary>
    internal static readonly Counter<double> EpsilonCharged = Meter.CreateCounter<double>("obscura.privacy.epsilon_charged", "{epsilon}", "Increase of the composed ε of a privacy budget by the releases charged to it, by purpose and dataset.");
}
