using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Biometrics.Onnx.Models;
using Obscura.Cli;
using Obscura.Governance.Access;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura faces</c> on a data folder, then the same folder through the server.</summary>
public sealed class FaceCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Random _random = new(21);

    private string Data => Path.Combine(_dir.Path, "data");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Onboard_verify_and_revoke_work_locally_and_through_the_server_with_the_same_exit_codes()
    {
        await InitKeysAsync();
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Write(JsonSerializer.Serialize(SamplePurposes.IdentityVerification, GovernanceJson.Indented)))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "grace")).Code);
        var identity = Vector(1.0);

        var noConsent = await Cli.RunAsync("--data", Data, "faces", "onboard", "--subject", "grace", "--embedding", Capture(identity, json: true));
        Assert.Equal(ExitCodes.Refused, noConsent.Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", "grace", "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);

        var onboard = await Cli.RunAsync("--data", Data, "faces", "onboard", "--subject", "grace", "--embedding", Capture(identity, json: true));
        Assert.True(onboard.Code == ExitCodes.Success, onboard.Err);
        Assert.StartsWith("enr_", JsonDocument.Parse(onboard.Out).RootElement.GetProperty("enrolmentId").GetString(), StringComparison.Ordinal);

        var genuine = await Cli.RunAsync("--data", Data, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: false));
        Assert.True(genuine.Code == ExitCodes.Success, genuine.Err + genuine.Out);
        Assert.True(JsonDocument.Parse(genuine.Out).RootElement.GetProperty("match").GetBoolean());
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync("--data", Data, "faces", "verify", "--subject", "grace", "--embedding", Capture(Vector(1.0), json: false))).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", Data, "faces", "verify", "--subject", "grace", "--embedding", Write("[1, 2, oops]"))).Code);

        // The same data folder through the server: the enrolment made locally verifies remotely.
        await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data)))
        {
            var keys = factory.Services.GetRequiredService<ApiKeys>();
            var processor = (await keys.CreateAsync("desk", Role.Processor, null, CancellationToken.None)).Value.Key;
            var controller = (await keys.CreateAsync("ops", Role.Controller, null, CancellationToken.None)).Value.Key;
            var handler = factory.Server.CreateHandler();
            string[] As(string key, params string[] args) => ["--server", "http://localhost", "--api-key", key, .. args];

            var remote = await Cli.RunAsync(handler, As(processor, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: true)));
            Assert.True(remote.Code == ExitCodes.Success, remote.Err + remote.Out);
            Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync(handler, As(processor, "faces", "verify", "--subject", "grace", "--embedding", Capture(Vector(1.0), json: true)))).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "faces", "revoke", "--subject", "grace"))).Code);
            var gone = await Cli.RunAsync(handler, As(processor, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: true)));
            Assert.Equal(ExitCodes.Refused, gone.Code);
            Assert.Contains("no enrolment", gone.Err, StringComparison.Ordinal);

            // A processor cannot swap the reference: onboarding again is a conflict (exit 5), re-enrolment is a controller's.
            var stranger = Vector(1.0);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(processor, "faces", "onboard", "--subject", "grace", "--embedding", Capture(identity, json: true)))).Code);
            Assert.Equal(ExitCodes.AlreadyEnrolled, (await Cli.RunAsync(handler, As(processor, "faces", "onboard", "--subject", "grace", "--embedding", Capture(stranger, json: true)))).Code);
            Assert.Equal(ExitCodes.ServerUnavailable, (await Cli.RunAsync(handler, As(processor, "faces", "onboard", "--re-enrol", "--subject", "grace", "--embedding", Capture(stranger, json: true)))).Code); // 403
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(processor, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: true)))).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "faces", "onboard", "--re-enrol", "--subject", "grace", "--embedding", Capture(stranger, json: true)))).Code);
            Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync(handler, As(processor, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: true)))).Code);

            // Withdrawal through the server shreds the enrolment: a new consent does not bring it back.
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "consent", "withdraw", "--subject", "grace", "--purpose", "identity-verification"))).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "consent", "give", "--subject", "grace", "--purpose", "identity-verification", "--notice-version", "v2", "--channel", "desk", "--explicit"))).Code);
            var shredded = await Cli.RunAsync(handler, As(processor, "faces", "verify", "--subject", "grace", "--embedding", Capture(stranger, json: true)));
            Assert.Equal(ExitCodes.Refused, shredded.Code);
            Assert.Contains("no enrolment", shredded.Err, StringComparison.Ordinal);
            var remoteRetention = await Cli.RunAsync(handler, As(controller, "retention", "run"));
            Assert.True(remoteRetention.Code == ExitCodes.Success, remoteRetention.Err);
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(remoteRetention.Out).RootElement.GetProperty("biometrics").ValueKind);
        }

        // The same locally: conflict, re-enrolment, and withdrawal that shreds.
        var gone2 = await Cli.RunAsync("--data", Data, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: true));
        Assert.Equal(ExitCodes.Refused, gone2.Code);
        Assert.Contains("no enrolment", gone2.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "faces", "onboard", "--subject", "grace", "--embedding", Capture(identity, json: true))).Code);
        Assert.Equal(ExitCodes.AlreadyEnrolled, (await Cli.RunAsync("--data", Data, "faces", "onboard", "--subject", "grace", "--embedding", Capture(identity, json: true))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "faces", "onboard", "--re-enrol", "--subject", "grace", "--embedding", Capture(identity, json: true))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "withdraw", "--subject", "grace", "--purpose", "identity-verification")).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", "grace", "--purpose", "identity-verification", "--notice-version", "v3", "--channel", "desk", "--explicit")).Code);
        var shreddedLocally = await Cli.RunAsync("--data", Data, "faces", "verify", "--subject", "grace", "--embedding", Capture(identity, json: true));
        Assert.Equal(ExitCodes.Refused, shreddedLocally.Code);
        Assert.Contains("no enrolment", shreddedLocally.Err, StringComparison.Ordinal);
        var retention = await Cli.RunAsync("--data", Data, "retention", "run");
        Assert.True(retention.Code == ExitCodes.Success, retention.Err);
        Assert.Equal(0, JsonDocument.Parse(retention.Out).RootElement.GetProperty("biometrics").GetProperty("recovered").GetInt32());
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify")).Code);
    }

    [Fact]
    public async Task Concurrent_onboardings_of_one_subject_in_separate_processes_enrol_it_exactly_once()
    {
        await InitKeysAsync();
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Write(JsonSerializer.Serialize(SamplePurposes.IdentityVerification, GovernanceJson.Indented)))).Code);
        foreach (var id in new[] { "ivan", "judy" })
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", id)).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", id, "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);
        }

        // The provider's keys exist before the race (judy's onboarding creates them).
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "faces", "onboard", "--subject", "judy", "--embedding", Capture(Vector(1.0), json: true))).Code);

        // Four processes onboard ivan at once, each with another face; each also recovers the journal at first use
        // while the others may be mid-change. Exactly one may win, and its key must survive the others' recovery.
        var processes = Enumerable.Range(0, 4)
            .Select(_ => Built.Start(Built.CliDll, "--data", Data, "faces", "onboard", "--subject", "ivan", "--embedding", Capture(Vector(1.0), json: true)))
            .ToList();
        var codes = new List<int>();
        foreach (var p in processes)
        {
            using (p)
            {
                var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
                await p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
                await p.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.True(p.ExitCode is ExitCodes.Success or ExitCodes.AlreadyEnrolled, await stderr);
                codes.Add(p.ExitCode);
            }
        }

        Assert.Equal(1, codes.Count(c => c == ExitCodes.Success));
        var biometrics = Path.Combine(Data, "biometrics");
        var template = await new Obscura.Biometrics.Roles.FileTemplateStore(Path.Combine(biometrics, Obscura.Biometrics.Roles.ProtectedVerificationHost.StorageFolder)).FindAsync("ivan", TestContext.Current.CancellationToken);
        using (var keys = Obscura.Biometrics.Keys.CaptureKeyStore.Open(Path.Combine(biometrics, "capture")))
        {
            Assert.Equal([template!.TransformationKeyId], keys.KeysOf("ivan"));
            using var winner = keys.Open(template.TransformationKeyId);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(biometrics, "capture", "pending")));
        var ledger = await Cli.RunAsync("--data", Data, "ledger", "entries", "--limit", "1000");
        var created = JsonDocument.Parse(ledger.Out).RootElement.EnumerateArray().Select(e => e.GetProperty("event"))
            .Count(e => e.GetProperty("action").GetString() == "Create" && e.GetProperty("dataCategory").GetString() == "template-transformation-key" && e.GetProperty("subject").GetString() == "ivan");
        Assert.Equal(1, created);
    }

    [Fact]
    public async Task A_face_image_is_embedded_on_the_capture_side_with_an_onnx_model()
    {
        await InitKeysAsync();
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Write(JsonSerializer.Serialize(SamplePurposes.IdentityVerification, GovernanceJson.Indented)))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "heidi")).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", "heidi", "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);
        var model = Path.Combine(_dir.Path, "tiny.onnx");
        await File.WriteAllBytesAsync(model, TinyOnnxModel.Build(16, 16, 128, TinyOnnxModel.Weights(3 * 16 * 16, 128, seed: 9)), TestContext.Current.CancellationToken);
        var heidi = NoiseImage(1);
        string[] Face(string verb, string image) => ["--data", Data, "faces", verb, "--subject", "heidi", "--image", image, "--model", model, "--input-size", "16"];

        var onboard = await Cli.RunAsync(Face("onboard", heidi));
        Assert.True(onboard.Code == ExitCodes.Success, onboard.Err);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(Face("verify", heidi))).Code);
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync(Face("verify", NoiseImage(2)))).Code);

        var bad = await Cli.RunAsync(Face("verify", Write("not an image")));
        Assert.Equal(ExitCodes.Usage, bad.Code);
        Assert.Contains("image", bad.Err, StringComparison.Ordinal);
        var noModels = await Cli.RunAsync("--data", Data, "faces", "verify", "--subject", "heidi", "--image", heidi, "--models", Path.Combine(_dir.Path, "no-models"));
        Assert.Equal(ExitCodes.ModelsUnavailable, noModels.Code);
        Assert.Contains("models fetch", noModels.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_photo_is_detected_aligned_and_embedded_on_the_capture_side_and_bad_photos_get_their_own_exit_codes()
    {
        var models = await RealFaceModels.DirectoryAsync();
        var fetch = await Cli.RunAsync("models", "fetch", "--dir", models);
        Assert.True(fetch.Code == ExitCodes.Success, fetch.Err);
        Assert.Contains("present", fetch.Err, StringComparison.Ordinal);
        var list = await Cli.RunAsync("models", "list", "--dir", models);
        Assert.Equal(ExitCodes.Success, list.Code);
        var threshold = FaceModelCatalog.DlibResNet128.MatchThreshold!.Value.ToString("R", CultureInfo.InvariantCulture);
        Assert.Contains(FaceModelCatalog.DlibResNet128.Sha256, list.Out, StringComparison.Ordinal);

        await InitKeysAsync();
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Write(JsonSerializer.Serialize(SamplePurposes.IdentityVerification, GovernanceJson.Indented)))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "grace")).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", "grace", "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);
        string Photo(string name, byte[] bytes)
        {
            var path = Path.Combine(_dir.Path, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        Task<(int Code, string Out, string Err)> Face(string verb, string image) =>
            Cli.RunAsync("--data", Data, "--verification-threshold", threshold, "faces", verb, "--subject", "grace", "--image", image, "--models", models);

        var onboard = await Face("onboard", TestPhotos.PathOf("hopper"));
        Assert.True(onboard.Code == ExitCodes.Success, onboard.Err);
        var selfie = await Face("verify", Photo("selfie.jpg", TestPhotos.Variant(TestPhotos.Hopper, degrees: 7, scale: 0.8f, brightness: 0.9f)));
        Assert.True(selfie.Code == ExitCodes.Success, selfie.Err + selfie.Out);
        Assert.True(JsonDocument.Parse(selfie.Out).RootElement.GetProperty("match").GetBoolean());
        var other = await Face("verify", TestPhotos.PathOf("collins"));
        Assert.Equal(ExitCodes.Refused, other.Code);
        Assert.False(JsonDocument.Parse(other.Out).RootElement.GetProperty("match").GetBoolean());

        Assert.Equal(ExitCodes.NoFace, (await Face("verify", TestPhotos.PathOf("coffee"))).Code);
        var two = await Face("verify", Photo("two.png", TestPhotos.TwoFacesPng()));
        Assert.Equal(ExitCodes.SeveralFaces, two.Code);
        Assert.Contains("faces", two.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.ImageUnreadable, (await Face("verify", Write("not an image"))).Code);

        // Through a server set to the model's threshold: the photo is processed by the CLI and only the embedding is sent.
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data).UseSetting("Obscura:VerificationThreshold", threshold));
        var key = (await factory.Services.GetRequiredService<ApiKeys>().CreateAsync("desk", Role.Processor, null, CancellationToken.None)).Value.Key;
        Task<(int Code, string Out, string Err)> Remote(string image) =>
            Cli.RunAsync(factory.Server.CreateHandler(), "--server", "http://localhost", "--api-key", key, "faces", "verify", "--subject", "grace", "--image", image, "--models", models);
        Assert.Equal(ExitCodes.Success, (await Remote(Photo("selfie2.jpg", TestPhotos.Variant(TestPhotos.Hopper, degrees: -5, quality: 70)))).Code);
        Assert.Equal(ExitCodes.Refused, (await Remote(TestPhotos.PathOf("collins"))).Code);
        Assert.Equal(ExitCodes.NoFace, (await Remote(TestPhotos.PathOf("coffee"))).Code);
    }

    /// <summary>Creates the provider keys at set-up, as a deployment does, with the fewest calibration trials (what these tests check does not depend on the bound).</summary>
    private async Task InitKeysAsync()
    {
        var init = await Cli.RunAsync("--data", Data, "faces", "init");
        Assert.True(init.Code == ExitCodes.Success, init.Err);
    }

    private string NoiseImage(int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SkiaSharp.SKBitmap(16, 16);
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using var image = SkiaSharp.SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        var path = Path.Combine(_dir.Path, $"face-{seed}.png");
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private string Capture(float[] identity, bool json)
    {
        var values = identity.Zip(Vector(0.5), (a, b) => a + b).ToArray();
        return Write(json
            ? JsonSerializer.Serialize(values)
            : "grace," + string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }

    private float[] Vector(double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()) * norm / Math.Sqrt(128)))];

    private string Write(string content)
    {
        var path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(path, content);
        return path;
    }
}
