using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Obscura.Biometrics.Cluster.Tests;

/// <summary>
/// An Orleans cluster of in-process silos on localhost clustering (silo 0 is the primary, which holds the development
/// membership table), free ports, a fresh cluster id, one shared block store, and a client connected to every gateway.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<IHost> _silos = [];
    private IHost? _client;

    private LocalCluster(IGalleryBlockStore store) => Store = store;

    public IGalleryBlockStore Store { get; }

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silos still running, by their address (what a grain reports as its runtime identity).</summary>
    public IReadOnlyList<string> Silos => [.. _silos.Select(SiloAddress)];

    /// <summary>The primary silo's address.</summary>
    public string Primary => SiloAddress(_silos[0]);

    public static async Task<LocalCluster> StartAsync(int silos, IGalleryBlockStore store, byte[] publicKey)
    {
        var cluster = new LocalCluster(store);
        var clusterId = "obscura-test-" + Guid.NewGuid().ToString("N")[..8];
        var ports = Enumerable.Range(0, 2 * silos).Select(_ => FreePort()).ToArray();
        var primary = new IPEndPoint(IPAddress.Loopback, ports[0]);
        for (var i = 0; i < silos; i++)
        {
            var (siloPort, gatewayPort) = (ports[2 * i], ports[(2 * i) + 1]);
            var host = new HostBuilder()
                .UseOrleans(silo => silo
                    .UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: clusterId, clusterId: clusterId)
                    .AddEncryptedGallery(store, publicKey))
                .Build();
            await host.StartAsync(TestContext.Current.CancellationToken);
            cluster._silos.Add(host);
        }

        int[] gateways = [.. Enumerable.Range(0, silos).Select(i => ports[(2 * i) + 1])];
        cluster._client = new HostBuilder()
            .UseOrleansClient(client => client.UseLocalhostClustering(gateways, serviceId: clusterId, clusterId: clusterId).AddEncryptedGalleryClient())
            .Build();
        await cluster._client.StartAsync(TestContext.Current.CancellationToken);
        return cluster;
    }

    /// <summary>Stops the silo with address <paramref name="silo"/> (a graceful shutdown: its activations end, its blocks stay in the store).</summary>
    public async Task StopSiloAsync(string silo)
    {
        var host = _silos.Single(h => SiloAddress(h) == silo);
        await host.StopAsync(TestContext.Current.CancellationToken);
        host.Dispose();
        _silos.Remove(host);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync(CancellationToken.None);
            _client.Dispose();
        }

        // Non-primary silos first: the primary holds the membership table the others leave through.
        foreach (var host in Enumerable.Reverse(_silos))
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    private static string SiloAddress(IHost host) => host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
