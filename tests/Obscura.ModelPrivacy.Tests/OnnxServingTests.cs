using Obscura.Governance;
using Obscura.ModelPrivacy.Onnx;
using Obscura.ModelPrivacy.Serving;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>An ONNX classifier (Obscura's own model exported by <see cref="OnnxModelWriter"/>) served by the registry.</summary>
public sealed class OnnxServingTests
{
    private static readonly string[] Labels = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    private static readonly Lazy<(byte[] Onnx, byte[] Native)> Files = new(() =>
    {
        var trained = OnnxClassifierTests.Trained(0, epochs: 2);
        return (OnnxModelWriter.Serialize(trained.Model, trained.Parameters),
            ModelFile.Serialize(trained.Model, trained.Parameters.ToArray(), new ModelMetadata(DateTimeOffset.UnixEpoch, null, null, 1000)));
    });

    private static OnnxClassifierSpec Spec => new(784, Labels);

    private static Task<Outcome<RegisteredClassifier>> RegisterOnnxAsync(ApiFixture api, string id, OutputPolicy output, ServingPolicy? limits = null, string? sha256 = null, OnnxClassifierSpec? spec = null) =>
        api.Registry.RegisterOnnxAsync("test:admin", id, Files.Value.Onnx, sha256 ?? OnnxClassifier.Sha256Of(Files.Value.Onnx), spec ?? Spec, (limits ?? new ServingPolicy { RatePerSecond = 0, MaxQueries = null }) with { Output = output }, CancellationToken.None);

    [Fact]
    public async Task An_onnx_classifier_answers_as_the_native_model_does_under_the_same_policies_and_its_registration_is_ledgered()
    {
        using var api = new ApiFixture();
        await api.RegisterVictimAsync(Files.Value.Native, OutputPolicy.Raw);
        var registered = await RegisterOnnxAsync(api, "onnx-copy", OutputPolicy.Raw);
        Assert.True(registered.Succeeded, registered.Error?.Message);
        Assert.Equal(Labels, registered.Value!.Onnx!.Labels);
        Assert.Equal((784, 10, (double?)null), (registered.Value.Inputs, registered.Value.Classes, registered.Value.Epsilon));

        foreach (var image in FashionMnistSubset.Test.Images.Take(20))
        {
            var native = (await api.Registry.PredictAsync("apikey:a", "victim", image, CancellationToken.None)).Value!;
            var onnx = (await api.Registry.PredictAsync("apikey:a", "onnx-copy", image, CancellationToken.None)).Value!;
            Assert.Equal(native.Label, onnx.Label);
            Assert.Equal(Labels[onnx.Label], onnx.LabelName);
            Assert.Null(native.LabelName);
            foreach (var (n, o) in native.Scores!.Zip(onnx.Scores!))
            {
                Assert.Equal(n.Class, o.Class);
                Assert.Equal(n.Score, o.Score, 5);
            }
        }

        // Label only, top-k and rounding shape the ONNX model's answers as any model's.
        Assert.True((await api.Registry.SetPolicyAsync("test:admin", "onnx-copy", "apikey:b", new ServingPolicy { Output = OutputPolicy.LabelOnly, RatePerSecond = 0, MaxQueries = 3 }, CancellationToken.None)).Succeeded);
        Assert.True((await api.Registry.SetPolicyAsync("test:admin", "onnx-copy", "apikey:c", new ServingPolicy { Output = OutputPolicy.Parse("top-k:2,rounded:1"), RatePerSecond = 0, MaxQueries = null }, CancellationToken.None)).Succeeded);
        var image0 = FashionMnistSubset.Test.Images[0];
        var labelOnly = (await api.Registry.PredictAsync("apikey:b", "onnx-copy", image0, CancellationToken.None)).Value!;
        Assert.Null(labelOnly.Scores);
        Assert.NotNull(labelOnly.LabelName);
        var top = (await api.Registry.PredictAsync("apikey:c", "onnx-copy", image0, CancellationToken.None)).Value!;
        Assert.Equal(2, top.Scores!.Count);
        Assert.All(top.Scores, s => Assert.Equal(Math.Round(s.Score, 1), s.Score));

        // The total limit holds for it, across a second registry (another process) that reads its signature back.
        using var second = api.OpenRegistry();
        Assert.True((await second.PredictAsync("apikey:b", "onnx-copy", image0, CancellationToken.None)).Succeeded);
        Assert.True((await api.Registry.PredictAsync("apikey:b", "onnx-copy", image0, CancellationToken.None)).Succeeded);
        Assert.Equal("query-limit", (await second.PredictAsync("apikey:b", "onnx-copy", image0, CancellationToken.None)).Error!.Field);

        var entries = (await api.Governance.LedgerService.GetEntriesAsync(0, 1000, CancellationToken.None)).Value!;
        var created = Assert.Single(entries, e => e.Event.To == "classifier:onnx-copy" && e.Event.Action == Obscura.Governance.Ledger.AuditAction.Create);
        Assert.Equal("onnx:sha256:" + OnnxClassifier.Sha256Of(Files.Value.Onnx)[..32], created.Event.Reference);
    }

    [Fact]
    public async Task Queries_to_an_onnx_classifier_are_monitored_and_alerts_are_ledgered()
    {
        using var api = new ApiFixture();
        Assert.True((await RegisterOnnxAsync(api, "onnx-copy", OutputPolicy.Parse("noisy:0.05"))).Succeeded);
        var random = new Random(1);
        var record = FashionMnistSubset.Train.Images[0];
        for (var i = 0; i < 12; i++)
        {
            Assert.True((await api.Registry.PredictAsync("apikey:prober", "onnx-copy", [.. record.Select(v => v + (float)(0.002 * (random.NextDouble() - 0.5)))], CancellationToken.None)).Succeeded);
        }

        Assert.Single(api.Registry.Alerts("onnx-copy"), a => a.Caller == "apikey:prober" && a.Kind == AlertKind.MembershipProbing);
        var entries = (await api.Governance.LedgerService.GetEntriesAsync(0, 1000, CancellationToken.None)).Value!;
        Assert.Single(entries, e => e.Event.To == "alert:membership-probing" && e.Event.From == "classifier:onnx-copy");
    }

    [Fact]
    public async Task An_onnx_file_that_is_not_the_pinned_one_is_neither_registered_nor_served()
    {
        using var api = new ApiFixture();
        var wrongHash = await RegisterOnnxAsync(api, "a", OutputPolicy.Raw, sha256: new string('a', 64));
        Assert.Equal(GovernanceErrorKind.Invalid, wrongHash.Error!.Kind);
        Assert.Contains("SHA-256", wrongHash.Error.Message, StringComparison.Ordinal);
        Assert.Contains("[batch, 100]", (await RegisterOnnxAsync(api, "b", OutputPolicy.Raw, spec: Spec with { Inputs = 100 })).Error!.Message, StringComparison.Ordinal);
        Assert.Equal("spec", (await RegisterOnnxAsync(api, "c", OutputPolicy.Raw, spec: Spec with { Labels = ["only-one"] })).Error!.Field);
        Assert.Empty(api.Registry.List());

        Assert.True((await RegisterOnnxAsync(api, "onnx-copy", OutputPolicy.Raw)).Succeeded);
        Assert.Equal(GovernanceErrorKind.Conflict, (await RegisterOnnxAsync(api, "onnx-copy", OutputPolicy.Raw)).Error!.Kind);

        // Replaced on disk after registration (here by a valid ONNX model of the same shape): a fresh process refuses it.
        var other = OnnxClassifierTests.Trained(0, epochs: 1);
        File.WriteAllBytes(Path.Combine(api.Registry.Directory, "onnx-copy.onnx"), OnnxModelWriter.Serialize(other.Model, other.Parameters));
        using var fresh = api.OpenRegistry();
        var refused = await fresh.PredictAsync("apikey:a", "onnx-copy", FashionMnistSubset.Test.Images[0], CancellationToken.None);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error!.Kind);
        Assert.Contains("SHA-256", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, fresh.QueriesMade("onnx-copy", "apikey:a"));
    }
}
