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
    private CkksRelinearizationKey _relinearizationKey = null!;
    private CkksGaloisKeys _galoisKeys = null!;

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
        _relinearizationKey = CkksKeyGenerator.CreateRelinearizationKey(_secretKey);

        // Rotations 1, 2, 4, … cover both single rotations and the inner product's sum over 512 slots.
        _galoisKeys = CkksKeyGenerator.CreateGaloisKeys(_secretKey, Enumerable.Range(0, 9).Select(i => 1 << i));
    }

    [GlobalCleanup]
    public void Cleanup() => _secretKey.Dispose();

    [Benchmark(Description = "encrypt (public key)")]
    public CkksCiphertext Encrypt() => _encryptor.Encrypt(_publicKey, _plaintext);

    [Benchmark(Description = "multiply_plain")]
    public CkksCiphertext MultiplyPlain() => _evaluator.MultiplyPlain(_ciphertext, _plaintext);

    [Benchmark(Description = "rescale")]
    public CkksCiphertext Rescale() => _evaluator.Rescale(_product);

    [Benchmark(Description = "multiply + relinearise")]
    public CkksCiphertext MultiplyRelinearize() => _evaluator.Multiply(_ciphertext, _ciphertext, _relinearizationKey);

    [Benchmark(Description = "rotate by 1")]
    public CkksCiphertext Rotate() => _evaluator.Rotate(_ciphertext, 1, _galoisKeys);

    /// <summary>Multiply, relinearise, rescale, then 9 rotate-and-add steps: the sum of 512 slot products lands in slot 0.</summary>
    [Benchmark(Description = "inner product, 512 slots")]
    public CkksCiphertext InnerProduct512()
    {
        var result = _evaluator.Rescale(_evaluator.Multiply(_ciphertext, _ciphertext, _relinearizationKey));
        for (var step = 1; step < 512; step <<= 1)
        {
            result = _evaluator.Add(result, _evaluator.Rotate(result, step, _galoisKeys));
        }

        return result;
    }
}
