using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ring;

namespace Obscura.Benchmarks;

/// <summary>Negacyclic NTT of one RNS limb (a 60-bit prime) per ring degree, scalar, AVX2 and AVX-512 paths side by side.</summary>
public class NttBenchmarks
{
    private NttTables _tables = null!;
    private ulong[] _data = null!;

    [Params(4096, 8192, 16384)]
    public int N { get; set; }

    /// <summary>Which butterflies run: "scalar", "avx2" or "avx512" (a path the CPU lacks falls back to scalar).</summary>
    [Params("scalar", "avx2", "avx512")]
    public string Path { get; set; } = "scalar";

    private NttPath Chosen
    {
        get
        {
            var path = Path switch { "avx2" => NttPath.Avx2, "avx512" => NttPath.Avx512, _ => NttPath.Scalar };
            return NttVector.Supports(path) ? path : NttPath.Scalar;
        }
    }

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
    public void Forward() => Ntt.ForwardCore(_data, _tables, Chosen);

    [Benchmark(Description = "NTT inverse")]
    public void Inverse() => Ntt.InverseCore(_data, _tables, Chosen);
}
