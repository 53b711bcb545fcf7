using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Obscura.Biometrics.Cluster;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// The encrypted 1:N gallery on an Orleans cluster of 1, 2 and 3 silos in this process (localhost clustering, one
/// shared block store in a temporary folder): full blocks of 8,192 templates, each query the probe's preparation, the
/// fan-out to every block grain, the searches and the merge of the validated scores (the key holder's decryptions are
/// not counted, as in the single-process rows). Prints templates/s per silo count and the single-process search on the
/// same gallery. Silos here share this machine's cores, so the rows show the cluster's overhead, not a scaling a
/// cluster of machines would have.
/// Usage: <c>dotnet run -c Release --project bench/Obscura.Benchmarks -- gallery-cluster [--blocks 4] [--queries 10] [--dimension 128]</c>.
/// </summary>
internal static class GalleryClusterBench
{
    /// <summary>The first argument that selects this run instead of BenchmarkDotNet.</summary>
    public const string Command = "gallery-cluster";

    public static async Task<int> RunAsync(string[] args)
    {
        var (blocks, queries, dimension) = (4, 10, 128);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--blocks" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0:
                    blocks = b;
                    break;
                case "--queries" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var q) && q > 0:
                    queries = q;
                    break;
                case "--dimension" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= FaceTemplate.MinDimension and <= FaceTemplate.MaxDimension:
                    dimension = d;
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: gallery-cluster [--blocks N] [--queries N] [--dimension 128..512]");
                    return 2;
            }
        }

        using var secretKey = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
        var publicKey = CkksKeyGenerator.CreatePublicKey(secretKey);
        var encryptor = new CkksEncryptor(GalleryScheme.Parameters);
        using var galleryKey = GalleryTransformationKey.Generate(PurposeId.Parse("bench-watchlist"));
        var random = new Random(7);
        var gallery = new EncryptedGallery(dimension, galleryKey);
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < blocks; b++)
        {
            var ids = Enumerable.Range(0, EncryptedGallery.BlockSize).Select(k => $"s{b}-{k}").ToArray();
            gallery.Add(encryptor, publicKey, ids, [.. ids.Select(_ => galleryKey.Apply(FaceTemplate.FromEmbedding(Unit(random, dimension))))]);
        }

        var templates = gallery.Count;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"encrypted {templates:N0} templates (d = {dimension}) in {clock.Elapsed.TotalSeconds:F1} s"));
        var probeFace = FaceTemplate.FromEmbedding(Unit(random, dimension));

        // Single process, same gallery: the baseline.
        GalleryProbe.Prepare(galleryKey, probeFace, 0.5, encryptor);
        gallery.Search(GalleryProbe.Prepare(galleryKey, probeFace, 0.5, encryptor));
        var single = Time(queries, () => gallery.Search(GalleryProbe.Prepare(galleryKey, probeFace, 0.5, encryptor)));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Gallery of {templates:N0} templates ({blocks} blocks), d = {dimension}, {queries} queries per row, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine();
        Console.WriteLine("| Row | query (median) | templates/s | blocks per silo |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| single process | {single:F0} ms | {templates / single * 1000:N0} | |"));
        foreach (var silos in new[] { 1, 2, 3 })
        {
            var folder = Path.Combine(Path.GetTempPath(), "obscura-bench-" + Guid.NewGuid().ToString("N"));
            var hosts = await StartAsync(silos, new FileGalleryBlockStore(folder), CkksSerializer.Serialize(publicKey));
            try
            {
                var clustered = new ClusteredGallery(hosts[^1].Services.GetRequiredService<IClusterClient>(), galleryKey.Id, dimension);
                await clustered.EnrolAsync(gallery);
                await clustered.SearchAsync(GalleryProbe.Prepare(galleryKey, probeFace, 0.5, encryptor));
                var placement = await clustered.PlacementAsync();
                var perSilo = string.Join(" / ", placement.GroupBy(s => s).Select(g => g.Count()).OrderDescending());
                var times = new List<double>();
                for (var q = 0; q < queries; q++)
                {
                    var watch = Stopwatch.StartNew();
                    await clustered.SearchAsync(GalleryProbe.Prepare(galleryKey, probeFace, 0.5, encryptor));
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }

                var median = Median(times);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Orleans, {silos} silo{(silos > 1 ? "s" : "")} | {median:F0} ms | {templates / median * 1000:N0} | {perSilo} |"));
            }
            finally
            {
                foreach (var host in Enumerable.Reverse(hosts))
                {
                    await host.StopAsync();
                    host.Dispose();
                }

                Directory.Delete(folder, recursive: true);
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"block in memory: {gallery.Blocks[0].SizeInBytes / 1048576.0:F1} MiB ({gallery.Blocks[0].SizeInBytes / (double)EncryptedGallery.BlockSize / 1024:F2} KiB per template); serialised: {gallery.Blocks[0].Serialize().Length / 1048576.0:F1} MiB"));
        return 0;
    }

    private static double Time(int queries, Action query)
    {
        var times = new List<double>();
        for (var q = 0; q < queries; q++)
        {
            var watch = Stopwatch.StartNew();
            query();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return Median(times);
    }

    private static double Median(List<double> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Silos 0 … n − 1, then a client host (last) on every gateway.</summary>
    private static async Task<List<IHost>> StartAsync(int silos, IGalleryBlockStore store, byte[] publicKey)
    {
        var clusterId = "obscura-bench-" + Guid.NewGuid().ToString("N")[..8];
        var ports = Enumerable.Range(0, 2 * silos).Select(_ => FreePort()).ToArray();
        var primary = new IPEndPoint(IPAddress.Loopback, ports[0]);
        var hosts = new List<IHost>();
        for (var i = 0; i < silos; i++)
        {
            var (siloPort, gatewayPort) = (ports[2 * i], ports[(2 * i) + 1]);
            var host = new HostBuilder()
                .UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort, primary, clusterId, clusterId).AddEncryptedGallery(store, publicKey))
                .Build();
            await host.StartAsync();
            hosts.Add(host);
        }

        int[] gateways = [.. Enumerable.Range(0, silos).Select(i => ports[(2 * i) + 1])];
        var client = new HostBuilder().UseOrleansClient(c => c.UseLocalhostClustering(gateways, clusterId, clusterId).AddEncryptedGalleryClient()).Build();
        await client.StartAsync();
        hosts.Add(client);
        return hosts;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static float[] Unit(Random random, int dimension)
    {
        var v = new float[dimension];
        for (var j = 0; j < dimension; j++)
        {
            v[j] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        var norm = (float)Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}
