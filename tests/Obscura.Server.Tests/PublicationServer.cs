using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;
using Obscura.StoreAnalytics.Simulation;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// A server with the store-analytics purpose registered (no accountability document yet) and one store registered with
/// its edge key, an API key of role Edge and the simulated store's edge configuration (for the notice).
/// </summary>
public sealed class PublicationServer : ServerFixture
{
    public static readonly PurposeId Purpose = SamplePurposes.StoreAnalytics.Id;

    private EdgeSigningKey? _signer;

    public EdgeConfiguration Configuration { get; } = new StoreSimulator(new SimulationOptions { GenuineAngles = [0.1], ImpostorCosine = 0.5 })
        .Configuration(GroupIdDefaults.Parameters, [.. Enumerable.Range(0, GroupIdDefaults.Parameters.Bits + 1).Select(l => Math.Pow(0.917, l))]);

    public string Store => Configuration.Store;

    public string EdgeKey { get; private set; } = "";

    public EdgeSigningKey Signer => _signer ?? throw new InvalidOperationException("Start the fixture first.");

    /// <summary>Registers the purpose and the store (once).</summary>
    public void Start()
    {
        if (_signer is not null)
        {
            return;
        }

        using var controller = As(Role.Controller);
        Assert.Equal(HttpStatusCode.Created, controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics)).GetAwaiter().GetResult().StatusCode);
        var file = Path.Combine(DataDirectory, "edge-configuration.json");
        File.WriteAllText(file, JsonSerializer.Serialize(Configuration, EdgeConfiguration.Json));
        _signer = EdgeSigningKey.Generate();
        EdgeKey = StoreBatches.Register(this, Store, "edge-sim", _signer, file);
    }

    /// <summary>Records an accountability document of the purpose through the API.</summary>
    public async Task RecordAsync<T>(string kind, T document)
    {
        using var controller = As(Role.Controller);
        using var response = await controller.PostAsync($"/v1/purposes/{Purpose}/{kind}", Json.Of(document));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{kind}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Records every document the report needs (LIA, DPIA, answered consultation, both processor reviews complete).</summary>
    public async Task CompleteForReportAsync()
    {
        await RecordAsync("legitimate-interests", SampleAccountability.Lia(Purpose));
        await RecordAsync("impact-assessment", SampleAccountability.Dpia(Purpose, ResidualRisk.High));
        await RecordAsync("prior-consultation", SampleAccountability.Consultation(Purpose, ConsultationOutcome.NoObjection));
        await RecordAsync("processor-reviews", SampleAccountability.Review(Purpose, "Analytics Cloud GmbH", complete: true));
        await RecordAsync("processor-reviews", SampleAccountability.Review(Purpose, "Insight Labs Inc.", complete: true));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _signer?.Dispose();
        }
    }
}
