using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ring;

namespace Obscura.Benchmarks;

/// <summary>Negacyclic NTT of one RNS limb (a 60-bit prime), scalar path, per ring degree.</summary>
public class NttBenchmarks
{
    private NttTables _tables = null!;
    private ulong[] _data = null!;

    [Params(4096, 8192, 16384)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _tables = new NttTables(N, new Modulus(Primes.NttFriendly(60, N, 1)[0]));
        var random = new Random(1);
        _data = new ulong[N];
        for (var i = 0; i < N; i++)
        {
            _data[i] = (ulong)random.NextInt64((long)_tables.Modulus.Value);
        }
    }

    [Benchmark(Description = "NTT forward")]
    public void Forward() => Ntt.Forward(_data, _tables);

    [Benchmark(Description = "NTT inverse")]
    public void Inverse() => Ntt.Inverse(_data, _tables);
}
