using System.Numerics;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// Encryption and evaluation precision. Thresholds sit orders of magnitude above the expected error (noise of a few
/// σ·√N against Δ = 2^40) and far below a wrong result; with σ = 3.2 truncated at 6σ the noise is bounded, so these
/// tests cannot fail by chance. Achieved precision is written to the test output.
/// </summary>
public sealed class CkksTests
{
    private static readonly CkksParameters P = CkksParameters.N8192Security128;

    [Fact]
    public void Named_parameter_sets_meet_the_128_bit_bound()
    {
        foreach (var p in new[] { CkksParameters.N4096Security128, CkksParameters.N8192Security128, CkksParameters.N16384Security128 })
        {
            Assert.True(p.MeetsSecurityStandard);
            Assert.True(p.TotalModulusBits <= SecurityStandard.MaxModulusBits(p.PolyDegree, 128), p.ToString());
            Assert.Equal(p.MaxLevel + 1, p.CiphertextModuli.Count);
            Assert.All(p.CiphertextModuli.Moduli, q => Assert.Equal(1UL, q.Value % (2UL * (ulong)p.PolyDegree)));
        }
    }

    [Fact]
    public void Insecure_sets_need_an_explicit_opt_in_and_say_so()
    {
        var ex = Assert.Throws<ArgumentException>(() => CkksParameters.Create(8192, [60, 60, 60], 60, 40));
        Assert.Contains("218-bit bound", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => CkksParameters.Create(1024, [30], 30, 20));
        var test = CkksParameters.Create(1024, [40, 30], 40, 25, allowInsecure: true);
        Assert.False(test.MeetsSecurityStandard);
        Assert.Contains("INSECURE", test.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CkksParameters.Create(8192, [40, 40], 30, 30));
        Assert.Throws<ArgumentException>(() => CkksParameters.Create(8192, [40, 40], 40, 40));
    }

    [Fact]
    public void Symmetric_and_public_key_encryption_decrypt_to_the_encoded_values()
    {
        var encryptor = new CkksEncryptor(P);
        using var sk = CkksKeyGenerator.GenerateSecretKey(P);
        var pk = CkksKeyGenerator.CreatePublicKey(sk);
        var z = RandomSlots(P.SlotCount, 1);
        var plaintext = encryptor.Encode(z);

        var symmetric = MaxError(encryptor.Decode(encryptor.Decrypt(sk, encryptor.EncryptSymmetric(sk, plaintext))), z);
        var publicKey = MaxError(encryptor.Decode(encryptor.Decrypt(sk, encryptor.Encrypt(pk, plaintext))), z);
        Report("symmetric encryption", symmetric);
        Report("public-key encryption", publicKey);
        Assert.True(symmetric < 1e-7);
        Assert.True(publicKey < 1e-5);
    }

    [Fact]
    public void A_different_secret_key_decrypts_to_noise()
    {
        var encryptor = new CkksEncryptor(P);
        using var sk = CkksKeyGenerator.GenerateSecretKey(P);
        using var other = CkksKeyGenerator.GenerateSecretKey(P);
        var z = RandomSlots(P.SlotCount, 2);
        var ciphertext = encryptor.EncryptSymmetric(sk, encryptor.Encode(z));
        Assert.True(MaxError(encryptor.Decode(encryptor.Decrypt(other, ciphertext)), z) > 1);
    }

    [Fact]
    public void Addition_and_subtraction_act_slot_wise()
    {
        var encryptor = new CkksEncryptor(P);
        var evaluator = new CkksEvaluator(P);
        using var sk = CkksKeyGenerator.GenerateSecretKey(P);
        var pk = CkksKeyGenerator.CreatePublicKey(sk);
        var z1 = RandomSlots(P.SlotCount, 3);
        var z2 = RandomSlots(P.SlotCount, 4);
        var c1 = encryptor.Encrypt(pk, encryptor.Encode(z1));
        var c2 = encryptor.Encrypt(pk, encryptor.Encode(z2));
        var sum = MaxError(encryptor.Decode(encryptor.Decrypt(sk, evaluator.Add(c1, c2))), [.. z1.Zip(z2, (a, b) => a + b)]);
        var difference = MaxError(encryptor.Decode(encryptor.Decrypt(sk, evaluator.Subtract(c1, c2))), [.. z1.Zip(z2, (a, b) => a - b)]);
        var plain = MaxError(encryptor.Decode(encryptor.Decrypt(sk, evaluator.AddPlain(c1, encryptor.Encode(z2)))), [.. z1.Zip(z2, (a, b) => a + b)]);
        Report("add", sum);
        Assert.True(sum < 1e-5 && difference < 1e-5 && plain < 1e-5);
    }

