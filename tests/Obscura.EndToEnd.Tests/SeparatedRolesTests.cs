using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Serialization;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// The separated deployment: key holder, comparison and storage as three server processes, each with its own folder
/// and only its own keys, and the full API as a fourth that reaches them over HTTP. Driven by the CLI process.
/// </summary>
public sealed class SeparatedRolesTests : IDisposable
{
    private const string Token = "test-service-token-0123456789abcdef0123456789";
    private static readonly Dictionary<string, string> Environment = new() { ["Obscura__ServiceToken"] = Token };
    private readonly TempDirectory _dir = new();
    private readonly Random _random = new(5);

    public void Dispose() => _dir.Dispose();

    private string Folder(string role) => Path.Combine(_dir.Path, role);

    [Fact]
    public async Task Four_processes_onboard_verify_rotate_and_refuse_a_tampered_template_each_with_only_its_own_keys()
    {
        await using var keys = await RunningServer.StartAsync(Folder("keys"), Environment, "--Obscura:Role", "KeyHolder");
        await using var storage = await RunningServer.StartAsync(Folder("storage"), Environment, "--Obscura:Role", "Storage");
        await using var comparison = await RunningServer.StartAsync(Folder("comparison"), Environment, "--Obscura:Role", "Comparison", "--Obscura:KeyHolderUrl", keys.Url.ToString());
        await using var front = await RunningServer.StartAsync(
            Folder("front"),
            Environment,
            "--Obscura:KeyHolderUrl", keys.Url.ToString(), "--Obscura:ComparisonUrl", comparison.Url.ToString(), "--Obscura:StorageUrl", storage.Url.ToString());
        var apiKey = (await File.ReadAllTextAsync(Path.Combine(Folder("front"), DataFolder.BootstrapKeyFileName), Ct)).Trim();
        Task<(int Code, string Out, string Err)> Cli(params string[] args) => Built.RunCliAsync(["--server", front.Url.ToString(), "--api-key", apiKey, .. args]);

        Assert.Equal(ExitCodes.Success, (await Cli("purposes", "register", "--file", Write(JsonSerializer.Serialize(SamplePurposes.IdentityVerification, GovernanceJson.Indented)))).Code);
        foreach (var subject in new[] { "ivy", "jon" })
        {
            Assert.Equal(ExitCodes.Success, (await Cli("subjects", "register", "--id", subject)).Code);
            Assert.Equal(ExitCodes.Success, (await Cli("consent", "give", "--subject", subject, "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "app", "--explicit")).Code);
        }

        var ivy = Vector(1.0);
        var jon = Vector(1.0);
        var onboard = await Cli("faces", "onboard", "--subject", "ivy", "--embedding", Capture(ivy));
        Assert.True(onboard.Code == ExitCodes.Success, onboard.Err + onboard.Out);
        Assert.Equal(ExitCodes.Success, (await Cli("faces", "onboard", "--subject", "jon", "--embedding", Capture(jon))).Code);
        var genuine = await Cli("faces", "verify", "--subject", "ivy", "--embedding", Capture(ivy));
        Assert.True(genuine.Code == ExitCodes.Success, genuine.Err + genuine.Out);
        Assert.Equal(ExitCodes.Refused, (await Cli("faces", "verify", "--subject", "ivy", "--embedding", Capture(jon))).Code);

        // Each folder holds only its role's material.
        string[] Files(string role) => Directory.Exists(Folder(role)) ? [.. Directory.EnumerateFiles(Folder(role), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Folder(role), f))] : [];
        Assert.True(Files("comparison").Length == 0, string.Join(", ", Files("comparison")));
        Assert.All(Files("storage"), f => Assert.StartsWith(Path.Combine("biometrics", "templates"), f, StringComparison.Ordinal));
        Assert.Equal(2, Files("storage").Length);
        Assert.Contains(Files("keys"), f => f.Contains("hek_", StringComparison.Ordinal));
        Assert.Contains(Files("keys"), f => f.Contains("seal_", StringComparison.Ordinal));
        Assert.DoesNotContain(Files("keys"), f => f.Contains("ttk_", StringComparison.Ordinal) || f.Contains("templates", StringComparison.Ordinal));
        Assert.DoesNotContain(Files("front"), f => f.Contains("hek_", StringComparison.Ordinal) || f.Contains("seal_", StringComparison.Ordinal) || f.Contains("templates", StringComparison.Ordinal));

        // A role service refuses callers without the deployment's token.
        using (var anonymous = new HttpClient { BaseAddress = storage.Url })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/roles/storage/subjects", Ct)).StatusCode);
            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            Assert.Equal(["ivy", "jon"], (await anonymous.GetFromJsonAsync<JsonElement>("/v1/roles/storage/subjects", Ct)).GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));
        }

        // Rotation through the four processes: both templates move to new keys and still verify.
        var rotation = await Cli("faces", "rotate-keys");
        Assert.True(rotation.Code == ExitCodes.Success, rotation.Err + rotation.Out);
        Assert.Equal(2, JsonDocument.Parse(rotation.Out).RootElement.GetProperty("switched").GetInt32());
        Assert.Equal(ExitCodes.Success, (await Cli("faces", "verify", "--subject", "ivy", "--embedding", Capture(ivy))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli("faces", "verify", "--subject", "jon", "--embedding", Capture(jon))).Code);

        // Storage changes a stored ciphertext: the comparison process finds the broken seal.
        var stored = Directory.EnumerateFiles(Path.Combine(Folder("storage"), "biometrics", "templates"), "*.json")
            .Single(f => JsonDocument.Parse(File.ReadAllBytes(f)).RootElement.GetProperty("SubjectId").GetString() == "ivy");
        var template = JsonDocument.Parse(await File.ReadAllBytesAsync(stored, Ct)).RootElement;
        var ciphertext = template.GetProperty("Ciphertext").GetBytesFromBase64();
        ciphertext[300] ^= 1;
        var tampered = template.EnumerateObject().ToDictionary(p => p.Name, p => p.Name == "Ciphertext" ? JsonSerializer.SerializeToElement(ciphertext) : p.Value.Clone());
        await File.WriteAllTextAsync(stored, JsonSerializer.Serialize(tampered), Ct);
        var broken = await Cli("faces", "verify", "--subject", "ivy", "--embedding", Capture(ivy));
        Assert.Equal(ExitCodes.Refused, broken.Code);
        Assert.Contains("seal", broken.Err, StringComparison.Ordinal);

        // With the comparison process gone, the front end says which role failed.
        await comparison.DisposeAsync();
        var down = await Cli("faces", "verify", "--subject", "jon", "--embedding", Capture(jon));
        Assert.NotEqual(ExitCodes.Success, down.Code);
        Assert.Contains("comparison", down.Err, StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Capture(float[] identity) =>
        Write(JsonSerializer.Serialize(identity.Zip(Vector(0.5), (a, b) => a + b).ToArray()));

    private float[] Vector(double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()) * norm / Math.Sqrt(128)))];

    private string Write(string content)
    {
        var path = Path.Combine(_dir.Path, $"in-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, content);
        return path;
    }
}
