using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Compact, versioned binary format for CKKS objects. Every object starts with <c>"OBCK"</c>, a version byte (1) and a
/// kind byte; all but parameter sets then carry the 16-byte parameter fingerprint. Polynomials follow as N
/// little-endian 64-bit residues per limb, in NTT form. Reading validates everything — kind, version, fingerprint,
/// sizes, levels, scales, every residue below its modulus, no trailing bytes — and throws
/// <see cref="CkksFormatException"/> for anything else; lengths are never taken from the input, so hostile bytes
/// cannot make it allocate more than the parameter set implies.
/// </summary>
public static class CkksSerializer
{
    private const byte Version = 2;
    private static readonly byte[] Magic = "OBCK"u8.ToArray();

    /// <summary>Serialises a parameter set.</summary>
    public static byte[] Serialize(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var w = Writer(SerializedKind.Parameters, null);
        w.Bytes(parameters.CanonicalEncoding);
        return w.ToArray();
    }

    /// <summary>Reads a parameter set, rejecting sets below 128-bit security unless <paramref name="allowInsecure"/>.</summary>
    /// <exception cref="CkksFormatException">The data is malformed or the set is invalid or insecure.</exception>
    public static CkksParameters DeserializeParameters(ReadOnlySpan<byte> data, bool allowInsecure = false)
    {
        var r = Reader(data, SerializedKind.Parameters, null);
        var n = r.Int32();
        var primes = r.Primes();
        var special = r.UInt64();
        var scale = r.Double();
        r.End();
        return CkksParameters.FromPrimes(n, primes, special, scale, allowInsecure);
    }

    /// <summary>Serialises a ciphertext; a seeded one (fresh from symmetric encryption) as (c0, seed), about half the size.</summary>
    public static byte[] Serialize(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var w = Writer(ciphertext.IsSeeded ? SerializedKind.SeededCiphertext : SerializedKind.Ciphertext, ciphertext.Parameters);
        w.Byte((byte)ciphertext.Level);
        w.Double(ciphertext.Scale);
        w.Polynomial(ciphertext.C0, ciphertext.Parameters.Ring);
        if (ciphertext.Seed is { } seed)
        {
            w.Bytes(seed);
        }
        else
        {
            w.Polynomial(ciphertext.C1, ciphertext.Parameters.Ring);
        }

        return w.ToArray();
    }

    /// <summary>Reads a ciphertext (seeded or not) of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksCiphertext DeserializeCiphertext(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.Ciphertext, parameters, SerializedKind.SeededCiphertext);
        var level = ReadLevel(ref r, parameters);
        var scale = ReadScale(ref r);
        var c0 = r.Polynomial(parameters.Ring, level + 1);
        if (r.Found == SerializedKind.SeededCiphertext)
        {
            var seed = r.Bytes(Sampler.SeedLength).ToArray();
            r.End();
            return new CkksCiphertext(parameters, c0, CkksKeyGenerator.SeededPolynomial(parameters, level + 1, seed), level, scale, seed);
        }

