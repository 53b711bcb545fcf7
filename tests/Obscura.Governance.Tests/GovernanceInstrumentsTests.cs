using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Obscura.Governance.Budgets;
using Obscura.Governance.Telemetry;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.TestSupport;

namespace Obscura.Governance.Tests;

/// <summary>The governance meter: ε charged by purpose and dataset, counted only for committed charges.</summary>
public sealed class GovernanceInstrumentsTests : IDisposable
{
    private const string Dataset = "telemetry-visits";

    private readonly GovernanceFixture _f = new();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(double Value, Dictionary<string, object?> Tags)> _charged = new();

    public GovernanceInstrumentsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GovernanceInstruments.MeterName && instrument.Name == "obscura.privacy.epsilon_charged")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            // Other tests in this process charge other datasets; only this test's dataset is counted.
            if (copy.GetValueOrDefault(GovernanceInstruments.DatasetTag) as string == Dataset)
            {
                _charged.Enqueue((value, copy));
            }
        });
        _listener.Start();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _listener.Dispose();
        _f.Dispose();
    }

    [Fact]
    public async Task Epsilon_charged_adds_each_committed_releases_increase_tagged_by_purpose_and_dataset_and_refusals_add_nothing()
    {
        var ledger = new PrivacyBudgetLedger(_f.Store, _f.Ledger, _f.Clock);
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await ledger.SetAsync(GovernanceFixture.Admin, Dataset, purpose, 1.0, 1e-6, Ct)).Succeeded);

        var first = (await ledger.ChargeAsync(GovernanceFixture.Admin, Dataset, purpose, new PrivacyCost.Pure(Rational.Of(1, 4)), "count", Ct)).Value!;
        Assert.Equal(first.EpsilonSpent, Assert.Single(_charged).Value, 12);
        Assert.True(first.EpsilonSpent > 0);
        Assert.True((await ledger.ChargeAsync(GovernanceFixture.Admin, Dataset, purpose, new PrivacyCost.Zcdp(Rational.Of(1, 1000)), "sum", Ct)).Succeeded);
        Assert.Equal(GovernanceErrorKind.Refused, (await ledger.ChargeAsync(GovernanceFixture.Admin, Dataset, purpose, new PrivacyCost.Pure(Rational.Of(9, 10)), "mean", Ct)).Error?.Kind);

        // Two committed charges; their increases add up to the composed ε the status reports (zCDP composes below a sum).
        Assert.Equal(2, _charged.Count);
        var status = (await ledger.GetStatusAsync(Dataset, purpose, Ct)).Value!;
        Assert.Equal(status.EpsilonSpent, _charged.Sum(c => c.Value), 9);
        Assert.All(_charged, c => Assert.Equal(purpose.Value, c.Tags[GovernanceInstruments.PurposeTag]));
        Assert.All(_charged, c => Assert.Equal([GovernanceInstruments.DatasetTag, GovernanceInstruments.PurposeTag], c.Tags.Keys.Order(StringComparer.Ordinal)));
    }
}
