using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Access;
using Obscura.Server.Hosting;

namespace Obscura.Benchmarks;

/// <summary>
/// Load on the product path of protected verification, against the pipeline it wraps, in one run and one process:
/// <list type="number">
/// <item>the pipeline of <see cref="VerificationBenchmarks"/> (transform, encrypt, compare, bound decision), sequential;</item>
/// <item>the embedded service's <see cref="ProtectedFaceVerification.VerifyAsync"/> without HTTP (consent, template, keys, pipeline, audit);</item>
/// <item>the real server (Kestrel on loopback, the production composition of <see cref="ObscuraServer"/> over a fresh data
/// folder), <c>POST /v1/verification</c> from 1, 4 and 16 concurrent clients, each sending its next request when the
/// last is answered;</item>
/// <item>the pipeline once more, so drift on a shared machine shows.</item>
/// </list>
/// Prints requests/s, p50 and p99 per row, the process CPU time per request, and HTTP p50 / pipeline p50.
/// Usage: <c>dotnet run -c Release --project bench/Obscura.Benchmarks -- verification-load [--requests 200] [--subjects 32] [--clients 1,4,16]</c>.
/// </summary>
internal static class VerificationLoad
{
    /// <summary>The first argument that selects this run instead of BenchmarkDotNet.</summary>
    public const string Command = "verification-load";

