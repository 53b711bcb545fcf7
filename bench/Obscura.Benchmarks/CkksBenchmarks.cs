using BenchmarkDotNet.Attributes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>CKKS operations on one parameter set, full slots; subclasses choose the set.</summary>
public abstract class CkksOperationBenchmarks
{
    /// <summary>The parameter set under test.</summary>
    protected CkksParameters Parameters { get; private set; } = null!;

    /// <summary>Encoder and encryptor for <see cref="Parameters"/>.</summary>
    protected CkksEncryptor Encryptor { get; private set; } = null!;

    /// <summary>Evaluator for <see cref="Parameters"/>.</summary>
    protected CkksEvaluator Evaluator { get; private set; } = null!;

    /// <summary>A fresh secret key.</summary>
    protected CkksSecretKey SecretKey { get; private set; } = null!;

    /// <summary>Its public key.</summary>
    protected CkksPublicKey PublicKey { get; private set; } = null!;

    /// <summary>Random values in [0, 1) in every slot, at the top level.</summary>
    protected CkksPlaintext Plaintext { get; private set; } = null!;

    /// <summary>A public-key encryption of <see cref="Plaintext"/>.</summary>
    protected CkksCiphertext Ciphertext { get; private set; } = null!;

    /// <summary>Relinearisation key.</summary>
    protected CkksRelinearizationKey RelinearizationKey { get; private set; } = null!;

    /// <summary>Galois keys for rotations 1, 2, 4, …, 256.</summary>
    protected CkksGaloisKeys GaloisKeys { get; private set; } = null!;

    private CkksCiphertext _product = null!;

    [GlobalSetup]
    public void Setup()
    {
        Parameters = CreateParameters();
        Encryptor = new CkksEncryptor(Parameters);
        Evaluator = new CkksEvaluator(Parameters);
        SecretKey = CkksKeyGenerator.GenerateSecretKey(Parameters);
        PublicKey = CkksKeyGenerator.CreatePublicKey(SecretKey);
        var random = new Random(1);
        Plaintext = Encryptor.Encode(Enumerable.Range(0, Parameters.SlotCount).Select(_ => random.NextDouble()).ToArray());
        Ciphertext = Encryptor.Encrypt(PublicKey, Plaintext);
        _product = Evaluator.MultiplyPlain(Ciphertext, Plaintext);
        RelinearizationKey = CkksKeyGenerator.CreateRelinearizationKey(SecretKey);

        // Rotations 1, 2, 4, … cover both single rotations and the inner product's sum over 512 slots.
        GaloisKeys = CkksKeyGenerator.CreateGaloisKeys(SecretKey, Enumerable.Range(0, 9).Select(i => 1 << i));
        SetupExtra(random);
    }

    [GlobalCleanup]
    public void Cleanup() => SecretKey.Dispose();

    [Benchmark(Description = "encrypt (public key)")]
    public CkksCiphertext Encrypt() => Encryptor.Encrypt(PublicKey, Plaintext);

    [Benchmark(Description = "multiply_plain")]
    public CkksCiphertext MultiplyPlain() => Evaluator.MultiplyPlain(Ciphertext, Plaintext);

    [Benchmark(Description = "rescale")]
    public CkksCiphertext Rescale() => Evaluator.Rescale(_product);

    [Benchmark(Description = "multiply + relinearise")]
    public CkksCiphertext MultiplyRelinearize() => Evaluator.Multiply(Ciphertext, Ciphertext, RelinearizationKey);

    [Benchmark(Description = "rotate by 1")]
    public CkksCiphertext Rotate() => Evaluator.Rotate(Ciphertext, 1, GaloisKeys);

    /// <summary>The parameter set to measure.</summary>
    protected abstract CkksParameters CreateParameters();

    /// <summary>Further setup for a subclass's own benchmarks.</summary>
    protected virtual void SetupExtra(Random random)
    {
    }
}

/// <summary>CKKS operations at each named 128-bit parameter set.</summary>
public class CkksBenchmarks : CkksOperationBenchmarks
{
    [Params(4096, 8192, 16384)]
    public int N { get; set; }

    /// <summary>Multiply, relinearise, rescale, then 9 rotate-and-add steps: the sum of 512 slot products lands in slot 0.</summary>
    [Benchmark(Description = "inner product, 512 slots")]
    public CkksCiphertext InnerProduct512() =>
        Evaluator.SumSlots(Evaluator.Rescale(Evaluator.Multiply(Ciphertext, Ciphertext, RelinearizationKey)), 512, GaloisKeys);

    /// <inheritdoc/>
    protected override CkksParameters CreateParameters() => N switch
    {
        4096 => CkksParameters.N4096Security128,
        8192 => CkksParameters.N8192Security128,
        _ => CkksParameters.N16384Security128,
    };
}
