using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>CKKS operations at each named 128-bit parameter set, full slots, scalar path.</summary>
public class CkksBenchmarks
{
    private CkksEncryptor _encryptor = null!;
    private CkksEvaluator _evaluator = null!;
    private CkksSecretKey _secretKey = null!;
    private CkksPublicKey _publicKey = null!;
    private CkksPlaintext _plaintext = null!;
    private CkksCiphertext _ciphertext = null!;
    private CkksCiphertext _product = null!;

    [Params(4096, 8192, 16384)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parameters = N switch
        {
            4096 => CkksParameters.N4096Security128,
            8192 => CkksParameters.N8192Security128,
            _ => CkksParameters.N16384Security128,
        };
        _encryptor = new CkksEncryptor(parameters);
        _evaluator = new CkksEvaluator(parameters);
        _secretKey = CkksKeyGenerator.GenerateSecretKey(parameters);
        _publicKey = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var random = new Random(1);
        _plaintext = _encryptor.Encode(Enumerable.Range(0, parameters.SlotCount).Select(_ => random.NextDouble()).ToArray());
        _ciphertext = _encryptor.Encrypt(_publicKey, _plaintext);
        _product = _evaluator.MultiplyPlain(_ciphertext, _plaintext);
    }

    [GlobalCleanup]
    public void Cleanup() => _secretKey.Dispose();

    [Benchmark(Description = "encrypt (public key)")]
    public CkksCiphertext Encrypt() => _encryptor.Encrypt(_publicKey, _plaintext);

    [Benchmark(Description = "multiply_plain")]
    public CkksCiphertext MultiplyPlain() => _evaluator.MultiplyPlain(_ciphertext, _plaintext);

    [Benchmark(Description = "rescale")]
    public CkksCiphertext Rescale() => _evaluator.Rescale(_product);
}
