using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// The blinded set-membership test that turns D = score − T into the match bit and nothing else (see
/// <see cref="ProtectedTemplateScheme"/>): the comparison role's <see cref="Blind"/>, the wire format of its result,
/// and the key holder's <see cref="ContainsZero"/>.
/// </summary>
public static class ExactDecision
{
    private static readonly byte[] Magic = "OBR5"u8.ToArray();

    private static readonly byte[] ProbeMagic = "OBP1"u8.ToArray();

    /// <summary>The largest serialised ciphertext a result may hold (one at the result level is about 220 KiB).</summary>
    private const int MaxCiphertextBytes = 1 << 20;

    /// <summary>
    /// From a ciphertext holding D in every slot: <paramref name="count"/> ciphertexts whose slot j holds
    /// r_j·(D − π(j)), with π a fresh random permutation of the candidates 0 … 8,192·count − 1 and r_j fresh uniform
    /// non-zero factors, each switched down one level and flooded (<see cref="ProtectedTemplateScheme.ResultLevel"/>).
    /// The input is not changed.
    /// </summary>
    internal static BgvCiphertext[] Blind(BgvEvaluator evaluator, BgvEncoder encoder, BgvEncryptor encryptor, BgvPublicKey publicKey, BgvCiphertext difference, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ProtectedTemplateScheme.ResultCiphertexts);
        var n = ProtectedTemplateScheme.Parameters.SlotCount;
        var t = (uint)ProtectedTemplateScheme.PlainModulus;
        using var random = new SecureRandomStream();
        var permutation = random.Permutation(count * n);
        var candidates = new long[n];
        var factors = new long[n];
        var results = new BgvCiphertext[count];
        try
        {
            for (var c = 0; c < results.Length; c++)
            {
                for (var j = 0; j < n; j++)
                {
                    candidates[j] = permutation[(c * n) + j];
                    factors[j] = 1 + random.NextBelow(t - 1);
                }

                var result = Mask(evaluator, encoder, difference, candidates, factors);
                encryptor.AddFloodingNoise(result, publicKey, ProtectedTemplateScheme.FloodingSigma);
                results[c] = result;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(permutation.AsSpan()));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(candidates.AsSpan()));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(factors.AsSpan()));
        }

        return results;
    }

    /// <summary>
    /// One result ciphertext before flooding: slot j holds factor_j·(D − candidate_j), switched down to
    /// <see cref="ProtectedTemplateScheme.ResultLevel"/>, which divides the noise of the product and the mask by a 49-bit
    /// prime. (Tests measure its noise, which the flooding must exceed by far.)
    /// </summary>
    internal static BgvCiphertext Mask(BgvEvaluator evaluator, BgvEncoder encoder, BgvCiphertext difference, long[] candidates, long[] factors)
    {
        var result = evaluator.SubtractPlain(difference, encoder.Encode(candidates));
        evaluator.MultiplyPlainInPlace(result, encoder.Encode(factors));
        evaluator.ModSwitchToInPlace(result, ProtectedTemplateScheme.ResultLevel);
        return result;
    }

    /// <summary>
    /// The capture side's probe on the wire: a tag, the number of result ciphertexts the comparison must send for the
    /// verification's threshold (<see cref="ProtectedTemplateScheme.ResultCiphertextsFor"/>; public, like the threshold),
    /// then the encrypted probe. A smaller count than the threshold needs can only turn matches into non-matches.
    /// </summary>
    internal static byte[] WrapProbe(int resultCiphertexts, byte[] ciphertext)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resultCiphertexts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resultCiphertexts, ProtectedTemplateScheme.ResultCiphertexts);
        return [.. ProbeMagic, (byte)resultCiphertexts, .. ciphertext];
    }

    /// <summary>Reads a probe of <see cref="WrapProbe"/>: the result count and the ciphertext's bytes.</summary>
    /// <exception cref="BgvFormatException">It is not one.</exception>
    internal static (int ResultCiphertexts, byte[] Ciphertext) UnwrapProbe(byte[] probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.Length <= ProbeMagic.Length + 1 || !probe.AsSpan(0, ProbeMagic.Length).SequenceEqual(ProbeMagic))
        {
            throw new BgvFormatException("Not a probe of the exact scheme.");
        }

        var count = probe[ProbeMagic.Length];
        if (count is < 1 or > ProtectedTemplateScheme.ResultCiphertexts)
        {
            throw new BgvFormatException($"A probe asks for 1 to {ProtectedTemplateScheme.ResultCiphertexts} result ciphertexts.");
        }

        return (count, probe[(ProbeMagic.Length + 1)..]);
    }

    /// <summary>The wire form of a comparison result: a tag, the count, then each ciphertext with its length.</summary>
    internal static byte[] Serialize(IReadOnlyList<BgvCiphertext> results)
    {
        var parts = results.Select(BgvSerializer.Serialize).ToArray();
        var output = new byte[Magic.Length + 1 + parts.Sum(p => 4 + p.Length)];
        Magic.CopyTo(output, 0);
        output[Magic.Length] = checked((byte)parts.Length);
        var offset = Magic.Length + 1;
        foreach (var part in parts)
        {
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(offset), part.Length);
            part.CopyTo(output, offset + 4);
            offset += 4 + part.Length;
        }

        return output;
    }

    /// <summary>
    /// Reads a comparison result: 1 to <see cref="ProtectedTemplateScheme.ResultCiphertexts"/> ciphertexts of the scheme,
    /// as many as its count says, each of size 2 at <see cref="ProtectedTemplateScheme.ResultLevel"/>, and nothing else.
    /// </summary>
    /// <exception cref="BgvFormatException">It is not such a result.</exception>
    public static BgvCiphertext[] Parse(byte[] result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Length < Magic.Length + 1 || !result.AsSpan(0, Magic.Length).SequenceEqual(Magic) || result[Magic.Length] is < 1 or > ProtectedTemplateScheme.ResultCiphertexts)
        {
            throw new BgvFormatException("Not a comparison result of the exact scheme.");
        }

        var p = ProtectedTemplateScheme.Parameters;
        var ciphertexts = new BgvCiphertext[result[Magic.Length]];
        var offset = Magic.Length + 1;
        for (var c = 0; c < ciphertexts.Length; c++)
        {
            if (result.Length - offset < 4)
            {
                throw new BgvFormatException("The comparison result is truncated.");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(result.AsSpan(offset));
            if (length <= 0 || length > MaxCiphertextBytes || length > result.Length - offset - 4)
            {
                throw new BgvFormatException("A ciphertext of the comparison result has an impossible length.");
            }

            var ciphertext = BgvSerializer.DeserializeCiphertext(result.AsSpan(offset + 4, length).ToArray(), p);
            if (ciphertext.Size != 2 || ciphertext.Level != ProtectedTemplateScheme.ResultLevel)
            {
                throw new BgvFormatException("A ciphertext of the comparison result is not a relinearised one at the result level.");
            }

            ciphertexts[c] = ciphertext;
            offset += 4 + length;
        }

        if (offset != result.Length)
        {
            throw new BgvFormatException("The comparison result has trailing bytes.");
        }

        return ciphertexts;
    }

    /// <summary>
    /// The key holder's decision: whether any slot of any result decrypts to 0. Every slot is read and combined
    /// without a branch on its value, so the time does not depend on where (or whether) the 0 is.
    /// </summary>
    public static bool ContainsZero(BgvDecryptor decryptor, BgvEncoder encoder, IReadOnlyList<BgvCiphertext> results)
    {
        ArgumentNullException.ThrowIfNull(decryptor);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(results);
        var anyZero = 0UL;
        foreach (var result in results)
        {
            var slots = encoder.DecodeUnsigned(decryptor.Decrypt(result));
            foreach (var value in slots)
            {
                // (v | −v) has its top bit set exactly when v ≠ 0 (slots are below t < 2^63).
                anyZero |= unchecked(((value | (0UL - value)) >> 63) ^ 1UL);
            }

            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(slots.AsSpan()));
        }

        return anyZero != 0;
    }
}
