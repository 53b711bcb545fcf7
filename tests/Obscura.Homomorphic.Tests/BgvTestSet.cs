using Obscura.Homomorphic.Bgv;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// A parameter set with its keys and tools, built once per test run and shared (key generation at N = 8192 is the
/// expensive part): <see cref="Small"/> is an insecure N = 256 set for property tests, <see cref="Preset"/> the
/// N8192T65537 set with the decision circuit's rotation keys.
/// </summary>
internal sealed class BgvTestSet
{
    private static readonly Lazy<BgvTestSet> SmallSet = new(() => new BgvTestSet(BgvParameters.Create(256, [50, 30, 30], 50, 12289, allowInsecure: true), [1, 2, 3, -1, -5, 37, 127]));
    private static readonly Lazy<BgvTestSet> PresetSet = new(() => new BgvTestSet(BgvParameters.N8192T65537, [.. Enumerable.Range(0, 10).Select(i => 1 << i)]));

    private BgvTestSet(BgvParameters parameters, int[] rowSteps)
    {
        Parameters = parameters;
        var generator = new BgvKeyGenerator(parameters);
        SecretKey = generator.CreateSecretKey();
        PublicKey = generator.CreatePublicKey(SecretKey);
        RelinearizationKey = generator.CreateRelinearizationKey(SecretKey);
        GaloisKeys = generator.CreateGaloisKeys(SecretKey, rowSteps, columnSwap: true);
        Encoder = new BgvEncoder(parameters);
        Encryptor = new BgvEncryptor(parameters);
        Decryptor = new BgvDecryptor(SecretKey);
        Evaluator = new BgvEvaluator(parameters);
    }

    public static BgvTestSet Small => SmallSet.Value;

    public static BgvTestSet Preset => PresetSet.Value;

    public BgvParameters Parameters { get; }

    public BgvSecretKey SecretKey { get; }

    public BgvPublicKey PublicKey { get; }

    public BgvRelinearizationKey RelinearizationKey { get; }

    public BgvGaloisKeys GaloisKeys { get; }

    public BgvEncoder Encoder { get; }

    public BgvEncryptor Encryptor { get; }

    public BgvDecryptor Decryptor { get; }

    public BgvEvaluator Evaluator { get; }

    public long T => (long)Parameters.PlainModulus.Value;

    /// <summary>Uniform slot values in (−t/2, t/2].</summary>
    public long[] RandomSlots(Random random) => [.. Enumerable.Range(0, Parameters.SlotCount).Select(_ => random.NextInt64(-(T / 2), (T / 2) + 1))];

    /// <summary>v modulo t, centred in (−t/2, t/2] like <see cref="BgvEncoder.Decode"/>.</summary>
    public long Centre(Int128 v)
    {
        var r = (long)(((v % T) + T) % T);
        return r > T / 2 ? r - T : r;
    }

    public long[] Decrypt(BgvCiphertext ciphertext) => Encoder.Decode(Decryptor.Decrypt(ciphertext));

    public BgvCiphertext Encrypt(long[] values, bool publicKey = true) =>
        publicKey ? Encryptor.Encrypt(PublicKey, Encoder.Encode(values)) : Encryptor.EncryptSymmetric(SecretKey, Encoder.Encode(values));

    /// <summary>Slots after rotating both rows left by <paramref name="step"/> (SEAL's rotate_rows).</summary>
    public long[] RotateRows(long[] values, int step)
    {
        var rows = Parameters.RowSize;
        var k = ((step % rows) + rows) % rows;
        return [.. Enumerable.Range(0, values.Length).Select(i => i < rows ? values[(i + k) % rows] : values[rows + ((i - rows + k) % rows)])];
    }

    /// <summary>Slots after swapping the two rows (SEAL's rotate_columns).</summary>
    public long[] SwapRows(long[] values) => [.. Enumerable.Range(0, values.Length).Select(i => values[(i + Parameters.RowSize) % values.Length])];
}
