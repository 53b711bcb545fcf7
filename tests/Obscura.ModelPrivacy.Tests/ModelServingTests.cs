using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.ModelPrivacy.Serving;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Tests;

public sealed class ModelServingTests
{
    private static readonly Classifier Tiny = new(4, 3, 2);

    private static byte[] TinyFile(float scale = 0.1f) =>
        ModelFile.Serialize(Tiny, [.. Enumerable.Range(0, Tiny.ParameterCount).Select(i => scale * (i % 7 - 3))], new ModelMetadata(DateTimeOffset.UnixEpoch, 3, 1e-5, 100));

    [Fact]
    public void A_model_file_round_trips_and_every_corruption_is_refused_with_a_clear_error()
    {
        var bytes = TinyFile();
        var read = ModelFile.Parse(bytes);
        Assert.Equal((4, 3, 2), (read.Model.Inputs, read.Model.Classes, read.Model.Hidden));
        Assert.Equal(3, read.Metadata.Epsilon);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), read.Sha256);

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ModelFile.Parse(bytes.AsSpan(0, bytes.Length - 5))).Message, StringComparison.Ordinal);
        Assert.Contains("OBSM", Assert.Throws<InvalidDataException>(() => ModelFile.Parse("not a model at all, just text......................"u8)).Message, StringComparison.Ordinal);
        var flipped = (byte[])bytes.Clone();
        flipped[^40] ^= 1;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => ModelFile.Parse(flipped)).Message, StringComparison.Ordinal);
        var future = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(future.AsSpan(4), 9);
        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => ModelFile.Parse(future)).Message, StringComparison.Ordinal);

        // A forged file whose header and checksum are consistent but whose shape does not match its parameters.
        Assert.Contains("declares", Assert.Throws<InvalidDataException>(() => ModelFile.Parse(Forge(ModelFile.EncodeHeader(4, 3, 2, 999), 25))).Message, StringComparison.Ordinal);
        Assert.Contains("holds", Assert.Throws<InvalidDataException>(() => ModelFile.Parse(Forge(ModelFile.EncodeHeader(4, 3, 2, 19), 18))).Message, StringComparison.Ordinal);
        Assert.Contains("shape", Assert.Throws<InvalidDataException>(() => ModelFile.Parse(Forge(ModelFile.EncodeHeader(4, 1, 0, 10), 10))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ModelFile.Serialize(Tiny, [float.NaN, .. new float[Tiny.ParameterCount - 1]], new ModelMetadata(DateTimeOffset.UnixEpoch, null, null, 1)));
    }

    internal static byte[] Forge(byte[] header, int parameters)
    {
        var bytes = new byte[12 + header.Length + (4 * parameters) + 32];
        "OBSM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        header.CopyTo(bytes, 12);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }

    [Fact]
    public void Output_policies_parse_round_trip_and_shape_what_is_released()
    {
        foreach (var text in new[] { "raw", "label-only", "top-k:3", "rounded:1", "noisy:0.05", "top-k:2,rounded:2,noisy:0.1" })
        {
            Assert.Equal(text, OutputPolicy.Parse(text).ToString());
        }

        foreach (var bad in new[] { "", "top-k:0", "rounded:9", "noisy:-1", "noisy:NaN", "top-k:2,top-k:3", "everything" })
        {
            Assert.Throws<FormatException>(() => OutputPolicy.Parse(bad));
        }

        double[] p = [0.1234, 0.6543, 0.2223];
        float[] x = [1, 2];
        byte[] key = [1, 2, 3];
        Assert.Null(PredictionShaper.Shape(OutputPolicy.LabelOnly, p, x, key).Scores);
        Assert.Equal(1, PredictionShaper.Shape(OutputPolicy.LabelOnly, p, x, key).Label);
        var top = PredictionShaper.Shape(OutputPolicy.Parse("top-k:2,rounded:1"), p, x, key);
        Assert.Equal([new ClassScore(1, 0.7), new ClassScore(2, 0.2)], top.Scores);
        var noisy = OutputPolicy.Parse("noisy:0.1");
        var first = PredictionShaper.Shape(noisy, p, x, key).Scores!;
        Assert.Equal(first, PredictionShaper.Shape(noisy, p, x, key).Scores!); // the same question: the same noise, nothing to average
        Assert.NotEqual(first, PredictionShaper.Shape(noisy, p, [1, 2.001f], key).Scores!);
        Assert.NotEqual(p[0], first.Single(s => s.Class == 0).Score);
    }

    [Fact]
    public async Task Bad_inputs_are_refused_before_the_model_runs_and_are_not_counted()
    {
        using var api = new ApiFixture();
        await api.RegisterVictimAsync(TinyFile(), OutputPolicy.Raw);
        foreach (var features in new[] { new float[3], new float[5], [1, float.NaN, 0, 0], [float.PositiveInfinity, 0, 0, 0], [] })
        {
            var outcome = await api.Registry.PredictAsync("apikey:a", "victim", features, CancellationToken.None);
            Assert.Equal(Obscura.Governance.GovernanceErrorKind.Invalid, outcome.Error!.Kind);
        }

        Assert.Equal(Obscura.Governance.GovernanceErrorKind.NotFound, (await api.Registry.PredictAsync("apikey:a", "nope", new float[4], CancellationToken.None)).Error!.Kind);
        Assert.Equal(0, api.Registry.QueriesMade("victim", "apikey:a"));
        Assert.Equal(Obscura.Governance.GovernanceErrorKind.Invalid, (await api.Registry.RegisterAsync("test:admin", "broken", TinyFile()[..^1], null, CancellationToken.None)).Error!.Kind);
        Assert.Equal(Obscura.Governance.GovernanceErrorKind.Invalid, (await api.Registry.RegisterAsync("test:admin", "../escape", TinyFile(), null, CancellationToken.None)).Error!.Kind);
        Assert.Equal(Obscura.Governance.GovernanceErrorKind.Conflict, (await api.Registry.RegisterAsync("test:admin", "victim", TinyFile(), null, CancellationToken.None)).Error!.Kind);
    }

    [Fact]
    public async Task A_model_file_changed_after_registration_is_not_served()
    {
        using var api = new ApiFixture();
        await api.RegisterVictimAsync(TinyFile(), OutputPolicy.Raw);
        File.WriteAllBytes(Path.Combine(api.Registry.Directory, "victim.obm"), TinyFile(0.2f));
        using var other = api.OpenRegistry();
        var refused = await other.PredictAsync("apikey:a", "victim", new float[4], CancellationToken.None);
        Assert.Equal(Obscura.Governance.GovernanceErrorKind.Refused, refused.Error!.Kind);
        Assert.Contains("SHA-256", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, other.QueriesMade("victim", "apikey:a"));
    }

    [Fact]
    public async Task The_rate_and_total_limits_hold_across_two_registries_on_one_data_folder()
    {
        using var api = new ApiFixture();
        await api.RegisterVictimAsync(TinyFile(), OutputPolicy.LabelOnly, new ServingPolicy { RatePerSecond = 2, Burst = 4, MaxQueries = 10 });
        using var second = api.OpenRegistry();
        var registries = new[] { api.Registry, second };
        var answered = 0;
        for (var i = 0; i < 8; i++)
        {
            answered += (await registries[i % 2].PredictAsync("apikey:a", "victim", [i, 0, 0, 0], CancellationToken.None)).Succeeded ? 1 : 0;
        }

        Assert.Equal(4, answered); // one bucket of 4 shared by both, not 4 each
        var refused = await second.PredictAsync("apikey:a", "victim", [9, 0, 0, 0], CancellationToken.None);
        Assert.Equal("rate-limit", refused.Error!.Field);
        Assert.True((await api.Registry.PredictAsync("apikey:b", "victim", [0, 0, 0, 0], CancellationToken.None)).Succeeded); // another key has its own bucket

        api.Governance.Clock.Advance(TimeSpan.FromSeconds(1)); // 2 tokens
        Assert.True((await second.PredictAsync("apikey:a", "victim", [1, 1, 0, 0], CancellationToken.None)).Succeeded);
        Assert.True((await api.Registry.PredictAsync("apikey:a", "victim", [1, 2, 0, 0], CancellationToken.None)).Succeeded);
        Assert.False((await api.Registry.PredictAsync("apikey:a", "victim", [1, 3, 0, 0], CancellationToken.None)).Succeeded);

        // 6 answered so far; the total of 10 is reached however slowly the key asks.
        for (var i = 0; i < 10; i++)
        {
            api.Governance.Clock.Advance(TimeSpan.FromSeconds(10));
            await registries[i % 2].PredictAsync("apikey:a", "victim", [2, i, 0, 0], CancellationToken.None);
        }

        Assert.Equal(10, second.QueriesMade("victim", "apikey:a"));
        api.Governance.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("query-limit", (await second.PredictAsync("apikey:a", "victim", [3, 0, 0, 0], CancellationToken.None)).Error!.Field);

        // A per-key override lifts the limits for one key only.
        Assert.True((await api.Registry.SetPolicyAsync("test:admin", "victim", "apikey:a", new ServingPolicy { Output = OutputPolicy.Raw, RatePerSecond = 0, MaxQueries = null }, CancellationToken.None)).Succeeded);
        var lifted = await second.PredictAsync("apikey:a", "victim", [3, 0, 0, 0], CancellationToken.None);
        Assert.NotNull(lifted.Value!.Scores);
        Assert.Null((await second.PredictAsync("apikey:b", "victim", [3, 0, 0, 0], CancellationToken.None)).Value!.Scores);
    }

    [Fact]
    public async Task Repeated_near_duplicates_and_boundary_queries_raise_their_alerts_once_and_in_the_ledger()
    {
        using var api = new ApiFixture();
        var data = FashionMnistSubset.Train;
        var model = new Classifier(784, 10);
        var trained = SgdTrainer.Train(model, data, new TrainingOptions { Epochs = 3, BatchSize = 64, LearningRate = 0.1f, Parallelism = 1 }, NoiseSource.Seeded(5), 5);
        await api.RegisterVictimAsync(ModelFile.Serialize(model, trained.Parameters, new ModelMetadata(DateTimeOffset.UnixEpoch, null, null, data.Count)), OutputPolicy.Parse("noisy:0.05"));

        // Membership probing: one record asked about again and again, each time perturbed a little to get fresh noise.
        var random = new Random(1);
        var record = data.Images[0];
        for (var i = 0; i < 12; i++)
        {
            await api.Registry.PredictAsync("apikey:prober", "victim", [.. record.Select(v => v + (float)(0.002 * (random.NextDouble() - 0.5)))], CancellationToken.None);
        }

        // Boundary probing: bisection along segments between images of different classes.
        var workspace = model.NewWorkspace();
        for (var pair = 0; pair < 25; pair++)
        {
            var a = data.Images[2 * pair];
            var b = data.Images[(2 * pair) + 1];
            var (lo, hi) = (0.0, 1.0);
            var label = model.Predict(trained.Parameters, a, workspace);
            for (var step = 0; step < 10; step++)
            {
                var t = (lo + hi) / 2;
                float[] x = [.. a.Zip(b, (u, v) => (float)(((1 - t) * u) + (t * v)))];
                var answer = await api.Registry.PredictAsync("apikey:boundary", "victim", x, CancellationToken.None);
                (lo, hi) = answer.Value!.Label == label ? (t, hi) : (lo, t);
            }
        }

        var alerts = api.Registry.Alerts();
        Assert.Single(alerts, a => a.Caller == "apikey:prober" && a.Kind == AlertKind.MembershipProbing);
        Assert.Single(alerts, a => a.Caller == "apikey:boundary" && a.Kind == AlertKind.BoundaryProbing);
        var entries = (await api.Governance.LedgerService.GetEntriesAsync(0, 1000, CancellationToken.None)).Value!;
        Assert.Single(entries, e => e.Event.To == "alert:membership-probing" && e.Event.Actor == "apikey:prober");
        Assert.Single(entries, e => e.Event.To == "alert:boundary-probing" && e.Event.Actor == "apikey:boundary");
        Assert.DoesNotContain(alerts, a => a.Caller == "apikey:prober" && a.Kind != AlertKind.MembershipProbing);
    }

    [Fact]
    public async Task A_query_whose_alert_cannot_be_ledgered_is_neither_answered_nor_counted()
    {
        using var api = new ApiFixture();
        await api.RegisterVictimAsync(TinyFile(), OutputPolicy.Raw);
        using var watchful = api.OpenRegistry(new QueryMonitorOptions { NearDuplicateLimit = 1 });
        Assert.True((await watchful.PredictAsync("apikey:a", "victim", [1, 2, 3, 4], CancellationToken.None)).Succeeded);

        api.Governance.Store.Dispose(); // the ledger can no longer be written
        await Assert.ThrowsAsync<ObjectDisposedException>(() => watchful.PredictAsync("apikey:a", "victim", [1, 2, 3, 4], CancellationToken.None));
        Assert.Equal(1, watchful.QueriesMade("victim", "apikey:a"));
        Assert.Empty(watchful.Alerts());
    }

    [Fact]
    public void The_model_api_domain_knows_nothing_of_hosts_or_the_governance_database()
    {
        var references = typeof(ClassifierRegistry).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, n => n is "Obscura.Server" or "Obscura.Cli" or "Obscura.Storage" || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void Shapiro_wilk_matches_the_textbook_example_and_separates_normal_from_skewed_samples()
    {
        // Shapiro & Wilk's weights of 11 men; R's shapiro.test gives W = 0.78881.
        Assert.Equal(0.78881, ShapiroWilk.W([148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236]), 4);
        var normal = Enumerable.Range(1, 200).Select(i => ShapiroWilk.InverseNormal(i / 201.0)).ToArray();
        Assert.True(ShapiroWilk.W(normal) > 0.99);
        var exponential = Enumerable.Range(1, 200).Select(i => -Math.Log(1 - (i / 201.0))).ToArray();
        Assert.True(ShapiroWilk.W(exponential) < 0.9);
        Assert.Equal(ShapiroWilk.W(normal), ShapiroWilk.W([.. normal.Select(v => (3 * v) + 10)]), 10);
        Assert.Throws<ArgumentException>(() => ShapiroWilk.W([1, 2]));
    }
}
