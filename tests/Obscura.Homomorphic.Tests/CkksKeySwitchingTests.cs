using System.Numerics;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// Operations that need key switching. As in <see cref="CkksTests"/>, thresholds are far above the bounded noise and
/// far below a wrong answer, so no test can fail by chance; achieved precision goes to the test output.
/// </summary>
public sealed class CkksKeySwitchingTests : IDisposable
{
    private static readonly CkksParameters P = CkksParameters.N8192Security128;
    private readonly CkksEncryptor _encryptor = new(P);
    private readonly CkksEvaluator _evaluator = new(P);
    private readonly CkksSecretKey _secretKey = CkksKeyGenerator.GenerateSecretKey(P);

    public void Dispose() => _secretKey.Dispose();

    [Fact]
    public void Multiplication_with_relinearisation_and_rescale_reaches_the_maximum_depth()
    {
        var relin = CkksKeyGenerator.CreateRelinearizationKey(_secretKey);
        var pk = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var expected = Slots(1);
        var ciphertext = _encryptor.Encrypt(pk, _encryptor.Encode(expected));
        for (var depth = 1; depth <= P.MaxLevel; depth++)
        {
            var factor = Slots(10 + depth);
            var other = _encryptor.Encrypt(pk, _encryptor.Encode(factor, ciphertext.Level, ciphertext.Scale));
            ciphertext = _evaluator.Rescale(_evaluator.Multiply(ciphertext, other, relin));
            expected = [.. expected.Zip(factor, (a, b) => a * b)];
            var error = MaxError(Decrypt(ciphertext), expected);
            Report($"multiply + relinearise + rescale, depth {depth}", error);
            Assert.True(error < 1e-4, $"depth {depth}: {error}");
        }

        Assert.Equal(0, ciphertext.Level);
    }

    [Theory]
    [InlineData(4096, 1e-2)]
    [InlineData(8192, 1e-4)]
    [InlineData(16384, 1e-4)]
    [InlineData(32768, 1e-4)]
    public void Every_named_set_multiplies_and_rescales_to_its_maximum_depth(int n, double tolerance)
    {
        var p = n switch
        {
            4096 => CkksParameters.N4096Security128,
            8192 => CkksParameters.N8192Security128,
            16384 => CkksParameters.N16384Security128,
            _ => CkksParameters.N32768Security128,
        };
        var encryptor = new CkksEncryptor(p);
        var evaluator = new CkksEvaluator(p);
        using var key = CkksKeyGenerator.GenerateSecretKey(p);
        var relin = CkksKeyGenerator.CreateRelinearizationKey(key);
        var random = new Random(n);

        // Factors near ±1 keep the product's magnitude, so the last level is as hard as the first.
        double[] Factors() => [.. Enumerable.Range(0, 64).Select(_ => random.Next(2) == 0 ? 0.9 + (random.NextDouble() * 0.2) : -(0.9 + (random.NextDouble() * 0.2)))];
        var expected = Factors();
        var ciphertext = encryptor.EncryptSymmetric(key, encryptor.Encode(expected));
        for (var depth = 1; depth <= p.MaxLevel; depth++)
        {
            var factor = Factors();
            var other = encryptor.EncryptSymmetric(key, encryptor.Encode(factor, ciphertext.Level, ciphertext.Scale));
            ciphertext = evaluator.Rescale(evaluator.Multiply(ciphertext, other, relin));
            expected = [.. expected.Zip(factor, (a, b) => a * b)];
        }

        var slots = encryptor.Decode(encryptor.Decrypt(key, ciphertext));
        var error = expected.Select((e, i) => Math.Abs(slots[i].Real - e)).Max();
        Report($"N = {n}: multiply + relinearise + rescale to depth {p.MaxLevel}", error);
        Assert.Equal(0, ciphertext.Level);
        Assert.True(error < tolerance, $"N = {n}, depth {p.MaxLevel}: {error}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(-2)]
    [InlineData(4095)]
    public void Rotation_moves_every_slot_left_by_the_step(int steps)
    {
        var keys = CkksKeyGenerator.CreateGaloisKeys(_secretKey, [steps]);
        var z = Slots(2);
        var rotated = _evaluator.Rotate(_encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(z)), steps, keys);
        var slots = P.SlotCount;
        var expected = Enumerable.Range(0, slots).Select(j => z[(((j + steps) % slots) + slots) % slots]).ToArray();
        var error = MaxError(Decrypt(rotated), expected);
        Report($"rotate by {steps}", error);
        Assert.True(error < 1e-5);
    }

    [Fact]
    public void Conjugation_conjugates_every_slot()
    {
        var keys = CkksKeyGenerator.CreateGaloisKeys(_secretKey, [], conjugation: true);
        var z = Slots(3);
        var conjugated = _evaluator.Conjugate(_encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(z)), keys);
        Assert.True(MaxError(Decrypt(conjugated), [.. z.Select(Complex.Conjugate)]) < 1e-5);
    }

