using System.Numerics;
using CsCheck;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

public sealed class CkksSerializerTests : IDisposable
{
    private static readonly CkksParameters P = CkksParameters.N4096Security128;
    private readonly CkksEncryptor _encryptor = new(P);
    private readonly CkksEvaluator _evaluator = new(P);
    private readonly CkksSecretKey _secretKey = CkksKeyGenerator.GenerateSecretKey(P);

    public void Dispose() => _secretKey.Dispose();

    [Fact]
    public void Parameters_round_trip_to_the_same_set()
    {
        var restored = CkksSerializer.DeserializeParameters(CkksSerializer.Serialize(P));
        Assert.True(restored.IsSameAs(P));
        Assert.False(restored.IsSameAs(CkksParameters.N8192Security128));
        Assert.Equal(CkksSerializer.Serialize(P), CkksSerializer.Serialize(restored));
    }

    [Fact]
    public void Insecure_parameter_sets_are_only_read_in_test_mode()
    {
        var insecure = CkksParameters.Create(1024, [40, 30], 40, 25, allowInsecure: true);
        var bytes = CkksSerializer.Serialize(insecure);
        Assert.Throws<CkksFormatException>(() => CkksSerializer.DeserializeParameters(bytes));
        Assert.True(CkksSerializer.DeserializeParameters(bytes, allowInsecure: true).IsSameAs(insecure));
    }