    private const string Purpose = """
        {"id":"identity-verification","name":"Identity verification","description":"Verify a customer's identity from a selfie against the protected template made at onboarding.",
         "lawfulBasis":"Consent","specialCategoryCondition":"ExplicitConsent","subjectCategories":["customers"],"dataCategories":["face-image","biometric-template"],
         "practices":["BiometricVerification"],"controller":{"name":"Example Bank ASA","contact":"privacy@bank.example","country":"NO"},
         "processors":[],"retention":365,"reusesDataFrom":[]}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Option(args, "--requests", 200);
        var subjects = Option(args, "--subjects", 32);
        var clients = (OptionText(args, "--clients") ?? "1,4,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var directory = Directory.CreateTempSubdirectory("obscura-load-").FullName;
        try
        {
            return await RunAsync(directory, requests, subjects, clients);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string directory, int requests, int subjects, int[] clients)
    {
        var rows = new List<string>();
        var pipelineFirst = Pipeline(requests);
        rows.Add(Row("pipeline (VerificationBenchmarks steps 1, 2, 3, 5), in process", 1, pipelineFirst));

        ProvisionKeyHolder(Path.Combine(directory, "data", "biometrics"));
        var app = ObscuraServer.Build(
        [
            "--data", Path.Combine(directory, "data"), "--urls", "http://127.0.0.1:0",
            "--Obscura:DecisionsPerSubject", "1000000", "--Obscura:DecisionsPerCaller", "1000000", "--Obscura:CreateBootstrapKey", "false",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await ObscuraServer.InitialiseAsync(app, CancellationToken.None);
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            var keys = app.Services.GetRequiredService<ApiKeys>();
            var controller = (await keys.CreateAsync("load-controller", Role.Controller, null, CancellationToken.None)).Value.Key;
            var processor = (await keys.CreateAsync("load-desk", Role.Processor, null, CancellationToken.None)).Value.Key;
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = new Uri(address), Timeout = Timeout.InfiniteTimeSpan };
            var probes = await EnrolAsync(http, controller, subjects);

            var verification = app.Services.GetRequiredService<Lazy<ProtectedFaceVerification>>().Value;
            var inProcess = await MeasureAsync(1, requests, async i =>
            {
                var (subject, embedding) = probes[i % probes.Count];
                var result = await verification.VerifyAsync(subject, FaceTemplate.FromEmbedding(embedding), CancellationToken.None);
                return result.Refusal is null;
            });
            rows.Add(Row("ProtectedFaceVerification.VerifyAsync, in process", 1, inProcess, pipelineFirst.P50));

            foreach (var concurrency in clients)
            {
                var sample = await MeasureAsync(concurrency, requests, async i =>
                {
                    var (subject, embedding) = probes[i % probes.Count];
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/verification") { Content = JsonContent.Create(new { subject, embedding }) };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", processor);
                    using var response = await http.SendAsync(request);
                    return response.IsSuccessStatusCode;
                });
                rows.Add(Row("POST /v1/verification over loopback HTTP", concurrency, sample, pipelineFirst.P50));
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        rows.Add(Row("pipeline again, after the HTTP rows", 1, Pipeline(requests)));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, {requests} requests per row, {subjects} enrolled subjects, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine("| Path | Clients | Requests/s | p50 | p99 | CPU per request | p50 / pipeline p50 |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        return 0;
    }

    /// <summary>Creates the provider keys before the server opens them (as <c>obscura faces init</c> does).</summary>
    private static void ProvisionKeyHolder(string biometrics)
    {
        using var attester = ProtectedVerificationHost.OpenComparisonAttester(biometrics);
        using var keyHolder = ProtectedVerificationHost.OpenKeyHolder(biometrics, new KeyHolderOptions(attester.PublicKey));
    }

    /// <summary>Registers the purpose, then subjects with explicit consent, each onboarded; returns each subject's genuine probe.</summary>
    private static async Task<List<(string Subject, float[] Embedding)>> EnrolAsync(HttpClient http, string controller, int subjects)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", controller);
        await Expect(http.PostAsync("/v1/purposes", new StringContent(Purpose, MediaTypeHeaderValue.Parse("application/json"))));
        var random = new Random(13);
        var probes = new List<(string, float[])>();
        for (var i = 0; i < subjects; i++)
        {
            var subject = string.Create(CultureInfo.InvariantCulture, $"load-{i:D4}");
            var reference = Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            await Expect(http.PostAsJsonAsync("/v1/subjects", new { id = subject }));
            await Expect(http.PostAsJsonAsync($"/v1/subjects/{subject}/consents", new { purpose = "identity-verification", noticeVersion = "v1", @explicit = true, channel = "desk" }));
            await Expect(http.PostAsJsonAsync("/v1/onboarding", new { subject, embedding = reference }));
            probes.Add((subject, reference.Select(x => x + (float)((random.NextDouble() - 0.5) * 0.05)).ToArray()));
        }

        http.DefaultRequestHeaders.Authorization = null;
        return probes;
    }

    private static async Task Expect(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Set-up failed: {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>The benchmark's own pipeline, timed step after step on its own key holder.</summary>
    private static Sample Pipeline(int iterations)
    {
        var steps = new VerificationBenchmarks();
        steps.Setup();
        try
        {
            return MeasureAsync(1, iterations, _ =>
            {
                steps.Transform();
                steps.EncryptProbe();
                steps.Compare();
                return Task.FromResult(steps.BoundDecision() || true);
            }).GetAwaiter().GetResult();
        }
        finally
        {
            steps.Cleanup();
        }
    }

    /// <summary>Runs <paramref name="total"/> calls from <paramref name="concurrency"/> workers after a warm-up of a few calls per worker.</summary>
    private static async Task<Sample> MeasureAsync(int concurrency, int total, Func<int, Task<bool>> call)
    {
        for (var i = 0; i < Math.Max(4, concurrency); i++)
        {
            await call(i);
        }

        var latencies = new double[total];
        var failures = 0;
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < total; i = Interlocked.Increment(ref next))
            {
                var start = Stopwatch.GetTimestamp();
                if (!await call(i))
                {
                    Interlocked.Increment(ref failures);
                }

                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        clock.Stop();
        var cpuPerCall = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / total;
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} of {total} calls failed: the figures would not be of the verification path.");
        }

        Array.Sort(latencies);
        return new Sample(total / clock.Elapsed.TotalSeconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), cpuPerCall);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string Row(string path, int clients, Sample s, double? pipelineP50 = null) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {path} | {clients} | {s.RequestsPerSecond:F1} | {s.P50:F1} ms | {s.P99:F1} ms | {s.CpuMilliseconds:F1} ms | {(pipelineP50 is { } p ? (s.P50 / p).ToString("F2", CultureInfo.InvariantCulture) : "")} |");

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private sealed record Sample(double RequestsPerSecond, double P50, double P99, double CpuMilliseconds);
}