    [Fact]
    public void An_encrypted_512_element_inner_product_matches_the_plaintext_one()
    {
        var relin = CkksKeyGenerator.CreateRelinearizationKey(_secretKey);
        var steps = Enumerable.Range(0, 12).Select(i => 1 << i).ToArray(); // 1 … N/4 for N/2 = 4096 slots
        var galois = CkksKeyGenerator.CreateGaloisKeys(_secretKey, steps);
        var random = new Random(7);
        var x = Enumerable.Range(0, 512).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        var y = Enumerable.Range(0, 512).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        var cx = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(x));
        var cy = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(y));
        var product = _evaluator.SumSlots(_evaluator.Rescale(_evaluator.Multiply(cx, cy, relin)), galois);
        var expected = x.Zip(y, (a, b) => a * b).Sum();
        var slots = Decrypt(product);
        var error = Math.Abs(slots[0].Real - expected);
        Report("512-element inner product", error);
        Assert.True(error < 1e-3, $"{slots[0].Real} vs {expected}");
        Assert.True(Math.Abs(slots[100].Real - expected) < 1e-3);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(25)]
    [InlineData(16383)] // 2N − 1: conjugation
    public void The_ntt_domain_automorphism_equals_substituting_x_to_the_g_in_coefficients(int g)
    {
        var n = P.PolyDegree;
        var q = P.CiphertextModuli.Moduli[0];
        var random = new Random(g);
        var coefficients = Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64() % q.Value).ToArray();

        // Reference: X^i → X^(g·i mod 2N), with X^N = −1.
        var expected = new ulong[n];
        for (var i = 0; i < n; i++)
        {
            var target = (int)((long)g * i % (2 * n));
            expected[target % n] = target < n ? coefficients[i] : q.Negate(coefficients[i]);
        }

        var poly = new Ring.RnsPolynomial(n, 1, isNtt: true);
        coefficients.CopyTo(poly.Limb(0));
        Ring.Ntt.Forward(poly.Limb(0), P.Tables(0));
        Ring.Ntt.Forward(expected, P.Tables(0));
        Assert.Equal(expected, KeySwitching.Automorphism(poly, g, P.Ring).Limb(0).ToArray());
    }

    [Fact]
    public void Rotating_without_the_key_is_refused()
    {
        var keys = CkksKeyGenerator.CreateGaloisKeys(_secretKey, [1]);
        var ciphertext = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(Slots(4)));
        Assert.Throws<ArgumentException>(() => _evaluator.Rotate(ciphertext, 2, keys));
        Assert.Throws<ArgumentException>(() => _evaluator.Conjugate(ciphertext, keys));
        Assert.Throws<ArgumentException>(() => CkksKeyGenerator.CreateGaloisKeys(_secretKey, [P.SlotCount]));
        Assert.True(MaxError(Decrypt(_evaluator.Rotate(ciphertext, P.SlotCount, keys)), Slots(4)) < 1e-5);
    }

    [Fact]
    public void A_key_switch_key_moves_a_ciphertext_to_another_secret_key_at_every_level()
    {
        using var next = CkksKeyGenerator.GenerateSecretKey(P);
        var switchKey = CkksSerializer.DeserializeKeySwitchKey(CkksSerializer.Serialize(CkksKeyGenerator.CreateKeySwitchKey(_secretKey, next)), P);
        var pk = CkksKeyGenerator.CreatePublicKey(_secretKey);
        var expected = Slots(7);
        var ciphertext = _encryptor.Encrypt(pk, _encryptor.Encode(expected));
        for (var level = P.MaxLevel; level >= 0; level--)
        {
            var switched = _evaluator.SwitchKey(ciphertext, switchKey);
            Assert.Equal(ciphertext.Level, switched.Level);
            Assert.Equal(ciphertext.Scale, switched.Scale);
            var error = MaxError(_encryptor.Decode(_encryptor.Decrypt(next, switched)), expected);
            Report($"key switch to a new secret key at level {level}", error);
            Assert.True(error < 1e-5, $"level {level}: {error}");

            // Under the old key the switched ciphertext is noise: the values are nowhere near.
            Assert.True(MaxError(Decrypt(switched), expected) > 1, "the switched ciphertext still decrypts under the old key");
            if (level > 0)
            {
                ciphertext = _evaluator.ModSwitchTo(ciphertext, level - 1);
            }
        }
    }

    [Fact]
    public void Switching_twice_chains_keys_and_a_key_of_another_parameter_set_is_refused()
    {
        using var second = CkksKeyGenerator.GenerateSecretKey(P);
        using var third = CkksKeyGenerator.GenerateSecretKey(P);
        var expected = Slots(8);
        var ciphertext = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(expected));
        var twice = _evaluator.SwitchKey(_evaluator.SwitchKey(ciphertext, CkksKeyGenerator.CreateKeySwitchKey(_secretKey, second)), CkksKeyGenerator.CreateKeySwitchKey(second, third));
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(third, twice)), expected) < 1e-5);

        using var other = CkksKeyGenerator.GenerateSecretKey(CkksParameters.N4096Security128);
        Assert.Throws<ArgumentException>(() => CkksKeyGenerator.CreateKeySwitchKey(_secretKey, other));
    }

    private Complex[] Decrypt(CkksCiphertext c) => _encryptor.Decode(_encryptor.Decrypt(_secretKey, c));

    private static Complex[] Slots(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, P.SlotCount).Select(_ => new Complex((random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1))];
    }

    private static double MaxError(Complex[] actual, Complex[] expected) => expected.Select((e, i) => Complex.Abs(actual[i] - e)).Max();

    private static void Report(string operation, double error) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"{operation}: max slot error {error:E2} ({-Math.Log2(error):F1} bits of precision)");
}