    [Fact]
    public void Every_object_round_trips_and_still_works()
    {
        var z = Slots(1);
        var pk = CkksSerializer.DeserializePublicKey(CkksSerializer.Serialize(CkksKeyGenerator.CreatePublicKey(_secretKey)), P);
        var relin = CkksSerializer.DeserializeRelinearizationKey(CkksSerializer.Serialize(CkksKeyGenerator.CreateRelinearizationKey(_secretKey)), P);
        var galois = CkksSerializer.DeserializeGaloisKeys(CkksSerializer.Serialize(CkksKeyGenerator.CreateGaloisKeys(_secretKey, [1, -1], conjugation: true)), P);
        var plaintext = CkksSerializer.DeserializePlaintext(CkksSerializer.Serialize(_encryptor.Encode(z)), P);
        var ciphertextBytes = CkksSerializer.Serialize(_encryptor.Encrypt(pk, plaintext));
        var ciphertext = CkksSerializer.DeserializeCiphertext(ciphertextBytes, CkksSerializer.DeserializeParameters(CkksSerializer.Serialize(P)));
        Assert.Equal(ciphertextBytes, CkksSerializer.Serialize(ciphertext));

        using var importedKey = CkksSerializer.ImportSecretKey(CkksSerializer.ExportSecretKey(_secretKey), P);
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(importedKey, ciphertext)), z) < 1e-3);

        var squared = _evaluator.Rescale(_evaluator.Multiply(ciphertext, ciphertext, relin));
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(_secretKey, squared)), [.. z.Select(v => v * v)]) < 1e-2);
        // At Δ = 2^29 a key switch leaves an error of about 5e-4 (median) and up to 1.4e-3 (60 trials, fresh keys): the
        // bound sits well above that and far below a wrong rotation (errors of order 1). 1e-3 failed by chance in CI.
        var rotated = _evaluator.Rotate(ciphertext, -1, galois);
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(_secretKey, rotated)), [.. Enumerable.Range(0, P.SlotCount).Select(j => z[(j - 1 + P.SlotCount) % P.SlotCount])]) < 1e-2);
    }

    [Fact]
    public void Mismatched_or_malformed_data_is_rejected_with_a_clear_error()
    {
        var bytes = CkksSerializer.Serialize(_encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(Slots(2))));
        AssertRejected(bytes, b => b[0] = (byte)'X', "magic");
        AssertRejected(bytes, b => b[4] = 1, "version");
        AssertRejected(bytes, b => b[5] = 2, "Plaintext");
        AssertRejected(bytes, b => b[6] ^= 1, "another parameter set");
        AssertRejected(bytes, b => b[22] = 9, "level");
        AssertRejected(bytes, b => BitConverter.GetBytes(double.NaN).CopyTo(b, 23), "scale");
        AssertRejected(bytes, b => BitConverter.GetBytes(ulong.MaxValue).CopyTo(b, 31), "residue");
        Assert.Contains("truncated", Assert.Throws<CkksFormatException>(() => CkksSerializer.DeserializeCiphertext(bytes.AsSpan(0, bytes.Length - 1), P)).Message, StringComparison.Ordinal);
        Assert.Contains("Trailing", Assert.Throws<CkksFormatException>(() => CkksSerializer.DeserializeCiphertext([.. bytes, 0], P)).Message, StringComparison.Ordinal);
        Assert.Throws<CkksFormatException>(() => CkksSerializer.DeserializeCiphertext(bytes, CkksParameters.N8192Security128));
    }

    [Fact]
    public void Fresh_symmetric_ciphertexts_travel_as_a_seed_at_about_half_the_size()
    {
        var z = Slots(5);
        var seeded = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(z));
        Assert.True(seeded.IsSeeded);
        var compact = CkksSerializer.Serialize(seeded);
        var sum = _evaluator.Add(seeded, seeded);
        Assert.False(sum.IsSeeded);
        var full = CkksSerializer.Serialize(sum);

        // N = 4096 with a 40- and a 29-bit prime: (40 + 29) × 4096 / 8 bytes per polynomial, plus a 32-byte seed.
        Assert.Equal(31 + (69 * 4096 / 8) + 32, compact.Length);
        Assert.Equal(31 + (2 * 69 * 4096 / 8), full.Length);

        var restored = CkksSerializer.DeserializeCiphertext(compact, P);
        Assert.True(restored.IsSeeded);
        Assert.Equal(compact, CkksSerializer.Serialize(restored));
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(_secretKey, restored)), z) < 1e-5);

        // Another seed in the same bytes expands to another c1: the ciphertext no longer decrypts to z.
        compact[^1] ^= 1;
        var wrongSeed = CkksSerializer.DeserializeCiphertext(compact, P);
        Assert.True(MaxError(_encryptor.Decode(_encryptor.Decrypt(_secretKey, wrongSeed)), z) > 1);
    }

    [Fact]
    public void Seed_expansion_is_deterministic_and_independent_per_limb()
    {
        var seed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var a = CkksKeyGenerator.SeededPolynomial(P, 2, seed);
        var b = CkksKeyGenerator.SeededPolynomial(P, 2, seed);
        Assert.True(a.Limb(0).SequenceEqual(b.Limb(0)) && a.Limb(1).SequenceEqual(b.Limb(1)));
        Assert.False(a.Limb(0).SequenceEqual(CkksKeyGenerator.SeededPolynomial(P, 1, [.. seed[..31], 99]).Limb(0)));

        // Every residue is below its modulus, and the top bit is set about half the time (6 standard errors).
        for (var l = 0; l < 2; l++)
        {
            var q = P.CiphertextModuli.Moduli[l];
            Assert.All(a.Limb(l).ToArray(), v => Assert.True(v < q.Value));
            var high = a.Limb(l).ToArray().Count(v => v >= q.Value / 2);
            Assert.InRange(high, 2048 - (6 * 32), 2048 + (6 * 32));
        }
    }

    [Fact]
    public void Random_bytes_and_mutations_never_cause_anything_but_a_format_error()
    {
        // Fuzz property: any input either parses or throws CkksFormatException — no other exception, no hang.
        var seeded = _encryptor.EncryptSymmetric(_secretKey, _encryptor.Encode(Slots(3)));
        byte[][] valids = [CkksSerializer.Serialize(seeded), CkksSerializer.Serialize(_evaluator.Add(seeded, seeded))];
        var parameters = CkksSerializer.Serialize(P);
        SerializerFuzz.Inputs([.. "OBCK"u8, 2], valids).Sample(data =>
        {
            SerializerFuzz.Parse<CkksFormatException>(() => CkksSerializer.DeserializeCiphertext(data, P));
            SerializerFuzz.Parse<CkksFormatException>(() => CkksSerializer.DeserializePlaintext(data, P));
            SerializerFuzz.Parse<CkksFormatException>(() => CkksSerializer.DeserializeGaloisKeys(data, P));
            SerializerFuzz.Parse<CkksFormatException>(() => CkksSerializer.DeserializeKeySwitchKey(data, P));
            SerializerFuzz.Parse<CkksFormatException>(() => CkksSerializer.DeserializeParameters(data.Length > 6 ? [.. parameters[..6], .. data[6..]] : data));
        }, iter: 400, threads: 1);
    }

    private static void AssertRejected(byte[] valid, Action<byte[]> corrupt, string expected)
    {
        var bytes = (byte[])valid.Clone();
        corrupt(bytes);
        var ex = Assert.Throws<CkksFormatException>(() => CkksSerializer.DeserializeCiphertext(bytes, P));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static Complex[] Slots(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, P.SlotCount).Select(_ => new Complex((random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1))];
    }

    private static double MaxError(Complex[] actual, Complex[] expected) => expected.Select((e, i) => Complex.Abs(actual[i] - e)).Max();
}
