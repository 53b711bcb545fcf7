using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>A data folder whose store-analytics purpose has complete governance, recorded through the CLI.</summary>
internal static class StoreGovernance
{
    public static readonly PurposeId Purpose = SamplePurposes.StoreAnalytics.Id;

    /// <summary>Each document <c>accountability record</c> takes, by kind, for a complete record of the purpose.</summary>
    public static IEnumerable<(string Kind, object Document)> Documents() =>
    [
        ("legitimate-interests", SampleAccountability.Lia(Purpose)),
        ("impact-assessment", SampleAccountability.Dpia(Purpose)),
        ("prior-consultation", SampleAccountability.Consultation(Purpose, ConsultationOutcome.NoObjection)),
        .. SamplePurposes.StoreAnalytics.Processors.Select(p => ("processor-review", (object)SampleAccountability.Review(Purpose, p.Name, complete: true))),
        ("notice-particulars", SampleAccountability.Particulars(Purpose)),
    ];

    /// <summary>Creates the data folder <paramref name="data"/>, registers the purpose and records every document.</summary>
    public static async Task PrepareAsync(string data, string scratch, bool complete = true)
    {
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", data, "init")).Code);
        var register = await Cli.RunAsync("--data", data, "purposes", "register", "--file", WriteJson(scratch, SamplePurposes.StoreAnalytics));
        Assert.True(register.Code == ExitCodes.Success, register.Err);
        if (complete)
        {
            foreach (var (kind, document) in Documents())
            {
                var recorded = await RecordAsync(data, scratch, kind, document);
                Assert.True(recorded.Code == ExitCodes.Success, recorded.Err);
            }
        }
    }

    public static Task<(int Code, string Out, string Err)> RecordAsync(string data, string scratch, string kind, object document) =>
        Cli.RunAsync("--data", data, "accountability", "record", "--purpose", Purpose.Value, "--kind", kind, "--file", WriteJson(scratch, document));

    public static string WriteJson(string scratch, object value)
    {
        var path = Path.Combine(scratch, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(value, value.GetType(), GovernanceJson.Indented));
        return path;
    }
}
