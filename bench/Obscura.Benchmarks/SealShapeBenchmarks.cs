using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Ring;

namespace Obscura.Benchmarks;

/// <summary>
/// CKKS at N = 8192 with the modulus shape of Microsoft SEAL's default 128-bit set for that degree (four ciphertext
/// primes of 43–44 bits and a 44-bit special prime, 218 bits in all), so each row compares one to one with SEAL's
/// native <c>sealbench</c> rows "n=8192 / log(q)=218 / CKKS / …" and "UTIL / NTTForwardLowLevel" run on the same machine.
/// </summary>
public class SealShapeBenchmarks : CkksOperationBenchmarks
{
    private ulong[] _limb = null!;

    [Benchmark(Description = "NTT forward, one limb")]
    public void NttForward() => Ntt.Forward(_limb, Parameters.Tables(0));

    [Benchmark(Description = "NTT inverse, one limb")]
    public void NttInverse() => Ntt.Inverse(_limb, Parameters.Tables(0));

    [Benchmark(Description = "encrypt (secret key)")]
    public CkksCiphertext EncryptSymmetric() => Encryptor.EncryptSymmetric(SecretKey, Plaintext);

    /// <inheritdoc/>
    protected override CkksParameters CreateParameters() => CkksParameters.Create(8192, [44, 43, 43, 44], 44, 40);

    /// <inheritdoc/>
    protected override void SetupExtra(Random random)
    {
        var q = Parameters.CiphertextModuli.Moduli[0].Value;
        _limb = [.. Enumerable.Range(0, 8192).Select(_ => (ulong)random.NextInt64() % q)];
    }
}