    [Fact]
    public void Plaintext_multiplication_then_rescale_multiplies_slots_down_to_level_zero()
    {
        var encryptor = new CkksEncryptor(P);
        var evaluator = new CkksEvaluator(P);
        using var sk = CkksKeyGenerator.GenerateSecretKey(P);
        var expected = RandomSlots(P.SlotCount, 5);
        var ciphertext = encryptor.EncryptSymmetric(sk, encryptor.Encode(expected));
        for (var round = 0; ciphertext.Level > 0; round++)
        {
            var factor = RandomSlots(P.SlotCount, 10 + round);
            ciphertext = evaluator.Rescale(evaluator.MultiplyPlain(ciphertext, encryptor.Encode(factor, ciphertext.Level)));
            expected = [.. expected.Zip(factor, (a, b) => a * b)];
            var error = MaxError(encryptor.Decode(encryptor.Decrypt(sk, ciphertext)), expected);
            Report($"multiply_plain + rescale to level {ciphertext.Level}", error);
            Assert.True(error < 1e-4, $"level {ciphertext.Level}: {error}");
            Assert.InRange(ciphertext.Scale / P.DefaultScale, 0.99, 1.01);
        }

        Assert.Throws<InvalidOperationException>(() => evaluator.Rescale(ciphertext));
    }

    [Fact]
    public void Mismatched_operands_are_refused()
    {
        var encryptor = new CkksEncryptor(P);
        var evaluator = new CkksEvaluator(P);
        using var sk = CkksKeyGenerator.GenerateSecretKey(P);
        var top = encryptor.EncryptSymmetric(sk, encryptor.Encode(new double[] { 1 }));
        var lower = encryptor.EncryptSymmetric(sk, encryptor.Encode(new double[] { 1 }, level: 1));
        Assert.Throws<ArgumentException>(() => evaluator.Add(top, lower));
        Assert.Throws<ArgumentException>(() => evaluator.MultiplyPlain(top, encryptor.Encode(new double[] { 1 }, level: 0)));
        Assert.Throws<ArgumentException>(() => evaluator.Add(top, evaluator.MultiplyPlain(top, encryptor.Encode(new double[] { 1 }))));
        Assert.Throws<ArgumentOutOfRangeException>(() => encryptor.Encode(new double[] { 1 }, level: P.MaxLevel + 1));

        // Values that would not fit below q_0 / 2 at level 0 are refused rather than wrapped; two limbs hold them.
        // (Every slot 1 is the constant polynomial Δ.)
        var ones = Enumerable.Repeat(1.0, P.SlotCount).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => encryptor.Encode(ones, level: 0, scale: Math.Pow(2, 60)));
        Assert.Equal(1, encryptor.Decode(encryptor.Encode(ones, level: 1, scale: Math.Pow(2, 60)))[0].Real, 9);
        var other = new CkksEncryptor(CkksParameters.N4096Security128);
        Assert.Throws<ArgumentException>(() => other.Decrypt(sk, top));
    }

    [Fact]
    public void A_secret_key_prints_nothing_and_is_unusable_after_dispose()
    {
        var encryptor = new CkksEncryptor(P);
        var sk = CkksKeyGenerator.GenerateSecretKey(P);
        Assert.Equal("CkksSecretKey(hidden)", sk.ToString());
        var ciphertext = encryptor.EncryptSymmetric(sk, encryptor.Encode(new double[] { 1 }));
        sk.Dispose();
        Assert.Throws<ObjectDisposedException>(() => encryptor.Decrypt(sk, ciphertext));
    }

    private static Complex[] RandomSlots(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new Complex((random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1))];
    }

    private static double MaxError(Complex[] actual, Complex[] expected) => expected.Select((e, i) => Complex.Abs(actual[i] - e)).Max();

    private static void Report(string operation, double error) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"{operation}: max slot error {error:E2} ({-Math.Log2(error):F1} bits of precision)");
}
