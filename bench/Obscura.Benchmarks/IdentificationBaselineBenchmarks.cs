using System.Numerics;
using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// The 1:N layout before issue 13, kept here only to measure it beside <see cref="IdentificationBenchmarks"/> in one
/// run: 16,384 templates in two blocks under the CKKS parameter set 1:1 verification used before issue 13 (N = 8192,
/// primes of 60 and 55 bits, Δ = 2^55; 1:1 is exact BGV now, and 1:N has <see cref="GalleryScheme"/>), one column
/// ciphertext per coordinate plus a column of ones, the probe as 513 public-key encryptions (coordinate j in every
/// slot, −t last) and the search as <see cref="CkksEvaluator.DotProduct"/> (ciphertext × ciphertext, one
/// relinearisation per block).
/// </summary>
public class IdentificationBaselineBenchmarks
{
    private const int Templates = 16384;
    private const int Dimension = 512;
    private readonly CkksParameters _parameters = CkksParameters.Create(8192, [60, 55], 60, 55);
    private CkksEncryptor _encryptor = null!;
    private CkksEvaluator _evaluator = null!;
    private CkksPublicKey _publicKey = null!;
    private CkksRelinearizationKey _relinearizationKey = null!;
    private TransformedTemplate _probe = null!;
    private CkksCiphertext[] _encryptedProbe = null!;
    private CkksCiphertext[][] _blocks = null!;

    [GlobalSetup]
    public void Setup()
    {
        _encryptor = new CkksEncryptor(_parameters);
        _evaluator = new CkksEvaluator(_parameters);
        using var secret = CkksKeyGenerator.GenerateSecretKey(_parameters);
        _publicKey = CkksKeyGenerator.CreatePublicKey(secret);
        _relinearizationKey = CkksKeyGenerator.CreateRelinearizationKey(secret);
        var random = new Random(1);
        TransformedTemplate Template() => IdentificationBenchmarks.RandomTransformed("ttk_bench", random);
        var slotCount = _parameters.SlotCount;
        var blockSize = 2 * slotCount;
        _blocks = [.. Enumerable.Range(0, Templates / blockSize).Select(_ =>
        {
            TransformedTemplate[] templates = [.. Enumerable.Range(0, blockSize).Select(_ => Template())];
            return CkksEvaluator.Batch(Enumerable.Range(0, Dimension + 1).ToArray(), j =>
            {
                var slots = new Complex[slotCount];
                for (var k = 0; k < blockSize; k++)
                {
                    var value = j < Dimension ? templates[k].Values[j] : 1;
                    slots[k % slotCount] += k < slotCount ? value : new Complex(0, value);
                }

                return _encryptor.Encrypt(_publicKey, _encryptor.Encode(slots));
            });
        })];
        _probe = Template();
        _encryptedProbe = EncryptProbe();
    }

    [Benchmark(Description = "before: encrypt probe, 513 ciphertexts (2 cores)")]
    public CkksCiphertext[] EncryptProbe() =>
        CkksEvaluator.Batch(Enumerable.Range(0, Dimension + 1).ToArray(), j =>
            _encryptor.Encrypt(_publicKey, _encryptor.Encode(Enumerable.Repeat(j < Dimension ? _probe.Values[j] : -0.5, _parameters.SlotCount).ToArray())));

    [Benchmark(Description = "before: search 16,384 templates (2 cores)")]
    public CkksCiphertext[] Search() => [.. _blocks.Select(b => _evaluator.DotProduct(b, _encryptedProbe, _relinearizationKey))];

    [Benchmark(Description = "before: search 16,384 templates (one core)")]
    public CkksCiphertext[] SearchOneCore() => [.. _blocks.Select(b => _evaluator.DotProduct(b, _encryptedProbe, _relinearizationKey, maxDegreeOfParallelism: 1))];
}
