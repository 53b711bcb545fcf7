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
    private const string CaptureCredential = "capture-role-credential-0123456789abcdef01";
    private const string ComparisonCredential = "comparison-role-credential-0123456789abcdef";
    private const string StorageCredential = "storage-role-credential-0123456789abcdef012";
    private readonly TempDirectory _dir = new();
    private readonly Random _random = new(5);

    public void Dispose() => _dir.Dispose();

    private string Folder(string role) => Path.Combine(_dir.Path, role);

    private static string Sha256(string secret) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    [Fact]
    public async Task Four_processes_onboard_verify_rotate_and_refuse_a_tampered_template_each_with_only_its_own_keys()
    {
        // Each process holds its own secret and only the SHA-256 of the credentials of the roles that may call it.
        var attestationKey = await Built.RunCliAsync("--data", Folder("comparison"), "faces", "attestation-key");
        Assert.True(attestationKey.Code == ExitCodes.Success, attestationKey.Err);
        Dictionary<string, string> Callers(params (string Role, string Secret)[] callers) => callers.ToDictionary(c => $"Obscura__RoleCredentials__{c.Role}", c => Sha256(c.Secret));
        var keyHolderEnvironment = Callers(("Capture", CaptureCredential), ("Comparison", ComparisonCredential), ("Storage", StorageCredential));
        var comparisonEnvironment = new Dictionary<string, string>(Callers(("Capture", CaptureCredential))) { ["Obscura__RoleCredential"] = ComparisonCredential };
        await using var keys = await RunningServer.StartAsync(Folder("keys"), keyHolderEnvironment, "--Obscura:Role", "KeyHolder", "--Obscura:ComparisonAttestationKey", attestationKey.Out.Trim());
        await using var storage = await RunningServer.StartAsync(Folder("storage"), Callers(("Capture", CaptureCredential)), "--Obscura:Role", "Storage");
        await using var comparison = await RunningServer.StartAsync(Folder("comparison"), comparisonEnvironment, "--Obscura:Role", "Comparison", "--Obscura:KeyHolderUrl", keys.Url.ToString());
        await using var front = await RunningServer.StartAsync(
            Folder("front"),
            new Dictionary<string, string> { ["Obscura__RoleCredential"] = CaptureCredential },
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

        // Each folder holds only its role's material: the comparison folder only its own attestation key store.
        string[] Files(string role) => Directory.Exists(Folder(role)) ? [.. Directory.EnumerateFiles(Folder(role), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Folder(role), f))] : [];
        Assert.All(Files("comparison"), f => Assert.StartsWith(Path.Combine("biometrics", "comparison"), f, StringComparison.Ordinal));
        Assert.Contains(Path.Combine("biometrics", "comparison", "keys.db"), Files("comparison"));
        Assert.DoesNotContain(Files("comparison"), f => f.Contains("hek_", StringComparison.Ordinal) || f.Contains("seal_", StringComparison.Ordinal) || f.Contains("ttk_", StringComparison.Ordinal));
        Assert.All(Files("storage"), f => Assert.StartsWith(Path.Combine("biometrics", "storage"), f, StringComparison.Ordinal));
        Assert.Equal(2, Files("storage").Count(f => f.EndsWith(".json", StringComparison.Ordinal)));
        Assert.All(Files("storage"), f => Assert.True(f.EndsWith(".json", StringComparison.Ordinal) || Path.GetFileName(f) == "store.lock", f));
        Assert.All(Files("keys"), f => Assert.StartsWith(Path.Combine("biometrics", "keyholder"), f, StringComparison.Ordinal));
        Assert.Contains(Files("keys"), f => f.Contains("hek_", StringComparison.Ordinal));
        Assert.Contains(Files("keys"), f => f.Contains("seal_", StringComparison.Ordinal));
        Assert.DoesNotContain(Files("keys"), f => f.Contains("ttk_", StringComparison.Ordinal) || f.Contains("storage", StringComparison.Ordinal));
        Assert.DoesNotContain(Files("front"), f => f.Contains("hek_", StringComparison.Ordinal) || f.Contains("seal_", StringComparison.Ordinal) || f.Contains("storage", StringComparison.Ordinal));

        // A role service refuses callers without a known credential (401), and known roles outside the route's row (403):
        // storage may not ask for a seal, the capture side may not ask for a decision.
        using (var caller = new HttpClient { BaseAddress = storage.Url })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await caller.GetAsync("/v1/roles/storage/subjects", Ct)).StatusCode);
            caller.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CaptureCredential);
            Assert.Equal(["ivy", "jon"], (await caller.GetFromJsonAsync<JsonElement>("/v1/roles/storage/subjects", Ct)).GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));
        }

        using (var caller = new HttpClient { BaseAddress = keys.Url })
        {
            caller.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StorageCredential);
            Assert.Equal(HttpStatusCode.Forbidden, (await caller.PostAsync("/v1/roles/keys/seal", JsonContent.Create(new { }), Ct)).StatusCode);
            caller.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CaptureCredential);
            Assert.Equal(HttpStatusCode.Forbidden, (await caller.PostAsync("/v1/roles/keys/decide", JsonContent.Create(new { }), Ct)).StatusCode);
        }

        // The key holder counted the two decisions and shows them to its operator (from its own folder).
        var report = await Built.RunCliAsync("--data", Folder("keys"), "faces", "decision-report");
        Assert.True(report.Code == ExitCodes.Success, report.Err + report.Out);
        Assert.Equal(2, JsonDocument.Parse(report.Out).RootElement.GetProperty("keys").EnumerateArray().Sum(k => k.GetProperty("decisions").GetInt64()));

        // Rotation through the four processes: both templates move to new keys and still verify.
        var rotation = await Cli("faces", "rotate-keys");
        Assert.True(rotation.Code == ExitCodes.Success, rotation.Err + rotation.Out);
        Assert.Equal(2, JsonDocument.Parse(rotation.Out).RootElement.GetProperty("switched").GetInt32());
        Assert.Equal(ExitCodes.Success, (await Cli("faces", "verify", "--subject", "ivy", "--embedding", Capture(ivy))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli("faces", "verify", "--subject", "jon", "--embedding", Capture(jon))).Code);

        // Storage changes a stored ciphertext: the comparison process finds the broken seal.
        var stored = Directory.EnumerateFiles(Path.Combine(Folder("storage"), "biometrics", "storage"), "*.json")
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
        Assert.True(down.Code != ExitCodes.Success && down.Err.Contains("comparison", StringComparison.Ordinal), $"exit {down.Code}: {down.Err} {down.Out}");
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
