using CsCheck;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Homomorphic.Tests;

/// <summary>BGV serialisation: round trips that still work, each rejection with its message, seeded size, and a fuzz property.</summary>
public sealed class BgvSerializerTests
{
    private static readonly BgvTestSet S = BgvTestSet.Small;
    private static readonly BgvParameters P = S.Parameters;

    [Fact]
    public void Parameters_round_trip_to_the_same_set_and_are_revalidated()
    {
        var restored = BgvSerializer.DeserializeParameters(BgvSerializer.Serialize(P), allowInsecure: true);
        Assert.True(restored.IsSameAs(P));
        Assert.Equal(BgvSerializer.Serialize(P), BgvSerializer.Serialize(restored));
        Assert.Contains("between 1024", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeParameters(BgvSerializer.Serialize(P))).Message, StringComparison.Ordinal);
        var oversized = BgvSerializer.Serialize(BgvParameters.Create(8192, [60, 50, 49], 60, 65537, allowInsecure: true));
        Assert.Contains("insecure test mode", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeParameters(oversized)).Message, StringComparison.Ordinal);
        Assert.False(BgvSerializer.DeserializeParameters(oversized, allowInsecure: true).MeetsSecurityStandard);
        Assert.True(BgvSerializer.DeserializeParameters(BgvSerializer.Serialize(BgvParameters.N8192T65537)).IsSameAs(BgvParameters.N8192T65537));

        // A plaintext modulus that breaks batching, or equals a modulus, is refused when read.
        var bytes = BgvSerializer.Serialize(P);
        var plainAt = bytes.Length - 8;
        AssertParametersRejected(bytes, b => BitConverter.GetBytes(12291UL).CopyTo(b, plainAt), "plaintext modulus");
        AssertParametersRejected(bytes, b => b.AsSpan(plainAt - 8, 8).CopyTo(b.AsSpan(plainAt)), "plaintext modulus");
        AssertParametersRejected(bytes, b => BitConverter.GetBytes(BitConverter.ToUInt64(b, 11) + 2).CopyTo(b, 11), "primes");
        AssertParametersRejected(bytes, b => b[10] = 0, "1 to 64");
    }

    [Fact]
    public void Every_object_round_trips_and_still_works()
    {
        var x = S.RandomSlots(new Random(21));
        var y = S.RandomSlots(new Random(22));
        var pk = BgvSerializer.DeserializePublicKey(BgvSerializer.Serialize(S.PublicKey), P);
        var relin = BgvSerializer.DeserializeRelinearizationKey(BgvSerializer.Serialize(S.RelinearizationKey), P);
        var galois = BgvSerializer.DeserializeGaloisKeys(BgvSerializer.Serialize(S.GaloisKeys), P);
        Assert.Equal(S.GaloisKeys.GaloisElements.Order(), galois.GaloisElements.Order());
        var plaintext = BgvSerializer.DeserializePlaintext(BgvSerializer.Serialize(S.Encoder.Encode(x)), P);
        Assert.Equal(x, S.Encoder.Decode(plaintext));

        var ciphertextBytes = BgvSerializer.Serialize(S.Encryptor.Encrypt(pk, plaintext));
        var ciphertext = BgvSerializer.DeserializeCiphertext(ciphertextBytes, P);
        Assert.Equal(ciphertextBytes, BgvSerializer.Serialize(ciphertext));
        using var importedKey = BgvSerializer.ImportSecretKey(BgvSerializer.ExportSecretKey(S.SecretKey), P);
        Assert.Equal(x, S.Encoder.Decode(new BgvDecryptor(importedKey).Decrypt(ciphertext)));

        // Products (size 3), switched-down ciphertexts (correction factor ≠ 1), relinearised and rotated ones survive.
        var product = S.Evaluator.ModSwitchToNext(S.Evaluator.Multiply(ciphertext, S.Encrypt(y)));
        Assert.Equal(3, product.Size);
        var restored = BgvSerializer.DeserializeCiphertext(BgvSerializer.Serialize(product), P);
        Assert.Equal(3, restored.Size);
        Assert.Equal(product.Level, restored.Level);
        var expected = x.Zip(y, (u, v) => S.Centre((Int128)u * v)).ToArray();
        Assert.Equal(expected, S.Decrypt(restored));
        var rotated = S.Evaluator.RotateRows(S.Evaluator.Relinearize(restored, relin), 1, galois);
        Assert.Equal(S.RotateRows(expected, 1), S.Decrypt(rotated));
        Assert.Equal(S.SwapRows(S.RotateRows(expected, 1)), S.Decrypt(S.Evaluator.RotateColumns(rotated, galois)));
    }

    [Fact]
    public void Fresh_symmetric_ciphertexts_travel_as_a_seed_at_about_half_the_size()
    {
        var x = S.RandomSlots(new Random(23));
        var seeded = S.Encrypt(x, publicKey: false);
        Assert.True(seeded.IsSeeded);
        var compact = BgvSerializer.Serialize(seeded);
        var sum = S.Evaluator.Add(seeded, seeded);
        Assert.False(sum.IsSeeded);
        var full = BgvSerializer.Serialize(sum);

        // N = 256 with primes of 50, 30 and 30 bits: 110 × 256 / 8 bytes per polynomial; header 22 + level, size, factor 10.
        Assert.Equal(22 + 10 + (110 * 256 / 8) + 32, compact.Length);
        Assert.Equal(22 + 10 + (2 * 110 * 256 / 8), full.Length);
        var restored = BgvSerializer.DeserializeCiphertext(compact, P);
        Assert.True(restored.IsSeeded);
        Assert.Equal(compact, BgvSerializer.Serialize(restored));
        Assert.Equal(x, S.Decrypt(restored));

        // Changing a seeded ciphertext in place drops the seed, so it serialises in full.
        S.Evaluator.AddPlainInPlace(restored, S.Encoder.Encode([1]));
        Assert.False(restored.IsSeeded);
        Assert.Equal(full.Length, BgvSerializer.Serialize(restored).Length);

        // Another seed in the same bytes expands to another c1: the ciphertext no longer decrypts to x (10 or more of the
        // 256 slots agreeing by chance has probability below 10^-23).
        compact[^1] ^= 1;
        Assert.True(S.Decrypt(BgvSerializer.DeserializeCiphertext(compact, P)).Zip(x).Count(p => p.First == p.Second) < 10);
    }

    [Fact]
    public void Mismatched_or_malformed_data_is_rejected_with_a_clear_error()
    {
        var bytes = BgvSerializer.Serialize(S.Evaluator.Add(S.Encrypt([1, 2]), S.Encrypt([3])));
        AssertRejected(bytes, b => b[0] = (byte)'X', "magic");
        AssertRejected(bytes, b => b[4] = 2, "version");
        AssertRejected(bytes, b => b[5] = 2, "Plaintext");
        AssertRejected(bytes, b => b[5] = 99, "unknown kind");
        AssertRejected(bytes, b => b[6] ^= 1, "another parameter set");
        AssertRejected(bytes, b => b[22] = 3, "level");
        AssertRejected(bytes, b => b[23] = 4, "2 or 3 components");
        AssertRejected(bytes, b => b[23] = 3, "truncated");
        AssertRejected(bytes, b => BitConverter.GetBytes(0UL).CopyTo(b, 24), "correction factor");
        AssertRejected(bytes, b => BitConverter.GetBytes((ulong)S.T).CopyTo(b, 24), "correction factor");
        AssertRejected(bytes, b => BitConverter.GetBytes(ulong.MaxValue).CopyTo(b, 32), "residue");
        AssertRejected(bytes, b => b[5] = 8, "Trailing"); // a full ciphertext relabelled as seeded: c1 is not a 32-byte seed
        Assert.Contains("truncated", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeCiphertext(bytes.AsSpan(0, bytes.Length - 1), P)).Message, StringComparison.Ordinal);
        Assert.Contains("Trailing", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeCiphertext([.. bytes, 0], P)).Message, StringComparison.Ordinal);
        Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeCiphertext(bytes, BgvParameters.N8192T65537));

        // t = 12289 has 14 bits: a last residue of all ones (16383) is not below t.
        var plain = BgvSerializer.Serialize(S.Encoder.Encode([1]));
        Assert.Contains("residue", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializePlaintext([.. plain[..^2], 0xFF, 0xFF], P)).Message, StringComparison.Ordinal);

        var galois = BgvSerializer.Serialize(new BgvKeyGenerator(P).CreateGaloisKeys(S.SecretKey, [1], columnSwap: false));
        var element = BitConverter.ToInt32(galois, 26);
        Assert.Equal(3, element);
        foreach (var wrong in new[] { 5, 1, 0, -3, 2 * P.PolyDegree, 4 })
        {
            var changed = (byte[])galois.Clone();
            BitConverter.GetBytes(wrong).CopyTo(changed, 26);
            Assert.Contains("Galois elements", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeGaloisKeys(changed, P)).Message, StringComparison.Ordinal);
        }

        var countTooLarge = (byte[])galois.Clone();
        BitConverter.GetBytes(int.MaxValue).CopyTo(countTooLarge, 22);
        Assert.Contains("number of Galois keys", Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeGaloisKeys(countTooLarge, P)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_and_mutations_never_cause_anything_but_a_format_error()
    {
        // Fuzz property: any input either parses or throws BgvFormatException — no other exception, no hang.
        var seeded = S.Encrypt([1, 2, 3], publicKey: false);
        byte[][] valids =
        [
            BgvSerializer.Serialize(seeded),
            BgvSerializer.Serialize(S.Evaluator.ModSwitchToNext(S.Evaluator.Multiply(seeded, seeded))),
            BgvSerializer.Serialize(S.Encoder.Encode([4, 5])),
            BgvSerializer.Serialize(new BgvKeyGenerator(P).CreateGaloisKeys(S.SecretKey, [1], columnSwap: false)),
        ];
        var parameters = BgvSerializer.Serialize(P);
        SerializerFuzz.Inputs([.. "OBGV"u8, 1], valids).Sample(data =>
        {
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.DeserializeCiphertext(data, P));
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.DeserializePlaintext(data, P));
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.DeserializeGaloisKeys(data, P));
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.DeserializePublicKey(data, P));
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.DeserializeRelinearizationKey(data, P));
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.ImportSecretKey(data, P));
            SerializerFuzz.Parse<BgvFormatException>(() => BgvSerializer.DeserializeParameters(data.Length > 6 ? [.. parameters[..6], .. data[6..]] : data, allowInsecure: true));
        }, iter: 400, threads: 1);
    }

    private static void AssertRejected(byte[] valid, Action<byte[]> corrupt, string expected)
    {
        var bytes = (byte[])valid.Clone();
        corrupt(bytes);
        var ex = Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeCiphertext(bytes, P));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static void AssertParametersRejected(byte[] valid, Action<byte[]> corrupt, string expected)
    {
        var bytes = (byte[])valid.Clone();
        corrupt(bytes);
        var ex = Assert.Throws<BgvFormatException>(() => BgvSerializer.DeserializeParameters(bytes, allowInsecure: true));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
