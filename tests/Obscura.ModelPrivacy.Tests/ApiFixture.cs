using Obscura.Governance.Ledger;
using Obscura.ModelPrivacy.Serving;
using Obscura.TestSupport;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>A governance core and a classifier registry over one temporary data folder, with a manual clock.</summary>
internal sealed class ApiFixture : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly QueryMonitorOptions? _monitor;

    public ApiFixture(QueryMonitorOptions? monitor = null)
    {
        _monitor = monitor;
        Governance = new GovernanceFixture();
        Registry = OpenRegistry();
    }

    /// <summary>A fixture whose registry gives every answer the scores its policy allows: for tests of the other defences, not of the score budget.</summary>
    public static ApiFixture WithoutScoreBudget() => new(new QueryMonitorOptions { ScoreAnswerShare = 1e6 });

    public GovernanceFixture Governance { get; }

    public ClassifierRegistry Registry { get; }

    public string DataFolder => _dir.Path;

    /// <summary>Another registry over the same folder and ledger: what a second process sees.</summary>
    public ClassifierRegistry OpenRegistry(QueryMonitorOptions? monitor = null) =>
        ClassifierRegistry.Open(_dir.Path, new AuditTrail(Governance.Store, Governance.Ledger), Governance.Clock, monitor ?? _monitor);

    /// <summary>Registers <paramref name="file"/> as <c>victim</c> with no rate or total limit.</summary>
    public async Task RegisterVictimAsync(byte[] file, OutputPolicy output, ServingPolicy? limits = null)
    {
        var policy = (limits ?? new ServingPolicy { RatePerSecond = 0, MaxQueries = null }) with { Output = output };
        var registered = await Registry.RegisterAsync("test:admin", "victim", file, policy, CancellationToken.None);
        Assert.True(registered.Succeeded, registered.Error?.Message);
    }

    public void Dispose()
    {
        Registry.Dispose();
        Governance.Dispose();
        _dir.Dispose();
    }
}
