using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// Compact, versioned binary format for BGV objects, laid out like <see cref="CkksSerializer"/>'s: <c>"OBGV"</c>, a
/// version byte (1), a kind byte, the 16-byte parameter fingerprint (except for parameter sets), then fields;
/// polynomials in NTT form with each residue bit-packed at its prime's width, plaintexts at t's width. Reading validates
/// everything — kind, version, fingerprint, level, size, correction factor, Galois elements, every residue below its
/// modulus, zero padding bits, no truncation, no trailing bytes — and throws <see cref="BgvFormatException"/> for
/// anything else; lengths are never taken from the input, so hostile bytes cannot make it allocate more than the
/// parameter set implies.
/// </summary>
public static class BgvSerializer
{
    private const byte Version = 1;
    private static readonly byte[] Magic = "OBGV"u8.ToArray();

    /// <summary>Serialises a parameter set: N, the primes q_0 … q_L, P and t.</summary>
    public static byte[] Serialize(BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var w = Writer(SerializedKind.Parameters, null);
        w.Bytes(parameters.CanonicalEncoding);
        return w.ToArray();
    }

    /// <summary>Reads a parameter set, re-validating it, and rejecting sets below 128-bit security unless <paramref name="allowInsecure"/>.</summary>
    /// <exception cref="BgvFormatException">The data is malformed, or the set is invalid or insecure.</exception>
    public static BgvParameters DeserializeParameters(ReadOnlySpan<byte> data, bool allowInsecure = false)
    {
        var r = Reader(data, SerializedKind.Parameters, null);
        var n = r.Int32();
        var primes = r.Primes();
        var special = r.UInt64();
        var plain = r.UInt64();
        r.End();
        return BgvParameters.FromPrimes(n, primes, special, plain, allowInsecure);
    }

    /// <summary>Serialises a ciphertext; a seeded one (fresh from symmetric encryption) as (c0, seed), about half the size.</summary>
    public static byte[] Serialize(BgvCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var ring = ciphertext.Parameters.Ring;
        var w = Writer(ciphertext.IsSeeded ? SerializedKind.SeededCiphertext : SerializedKind.Ciphertext, ciphertext.Parameters);
        w.Byte((byte)ciphertext.Level);
        w.Byte((byte)ciphertext.Size);
        w.UInt64(ciphertext.CorrectionFactor);
        w.Polynomial(ciphertext.Components[0], ring);
        if (ciphertext.Seed is { } seed)
        {
            w.Bytes(seed);
        }
        else
        {
            foreach (var c in ciphertext.Components.Skip(1))
            {
                w.Polynomial(c, ring);
            }
        }

        return w.ToArray();
    }

    /// <summary>Reads a ciphertext (seeded or not) of <paramref name="parameters"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, or of another parameter set.</exception>
    public static BgvCiphertext DeserializeCiphertext(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var ring = parameters.Ring;
        var r = Reader(data, SerializedKind.Ciphertext, parameters, SerializedKind.SeededCiphertext);
        var level = r.Byte();
        if (level > parameters.MaxLevel)
        {
            throw new BgvFormatException($"The level must be between 0 and {parameters.MaxLevel}.");
        }

        var seeded = r.Found == SerializedKind.SeededCiphertext;
        var size = r.Byte();
        if (size is not (2 or 3) || (seeded && (size != 2 || level != parameters.MaxLevel)))
        {
            throw new BgvFormatException("A ciphertext has 2 or 3 components; a seeded one has 2 and is at the top level.");
        }

        var correction = r.UInt64();
        if (correction == 0 || correction >= parameters.PlainModulus.Value || (seeded && correction != 1))
        {
            throw new BgvFormatException("The correction factor must be between 1 and t − 1 (1 for a seeded ciphertext).");
        }

        var components = new RnsPolynomial[size];
        components[0] = r.Polynomial(ring, level + 1);
        if (seeded)
        {
            var seed = r.Bytes(Sampler.SeedLength).ToArray();
            r.End();
            components[1] = RlweSampling.Seeded(ring, level + 1, seed);
            return new BgvCiphertext(parameters, components, level, correction, seed);
        }

        for (var i = 1; i < size; i++)
        {
            components[i] = r.Polynomial(ring, level + 1);
        }

        r.End();
        return new BgvCiphertext(parameters, components, level, correction);
    }

    /// <summary>Serialises a plaintext: its N coefficients packed at t's bit width.</summary>
    public static byte[] Serialize(BgvPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var w = Writer(SerializedKind.Plaintext, plaintext.Parameters);
        w.Residues(plaintext.Coefficients, plaintext.Parameters.PlainModulus);
        return w.ToArray();
    }

