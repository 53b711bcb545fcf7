using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Benchmarks;

/// <summary>
/// BGV at N = 8192 with the modulus shape of Microsoft SEAL's default 128-bit set for that degree (ciphertext primes of
/// 44, 43, 43, 44 bits and a 44-bit special prime, 218 bits in all, as in <see cref="SealShapeBenchmarks"/>) and SEAL's
/// benchmark plaintext modulus (the largest 20-bit prime ≡ 1 mod 2N, <c>PlainModulus::Batching(8192, 20)</c>), so each
/// row compares one to one with <c>sealbench</c>'s "n=8192 / log(q)=218 / BGV / …" rows on the same machine. Public-key
/// encryption does SEAL's work (encryption of zero modulo Q·P, division by P). Results are new ciphertexts except where
/// a row says in place; the in-place rows repeat the operation on one ciphertext (its cost does not depend on values).
/// </summary>
public class BgvSealShapeBenchmarks
{
    private BgvEncryptor _encryptor = null!;
    private BgvDecryptor _decryptor = null!;
    private BgvEvaluator _evaluator = null!;
    private BgvSecretKey _secretKey = null!;
    private BgvPublicKey _publicKey = null!;
    private BgvRelinearizationKey _relinearizationKey = null!;
    private BgvGaloisKeys _galoisKeys = null!;
    private BgvPlaintext _plaintext = null!;
    private BgvCiphertext _ciphertext = null!;
    private BgvCiphertext _other = null!;
    private BgvCiphertext _product = null!;
    private BgvCiphertext _working = null!;

    [GlobalSetup]
    public void Setup()
    {
        var plainModulus = Primes.NttFriendly(20, 8192, 1)[0];
        var parameters = BgvParameters.Create(8192, [44, 43, 43, 44], 44, plainModulus);
        var generator = new BgvKeyGenerator(parameters);
        _secretKey = generator.CreateSecretKey();
        _publicKey = generator.CreatePublicKey(_secretKey);
        _relinearizationKey = generator.CreateRelinearizationKey(_secretKey);
        _galoisKeys = generator.CreateGaloisKeys(_secretKey, [1], columnSwap: true);
        _encryptor = new BgvEncryptor(parameters);
        _decryptor = new BgvDecryptor(_secretKey);
        _evaluator = new BgvEvaluator(parameters);
        var random = new Random(1);
        var encoder = new BgvEncoder(parameters);
        _plaintext = encoder.Encode([.. Enumerable.Range(0, parameters.SlotCount).Select(_ => random.NextInt64((long)plainModulus))]);
        _ciphertext = _encryptor.Encrypt(_publicKey, _plaintext);
        _other = _encryptor.Encrypt(_publicKey, _plaintext);
        _product = _evaluator.Multiply(_ciphertext, _other);
        _working = _encryptor.Encrypt(_publicKey, _plaintext);
    }

    [GlobalCleanup]
    public void Cleanup() => _secretKey.Dispose();

    [Benchmark(Description = "BGV encrypt (public key)")]
    public BgvCiphertext EncryptPublic() => _encryptor.Encrypt(_publicKey, _plaintext);

    [Benchmark(Description = "BGV encrypt (secret key)")]
    public BgvCiphertext EncryptSecret() => _encryptor.EncryptSymmetric(_secretKey, _plaintext);

    [Benchmark(Description = "BGV decrypt")]
    public BgvPlaintext Decrypt() => _decryptor.Decrypt(_ciphertext);

    [Benchmark(Description = "BGV add")]
    public BgvCiphertext Add() => _evaluator.Add(_ciphertext, _other);

    [Benchmark(Description = "BGV add, in place")]
    public void AddInPlace() => _evaluator.AddInPlace(_working, _other);

    [Benchmark(Description = "BGV multiply_plain")]
    public BgvCiphertext MultiplyPlain() => _evaluator.MultiplyPlain(_ciphertext, _plaintext);

    [Benchmark(Description = "BGV multiply_plain, in place")]
    public void MultiplyPlainInPlace() => _evaluator.MultiplyPlainInPlace(_working, _plaintext);

    [Benchmark(Description = "BGV multiply (SEAL: MulCt)")]
    public BgvCiphertext Multiply() => _evaluator.Multiply(_ciphertext, _other);

    [Benchmark(Description = "BGV relinearise (copy, then in place)")]
    public BgvCiphertext Relinearize() => _evaluator.Relinearize(_product, _relinearizationKey);

    [Benchmark(Description = "BGV multiply + relinearise")]
    public BgvCiphertext MultiplyRelinearize() => _evaluator.MultiplyRelinearize(_ciphertext, _other, _relinearizationKey);

    [Benchmark(Description = "BGV rotate rows by 1")]
    public BgvCiphertext RotateRows() => _evaluator.RotateRows(_ciphertext, 1, _galoisKeys);

    [Benchmark(Description = "BGV rotate rows by 1, in place")]
    public void RotateRowsInPlace() => _evaluator.RotateRowsInPlace(_working, 1, _galoisKeys);

    [Benchmark(Description = "BGV rotate columns")]
    public BgvCiphertext RotateColumns() => _evaluator.RotateColumns(_ciphertext, _galoisKeys);

    [Benchmark(Description = "BGV mod switch to next (copy, then in place)")]
    public BgvCiphertext ModSwitch() => _evaluator.ModSwitchToNext(_ciphertext);
}
