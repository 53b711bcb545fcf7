using System.Buffers;
using System.Buffers.Binary;
using Obscura.Homomorphic.Ring;

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

    private enum Kind : byte
    {
        Parameters = 1,
        Plaintext = 2,
        Ciphertext = 3,
        PublicKey = 4,
        RelinearizationKey = 5,
        GaloisKeys = 6,
        SecretKey = 7,
        SeededCiphertext = 8,
        KeySwitchKey = 9,
    }

    /// <summary>Serialises a parameter set.</summary>
    public static byte[] Serialize(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var w = new Writer(Kind.Parameters, null);
        w.Bytes(parameters.CanonicalEncoding);
        return w.ToArray();
    }

    /// <summary>Reads a parameter set, rejecting sets below 128-bit security unless <paramref name="allowInsecure"/>.</summary>
    /// <exception cref="CkksFormatException">The data is malformed or the set is invalid or insecure.</exception>
    public static CkksParameters DeserializeParameters(ReadOnlySpan<byte> data, bool allowInsecure = false)
    {
        var r = new Reader(data, Kind.Parameters, null);
        var n = r.Int32();
        var count = r.Byte();
        if (count is 0 or > 64)
        {
            throw new CkksFormatException("A parameter set has 1 to 64 ciphertext primes.");
        }

        var primes = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            primes[i] = r.UInt64();
        }

        var special = r.UInt64();
        var scale = r.Double();
        r.End();
        return CkksParameters.FromPrimes(n, primes, special, scale, allowInsecure);
    }

    /// <summary>Serialises a ciphertext; a seeded one (fresh from symmetric encryption) as (c0, seed), about half the size.</summary>
    public static byte[] Serialize(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var w = new Writer(ciphertext.IsSeeded ? Kind.SeededCiphertext : Kind.Ciphertext, ciphertext.Parameters);
        w.Byte((byte)ciphertext.Level);
        w.Double(ciphertext.Scale);
        w.Polynomial(ciphertext.C0, ciphertext.Parameters);
        if (ciphertext.Seed is { } seed)
        {
            w.Bytes(seed);
        }
        else
        {
            w.Polynomial(ciphertext.C1, ciphertext.Parameters);
        }

        return w.ToArray();
    }

    /// <summary>Reads a ciphertext (seeded or not) of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksCiphertext DeserializeCiphertext(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = new Reader(data, Kind.Ciphertext, parameters, Kind.SeededCiphertext);
        var level = r.Level(parameters);
        var scale = r.Scale();
        var c0 = r.Polynomial(parameters, level + 1);
        if (r.Found == Kind.SeededCiphertext)
        {
            var seed = r.Bytes(Sampler.SeedLength).ToArray();
            r.End();
            return new CkksCiphertext(parameters, c0, CkksKeyGenerator.SeededPolynomial(parameters, level + 1, seed), level, scale, seed);
        }

        var c1 = r.Polynomial(parameters, level + 1);
        r.End();
        return new CkksCiphertext(parameters, c0, c1, level, scale);
    }

    /// <summary>Serialises a plaintext.</summary>
    public static byte[] Serialize(CkksPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var w = new Writer(Kind.Plaintext, plaintext.Parameters);
        w.Byte((byte)plaintext.Level);
        w.Double(plaintext.Scale);
        w.Polynomial(plaintext.Polynomial, plaintext.Parameters);
        return w.ToArray();
    }

    /// <summary>Reads a plaintext of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksPlaintext DeserializePlaintext(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = new Reader(data, Kind.Plaintext, parameters);
        var level = r.Level(parameters);
        var scale = r.Scale();
        var m = r.Polynomial(parameters, level + 1);
        r.End();
        return new CkksPlaintext(parameters, m, level, scale);
    }

    /// <summary>Serialises a public key.</summary>
    public static byte[] Serialize(CkksPublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var w = new Writer(Kind.PublicKey, publicKey.Parameters);
        w.Polynomial(publicKey.B, publicKey.Parameters);
        w.Polynomial(publicKey.A, publicKey.Parameters);
        return w.ToArray();
    }

    /// <summary>Reads a public key of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksPublicKey DeserializePublicKey(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = new Reader(data, Kind.PublicKey, parameters);
        var b = r.Polynomial(parameters, parameters.MaxLevel + 1);
        var a = r.Polynomial(parameters, parameters.MaxLevel + 1);
        r.End();
        return new CkksPublicKey(parameters, b, a);
    }

    /// <summary>Serialises a relinearisation key.</summary>
    public static byte[] Serialize(CkksRelinearizationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SerializeSwitchingKey(Kind.RelinearizationKey, key.Key, key.Parameters);
    }

    /// <summary>Reads a relinearisation key of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksRelinearizationKey DeserializeRelinearizationKey(ReadOnlySpan<byte> data, CkksParameters parameters) =>
        new(parameters, DeserializeSwitchingKey(data, Kind.RelinearizationKey, parameters));

    /// <summary>Serialises a key-switching key.</summary>
    public static byte[] Serialize(CkksKeySwitchKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SerializeSwitchingKey(Kind.KeySwitchKey, key.Key, key.Parameters);
    }

    /// <summary>Reads a key-switching key of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksKeySwitchKey DeserializeKeySwitchKey(ReadOnlySpan<byte> data, CkksParameters parameters) =>
        new(parameters, DeserializeSwitchingKey(data, Kind.KeySwitchKey, parameters));

    private static byte[] SerializeSwitchingKey(Kind kind, KeySwitchingKey key, CkksParameters parameters)
    {
        var w = new Writer(kind, parameters);
        w.SwitchingKey(key, parameters);
        return w.ToArray();
    }

    private static KeySwitchingKey DeserializeSwitchingKey(ReadOnlySpan<byte> data, Kind kind, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = new Reader(data, kind, parameters);
        var key = r.SwitchingKey(parameters);
        r.End();
        return key;
    }

    /// <summary>Serialises Galois keys.</summary>
    public static byte[] Serialize(CkksGaloisKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var w = new Writer(Kind.GaloisKeys, keys.Parameters);
        var elements = keys.GaloisElements.Order().ToList();
        w.Int32(elements.Count);
        foreach (var g in elements)
        {
            w.Int32(g);
            w.SwitchingKey(keys.Find(g)!, keys.Parameters);
        }

        return w.ToArray();
    }

    /// <summary>Reads Galois keys of <paramref name="parameters"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, repeated or invalid Galois elements, or another parameter set.</exception>
    public static CkksGaloisKeys DeserializeGaloisKeys(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = new Reader(data, Kind.GaloisKeys, parameters);
        var count = r.Int32();
        if (count < 0 || count > parameters.SlotCount)
        {
            throw new CkksFormatException("Invalid number of Galois keys.");
        }

        var keys = new Dictionary<int, KeySwitchingKey>();
        for (var i = 0; i < count; i++)
        {
            var g = r.Int32();
            if (g <= 1 || g >= 2 * parameters.PolyDegree || g % 2 == 0 || keys.ContainsKey(g))
            {
                throw new CkksFormatException("Galois elements are distinct odd numbers between 3 and 2N − 1.");
            }

            keys[g] = r.SwitchingKey(parameters);
        }

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
        var w = new Writer(Kind.SecretKey, secretKey.Parameters);
        w.Polynomial(secretKey.S, secretKey.Parameters);
        var bytes = w.ToArray();
        w.Clear();
        return bytes;
    }

    /// <summary>Imports a secret key exported by <see cref="ExportSecretKey"/>.</summary>
    /// <exception cref="CkksFormatException">Malformed, or of another parameter set.</exception>
    public static CkksSecretKey ImportSecretKey(ReadOnlySpan<byte> data, CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var r = new Reader(data, Kind.SecretKey, parameters);
        var s = r.Polynomial(parameters, parameters.MaxLevel + 2);
        r.End();
        return new CkksSecretKey(parameters, s);
    }

    private static int PackedLength(int degree, int bits) => (int)(((long)degree * bits + 7) / 8);

    private sealed class Writer
    {
        private readonly ArrayBufferWriter<byte> _stream = new();

        public Writer(Kind kind, CkksParameters? parameters)
        {
            _stream.Write(Magic);
            _stream.Write([Version, (byte)kind]);
            if (parameters is not null)
            {
                _stream.Write(parameters.Fingerprint);
            }
        }

        public void Byte(byte value) => _stream.Write([value]);

        public void Bytes(ReadOnlySpan<byte> value) => _stream.Write(value);

        public void Int32(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, value);
            _stream.Write(b);
        }

        public void Double(double value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(b, value);
            _stream.Write(b);
        }

        /// <summary>Each limb as its residues packed little-endian at the modulus's bit width (40-bit primes take 5 bytes).</summary>
        public void Polynomial(RnsPolynomial poly, CkksParameters p)
        {
            for (var l = 0; l < poly.Limbs; l++)
            {
                var bits = p.ModulusAt(l).BitCount;
                var b = new byte[PackedLength(poly.Degree, bits)];
                UInt128 accumulator = 0;
                var held = 0;
                var position = 0;
                foreach (var value in poly.Limb(l))
                {
                    accumulator |= (UInt128)value << held;
                    held += bits;
                    while (held >= 8)
                    {
                        b[position++] = unchecked((byte)accumulator);
                        accumulator >>= 8;
                        held -= 8;
                    }
                }

                if (held > 0)
                {
                    b[position] = unchecked((byte)accumulator);
                }

                _stream.Write(b);
                Array.Clear(b);
            }
        }

        public void SwitchingKey(KeySwitchingKey key, CkksParameters p)
        {
            for (var j = 0; j < key.B.Length; j++)
            {
                Polynomial(key.B[j], p);
                Polynomial(key.A[j], p);
            }
        }

        public byte[] ToArray() => _stream.WrittenSpan.ToArray();

        /// <summary>Zeroes the buffer (ArrayBufferWriter.Clear clears the written memory).</summary>
        public void Clear() => _stream.Clear();
    }

    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _position;

        public Reader(ReadOnlySpan<byte> data, Kind kind, CkksParameters? parameters, Kind? alternative = null)
        {
            _data = data;
            _position = 0;
            if (!Take(4).SequenceEqual(Magic))
            {
                throw new CkksFormatException("Not Obscura CKKS data (bad magic).");
            }

            if (Byte() != Version)
            {
                throw new CkksFormatException($"Unsupported format version; this build reads version {Version}.");
            }

            var found = (Kind)Byte();
            Found = found;
            if (found != kind && found != alternative)
            {
                var what = Enum.IsDefined(found) ? $"a {found}" : "an unknown kind of object";
                throw new CkksFormatException($"The data holds {what}, not a {kind}.");
            }

            if (parameters is not null && !Take(16).SequenceEqual(parameters.Fingerprint))
            {
                throw new CkksFormatException("The data belongs to another parameter set.");
            }
        }

        public Kind Found { get; }

        public byte Byte() => Take(1)[0];

        public ReadOnlySpan<byte> Bytes(int count) => Take(count);

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public int Level(CkksParameters p)
        {
            var level = Byte();
            return level <= p.MaxLevel ? level : throw new CkksFormatException($"The level must be between 0 and {p.MaxLevel}.");
        }

        public double Scale()
        {
            var scale = Double();
            return scale >= 1 && double.IsFinite(scale) ? scale : throw new CkksFormatException("The scale must be a finite number of at least 1.");
        }

        public RnsPolynomial Polynomial(CkksParameters p, int limbs)
        {
            var poly = new RnsPolynomial(p.PolyDegree, limbs, isNtt: true);
            for (var l = 0; l < limbs; l++)
            {
                var q = p.ModulusAt(l);
                var bits = q.BitCount;
                var mask = (1UL << bits) - 1;
                var bytes = Take(PackedLength(p.PolyDegree, bits));
                var limb = poly.Limb(l);
                UInt128 accumulator = 0;
                var held = 0;
                var position = 0;
                for (var k = 0; k < limb.Length; k++)
                {
                    while (held < bits)
                    {
                        accumulator |= (UInt128)bytes[position++] << held;
                        held += 8;
                    }

                    var v = unchecked((ulong)accumulator) & mask;
                    accumulator >>= bits;
                    held -= bits;
                    limb[k] = v < q.Value ? v : throw new CkksFormatException("A residue is not below its modulus.");
                }

                if (accumulator != 0 || position != bytes.Length)
                {
                    throw new CkksFormatException("The padding bits of a packed limb are not zero.");
                }
            }

            return poly;
        }

        public KeySwitchingKey SwitchingKey(CkksParameters p)
        {
            var b = new RnsPolynomial[p.MaxLevel + 1];
            var a = new RnsPolynomial[p.MaxLevel + 1];
            for (var j = 0; j <= p.MaxLevel; j++)
            {
                b[j] = Polynomial(p, p.MaxLevel + 2);
                a[j] = Polynomial(p, p.MaxLevel + 2);
            }

            return new KeySwitchingKey(b, a, p.Ring);
        }

        public readonly void End()
        {
            if (_position != _data.Length)
            {
                throw new CkksFormatException("Trailing bytes after the object.");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _data.Length - _position < count)
            {
                throw new CkksFormatException("The data is truncated.");
            }

            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