        var c1 = r.Polynomial(parameters.Ring, level + 1);
        r.End();
        return new CkksCiphertext(parameters, c0, c1, level, scale);
    }

    /// <summary>Serialises a plaintext.</summary>
    public static byte[] Serialize(CkksPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var w = Writer(SerializedKind.Plaintext, plaintext.Parameters);
        w.Byte((byte)plaintext.Level);
        w.Double(plaintext.Scale);
        w.Polynomial(plaintext.Polynomial, plaintext.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads a plaintext of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksPlaintext DeserializePlaintext(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.Plaintext, parameters);
        var level = ReadLevel(ref r, parameters);
        var scale = ReadScale(ref r);
        var m = r.Polynomial(parameters.Ring, level + 1);
        r.End();
        return new CkksPlaintext(parameters, m, level, scale);
    }

    /// <summary>Serialises a public key.</summary>
    public static byte[] Serialize(CkksPublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var w = Writer(SerializedKind.PublicKey, publicKey.Parameters);
        w.Polynomial(publicKey.B, publicKey.Parameters.Ring);
        w.Polynomial(publicKey.A, publicKey.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads a public key of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksPublicKey DeserializePublicKey(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.PublicKey, parameters);
        var b = r.Polynomial(parameters.Ring, parameters.MaxLevel + 1);
        var a = r.Polynomial(parameters.Ring, parameters.MaxLevel + 1);
        r.End();

        // A key (b, a) = (−a·s + e, a) with a uniform: either half all zero happens with probability about q^−N, and such
        // a key's encryptions would not hide (a = 0: c0 = m + e', in the clear) or not re-randomise anything (b = a = 0).
        if (IsZero(b) || IsZero(a))
        {
            throw new CkksFormatException("Not a public key: a half of it is the zero polynomial.");
        }

        return new CkksPublicKey(parameters, b, a);
    }

    /// <summary>Serialises a relinearisation key.</summary>
    public static byte[] Serialize(CkksRelinearizationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SerializeSwitchingKey(SerializedKind.RelinearizationKey, key.Key, key.Parameters);
    }

    /// <summary>Reads a relinearisation key of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksRelinearizationKey DeserializeRelinearizationKey(ReadOnlySpan<byte> data, CkksParameters parameters) =>
        new(parameters, DeserializeSwitchingKey(data, SerializedKind.RelinearizationKey, parameters));

    /// <summary>Serialises a key-switching key.</summary>
    public static byte[] Serialize(CkksKeySwitchKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SerializeSwitchingKey(SerializedKind.KeySwitchKey, key.Key, key.Parameters);
    }

    /// <summary>Reads a key-switching key of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksKeySwitchKey DeserializeKeySwitchKey(ReadOnlySpan<byte> data, CkksParameters parameters) =>
        new(parameters, DeserializeSwitchingKey(data, SerializedKind.KeySwitchKey, parameters));

    private static byte[] SerializeSwitchingKey(SerializedKind kind, KeySwitchingKey key, CkksParameters parameters)
    {
        var w = Writer(kind, parameters);
        w.SwitchingKey(key, parameters.Ring);
        return w.ToArray();
    }

    private static KeySwitchingKey DeserializeSwitchingKey(ReadOnlySpan<byte> data, SerializedKind kind, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, kind, parameters);
        var key = r.SwitchingKey(parameters.Ring);
        r.End();
        return key;
    }

    /// <summary>Serialises Galois keys.</summary>
    public static byte[] Serialize(CkksGaloisKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var w = Writer(SerializedKind.GaloisKeys, keys.Parameters);
        w.GaloisKeys(keys.GaloisElements, g => keys.Find(g)!, keys.Parameters.Ring);
        return w.ToArray();
    }

    /// <summary>Reads Galois keys of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, repeated or invalid Galois elements, or another parameter set.</exception>
    public static CkksGaloisKeys DeserializeGaloisKeys(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.GaloisKeys, parameters);
        var keys = r.GaloisKeys(parameters.Ring, parameters.SlotCount, g => g > 1 && g < 2 * parameters.PolyDegree && g % 2 == 1, "Galois elements are distinct odd numbers between 3 and 2N − 1.");
        r.End();
        return new CkksGaloisKeys(parameters, keys);
    }

    /// <summary>
    /// Exports the secret key. Whoever holds the result can decrypt everything encrypted under it: store it only
    /// encrypted (for example wrapped with AES-GCM by a key-management service) and clear the array after use.
    /// </summary>
    public static byte[] ExportSecretKey(CkksSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        var w = Writer(SerializedKind.SecretKey, secretKey.Parameters);
        w.Polynomial(secretKey.S, secretKey.Parameters.Ring);
        var bytes = w.ToArray();
        w.Clear();
        return bytes;
    }

    /// <summary>Imports a secret key exported by <see cref="ExportSecretKey"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksSecretKey ImportSecretKey(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = Reader(data, SerializedKind.SecretKey, parameters);
        var s = r.Polynomial(parameters.Ring, parameters.MaxLevel + 2);
        r.End();
        return new CkksSecretKey(parameters, s);
    }

    private static FormatWriter Writer(SerializedKind kind, CkksParameters? parameters) =>
        new(Magic, Version, kind, parameters is null ? default : parameters.Fingerprint);

    private static FormatReader Reader(ReadOnlySpan<byte> data, SerializedKind kind, CkksParameters? parameters, SerializedKind? alternative = null) =>
        new(data, Magic, "CKKS", Version, kind, alternative, parameters is null ? default : parameters.Fingerprint, static m => new CkksFormatException(m));

    private static bool IsZero(Ring.RnsPolynomial polynomial)
    {
        for (var l = 0; l < polynomial.Limbs; l++)
        {
            if (polynomial.Limb(l).ContainsAnyExcept(0UL))
            {
                return false;
            }
        }

        return true;
    }

    private static int ReadLevel(ref FormatReader r, CkksParameters p)
    {
        var level = r.Byte();
        return level <= p.MaxLevel ? level : throw new CkksFormatException($"The level must be between 0 and {p.MaxLevel}.");
    }

    private static double ReadScale(ref FormatReader r)
    {
        var scale = r.Double();
        return scale >= 1 && double.IsFinite(scale) ? scale : throw new CkksFormatException("The scale must be a finite number of at least 1.");
    }
}