    /// <summary>Reads a plaintext of <paramref name="parameters"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, or of another parameter set.</exception>
    public static BgvPlaintext DeserializePlaintext(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.Plaintext, parameters);
        var coefficients = new ulong[parameters.PolyDegree];
        r.Residues(coefficients, parameters.PlainModulus);
        r.End();
        return new BgvPlaintext(parameters, coefficients);
    }

    /// <summary>Serialises a public key (modulo Q·P).</summary>
    public static byte[] Serialize(BgvPublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var w = Writer(SerializedKind.PublicKey, publicKey.Parameters);
        w.Polynomial(publicKey.B, publicKey.Parameters.Ring);
        w.Polynomial(publicKey.A, publicKey.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads a public key of <paramref name="parameters"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, or of another parameter set.</exception>
    public static BgvPublicKey DeserializePublicKey(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.PublicKey, parameters);
        var b = r.Polynomial(parameters.Ring, parameters.MaxLevel + 2);
        var a = r.Polynomial(parameters.Ring, parameters.MaxLevel + 2);
        r.End();
        return new BgvPublicKey(parameters, b, a);
    }

    /// <summary>Serialises a relinearisation key.</summary>
    public static byte[] Serialize(BgvRelinearizationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var w = Writer(SerializedKind.RelinearizationKey, key.Parameters);
        w.SwitchingKey(key.Key, key.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads a relinearisation key of <paramref name="parameters"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, or of another parameter set.</exception>
    public static BgvRelinearizationKey DeserializeRelinearizationKey(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.RelinearizationKey, parameters);
        var key = r.SwitchingKey(parameters.Ring);
        r.End();
        return new BgvRelinearizationKey(parameters, key);
    }

    /// <summary>Serialises a key-switching key between two secret keys (a rotation).</summary>
    public static byte[] Serialize(BgvKeySwitchKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var w = Writer(SerializedKind.KeySwitchKey, key.Parameters);
        w.SwitchingKey(key.Key, key.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads a key-switching key of <paramref name="parameters"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, or of another parameter set.</exception>
    public static BgvKeySwitchKey DeserializeKeySwitchKey(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.KeySwitchKey, parameters);
        var key = r.SwitchingKey(parameters.Ring);
        r.End();
        return new BgvKeySwitchKey(parameters, key);
    }

    /// <summary>Serialises Galois keys (elements in increasing order).</summary>
    public static byte[] Serialize(BgvGaloisKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var w = Writer(SerializedKind.GaloisKeys, keys.Parameters);
        w.GaloisKeys(keys.GaloisElements, g => keys.Find(g)!, keys.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads Galois keys of <paramref name="parameters"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, repeated or invalid Galois elements (only 3^k mod 2N and 2N − 1 are BGV's), or another parameter set.</exception>
    public static BgvGaloisKeys DeserializeGaloisKeys(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.GaloisKeys, parameters);
        var valid = ValidElements(parameters.PolyDegree);
        var keys = r.GaloisKeys(parameters.Ring, parameters.RowSize, valid.Contains, "Galois elements are distinct row rotations (3^k mod 2N, 0 < k < N/2) or the column swap (2N − 1).");
        r.End();
        return new BgvGaloisKeys(parameters, keys);
    }

    /// <summary>
    /// Exports the secret key. Whoever holds the result can decrypt everything encrypted under it: store it only
    /// encrypted (for example wrapped with AES-GCM by a key-management service) and clear the array after use.
    /// </summary>
    public static byte[] ExportSecretKey(BgvSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        var w = Writer(SerializedKind.SecretKey, secretKey.Parameters);
        w.Polynomial(secretKey.S, secretKey.Parameters.Ring);
        var bytes = w.ToArray();
        w.Clear();
        return bytes;
    }

    /// <summary>Imports a secret key exported by <see cref="ExportSecretKey"/>.</summary>
    /// <exception cref="BgvFormatException">Malformed, or of another parameter set.</exception>
    public static BgvSecretKey ImportSecretKey(ReadOnlySpan<byte> data, BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.SecretKey, parameters);
        var s = r.Polynomial(parameters.Ring, parameters.MaxLevel + 2);
        r.End();
        return new BgvSecretKey(parameters, s);
    }

    private static HashSet<int> ValidElements(int polyDegree)
    {
        var valid = new HashSet<int> { BgvGaloisKeys.ColumnSwapElement(polyDegree) };
        var g = 3L;
        for (var k = 1; k < polyDegree / 2; k++)
        {
            valid.Add((int)g);
            g = g * 3 % (2L * polyDegree);
        }

        return valid;
    }

    private static FormatWriter Writer(SerializedKind kind, BgvParameters? parameters) =>
        new(Magic, Version, kind, parameters is null ? default : parameters.Fingerprint);

    private static FormatReader Reader(ReadOnlySpan<byte> data, SerializedKind kind, BgvParameters? parameters, SerializedKind? alternative = null) =>
        new(data, Magic, "BGV", Version, kind, alternative, parameters is null ? default : parameters.Fingerprint, static m => new BgvFormatException(m));
}
