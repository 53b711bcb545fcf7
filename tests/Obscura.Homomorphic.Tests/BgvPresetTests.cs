using Obscura.Homomorphic.Bgv;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// The N8192T65537 preset: how deep it goes, noise growth per operation, flooding, and the protected-verification
/// decision circuit run as a test of the engine. Noise figures (NoiseBits: log2 of the largest |t·e|) go to the test
/// output. Exactness cannot fail by chance: the noise is bounded (Gaussians truncated at 6σ, ternary secrets) and the
/// asserted depths keep it tens of bits below q_0/2.
/// </summary>
public sealed class BgvPresetTests
{
    private static readonly BgvTestSet S = BgvTestSet.Preset;

    [Fact]
    public void The_preset_supports_three_multiplications_and_reports_the_noise_of_each_operation()
    {
        var ev = S.Evaluator;
        var random = new Random(11);
        var x = S.RandomSlots(random);
        var ciphertext = S.Encrypt(x);
        var expected = x;
        Report("fresh, public key", ciphertext);
        Report("fresh, secret key", S.Encrypt(x, publicKey: false));
        for (var depth = 1; depth <= 3; depth++)
        {
            var y = S.RandomSlots(random);
            var factor = ev.ModSwitchTo(S.Encrypt(y), ciphertext.Level);
            var product = ev.Multiply(ciphertext, factor);
            Report($"depth {depth}: multiply at level {ciphertext.Level}", product);
            ciphertext = ev.Relinearize(product, S.RelinearizationKey);
            Report($"depth {depth}: relinearise", ciphertext);
            expected = [.. expected.Zip(y, (u, v) => S.Centre((Int128)u * v))];
            if (ciphertext.Level > 0)
            {
                ev.ModSwitchToNextInPlace(ciphertext);
                Report($"depth {depth}: mod switch to level {ciphertext.Level}", ciphertext);
            }

            Assert.Equal(expected, S.Decrypt(ciphertext));
        }

        // A fourth product at level 0 overflows q_0 / 2 (about 2^59): its noise would be near 2^72.
        var last = ev.MultiplyRelinearize(ciphertext, ev.ModSwitchTo(S.Encrypt(x), 0), S.RelinearizationKey);
        var wrong = S.Decrypt(last).Zip(expected.Zip(x, (u, v) => S.Centre((Int128)u * v))).Count(p => p.First != p.Second);
        Output($"depth 4 at level 0: {wrong} of {S.Parameters.SlotCount} slots wrong");
        Assert.True(wrong > S.Parameters.SlotCount / 2);
    }

    [Fact]
    public void Rotation_plaintext_product_and_flooding_noise_at_the_preset()
    {
        var ev = S.Evaluator;
        var x = S.RandomSlots(new Random(12));
        var ciphertext = S.Encrypt(x);
        Report("rotate rows by 1", ev.RotateRows(ciphertext, 1, S.GaloisKeys));
        Report("rotate columns", ev.RotateColumns(ciphertext, S.GaloisKeys));
        Report("multiply_plain (uniform slots)", ev.MultiplyPlain(ciphertext, S.Encoder.Encode(S.RandomSlots(new Random(13)))));
        Report("add_plain", ev.AddPlain(ciphertext, S.Encoder.Encode(x)));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(60)]
    [InlineData(100)]
    [InlineData(120)]
    public void Flooding_with_sigma_two_to_the_k_leaves_about_k_bits_of_noise_and_decrypts_exactly(int k)
    {
        var x = S.RandomSlots(new Random(14));
        var ciphertext = S.Encrypt(x);
        var before = S.Decryptor.NoiseBits(ciphertext);
        S.Encryptor.AddFloodingNoise(ciphertext, S.PublicKey, Math.Pow(2, k));
        var after = S.Decryptor.NoiseBits(ciphertext);
        Output($"flooding σ = 2^{k}: noise {before:F1} → {after:F1} bits");

        // The largest of 8192 Gaussian samples lies between σ·2 and the sampler's hard bound 8.6σ (+ the fresh noise,
        // 2^23 at most): P(all |g| < 2σ) = 0.954^8192 < 10^-160, so the lower bound cannot fail by chance.
        Assert.InRange(after, k + 1, k + 3.2);
        Assert.Equal(x, S.Decrypt(ciphertext));
        Assert.False(ciphertext.IsSeeded);
        var bottom = S.Evaluator.ModSwitchTo(ciphertext, 0);
        Output($"  after mod switch to level 0: {S.Decryptor.NoiseBits(bottom):F1} bits");
        Assert.Equal(x, S.Decrypt(bottom));
    }

    [Fact]
    public void A_flooding_sigma_that_does_not_fit_the_level_is_refused()
    {
        var x = S.RandomSlots(new Random(15));
        var level0 = S.Evaluator.ModSwitchTo(S.Encrypt(x), 0);

        // q_0 has 60 bits: 128·σ must stay below it, so 2^52 fits and 2^53 does not.
        Assert.Contains("does not fit", Assert.Throws<ArgumentOutOfRangeException>(() => S.Encryptor.AddFloodingNoise(level0, S.PublicKey, Math.Pow(2, 53))).Message, StringComparison.Ordinal);
        S.Encryptor.AddFloodingNoise(level0, S.PublicKey, Math.Pow(2, 52));
        Assert.Equal(x, S.Decrypt(level0));

        var top = S.Encrypt(x);
        Assert.Throws<ArgumentOutOfRangeException>(() => S.Encryptor.AddFloodingNoise(top, S.PublicKey, Math.Pow(2, 121)));
        Assert.Throws<ArgumentOutOfRangeException>(() => S.Encryptor.AddFloodingNoise(top, S.PublicKey, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => S.Encryptor.AddFloodingNoise(top, S.PublicKey, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => S.Encryptor.AddFloodingNoise(top, S.PublicKey, 1000)); // below t

        // With a tiny t, σ/t can pass the sampler's 2^110 while σ stays below 2^120: refused too.
        var tiny = BgvParameters.Create(8, [60, 60, 60], 60, 17, allowInsecure: true);
        var generator = new BgvKeyGenerator(tiny);
        using var key = generator.CreateSecretKey();
        var publicKey = generator.CreatePublicKey(key);
        var encoder = new BgvEncoder(tiny);
        var encryptor = new BgvEncryptor(tiny);
        var ciphertext = encryptor.Encrypt(publicKey, encoder.Encode([1, 2, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => encryptor.AddFloodingNoise(ciphertext, publicKey, Math.Pow(2, 116)));
        encryptor.AddFloodingNoise(ciphertext, publicKey, Math.Pow(2, 110));
        Assert.Equal([1L, 2, 3, 0, 0, 0, 0, 0], encoder.Decode(new BgvDecryptor(key).Decrypt(ciphertext)));
        Assert.Equal(x, S.Decrypt(top));
    }

    private static void Report(string operation, BgvCiphertext ciphertext) =>
        Output($"{operation}: noise {S.Decryptor.NoiseBits(ciphertext):F1} bits (level {ciphertext.Level}, modulus {S.Parameters.Ring.LevelBase(ciphertext.Level).BitCount} bits)");

    private static void Output(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
}
