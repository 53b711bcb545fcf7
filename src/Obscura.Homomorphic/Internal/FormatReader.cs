using System.Buffers.Binary;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Internal;

/// <summary>
/// Reads what <see cref="FormatWriter"/> writes, validating as it goes: magic, version, kind (an expected one or its
/// alternative), fingerprint, every residue below its modulus, zero padding bits, no truncation and no trailing bytes.
/// Lengths come from the parameter set, never from the input. Every failure is the scheme's format exception, made by
/// the <c>error</c> delegate; messages never quote the data.
/// </summary>
internal ref struct FormatReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly Func<string, FormatException> _error;
    private int _position;

    /// <param name="data">The input.</param>
    /// <param name="magic">The scheme's 4-byte magic.</param>
    /// <param name="scheme">The scheme's name in messages ("CKKS", "BGV").</param>
    /// <param name="version">The only version this build reads.</param>
    /// <param name="kind">The kind expected.</param>
    /// <param name="alternative">A second kind accepted (a seeded ciphertext where a ciphertext is expected), or null.</param>
    /// <param name="fingerprint">The parameter set's fingerprint the data must carry, or empty for parameter sets.</param>
    /// <param name="error">Makes the scheme's format exception.</param>
    public FormatReader(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic, string scheme, byte version, SerializedKind kind, SerializedKind? alternative, ReadOnlySpan<byte> fingerprint, Func<string, FormatException> error)
    {
        _data = data;
        _error = error;
        _position = 0;
        if (!Take(4).SequenceEqual(magic))
        {
            throw error($"Not Obscura {scheme} data (bad magic).");
        }

        if (Byte() != version)
        {
            throw error($"Unsupported format version; this build reads version {version}.");
        }

        var found = (SerializedKind)Byte();
        Found = found;
        if (found != kind && found != alternative)
        {
            var what = Enum.IsDefined(found) ? $"a {found}" : "an unknown kind of object";
            throw error($"The data holds {what}, not a {kind}.");
        }

        if (!fingerprint.IsEmpty && !Take(fingerprint.Length).SequenceEqual(fingerprint))
        {
            throw error("The data belongs to another parameter set.");
        }
    }

    /// <summary>The kind found (the expected kind or the alternative).</summary>
    public SerializedKind Found { get; }

    public readonly FormatException Error(string message) => _error(message);

    public byte Byte() => Take(1)[0];

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>A parameter set's chain: a count byte (1–64), then that many 64-bit primes.</summary>
    public ulong[] Primes()
    {
        var count = Byte();
        if (count is 0 or > 64)
        {
            throw _error("A parameter set has 1 to 64 ciphertext primes.");
        }

        var primes = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            primes[i] = UInt64();
        }

        return primes;
    }

    /// <summary>
    /// Galois keys: a count (0 to <paramref name="maxCount"/>), then (element, key) pairs with distinct elements that
    /// <paramref name="isValid"/> accepts (else <paramref name="invalidElement"/> is the message).
    /// </summary>
    public Dictionary<int, KeySwitchingKey> GaloisKeys(RingContext ring, int maxCount, Func<int, bool> isValid, string invalidElement)
    {
        var count = Int32();
        if (count < 0 || count > maxCount)
        {
            throw _error("Invalid number of Galois keys.");
        }

        var keys = new Dictionary<int, KeySwitchingKey>();
        for (var i = 0; i < count; i++)
        {
            var g = Int32();
            if (!isValid(g) || keys.ContainsKey(g))
            {
                throw _error(invalidElement);
            }

            keys[g] = SwitchingKey(ring);
        }

        return keys;
    }

    /// <summary>A polynomial of <paramref name="limbs"/> limbs (limb i modulo the ring's modulus at i), NTT form.</summary>
    public RnsPolynomial Polynomial(RingContext ring, int limbs)
    {
        var poly = new RnsPolynomial(ring.PolyDegree, limbs, isNtt: true);
        for (var l = 0; l < limbs; l++)
        {
            Residues(poly.Limb(l), ring.ModulusAt(l));
        }

        return poly;
    }

    /// <summary>Fills <paramref name="destination"/> with packed residues, each checked to be below <paramref name="q"/>.</summary>
    public void Residues(Span<ulong> destination, Modulus q)
    {
        var bits = q.BitCount;
        var mask = (1UL << bits) - 1;
        var bytes = Take(FormatWriter.PackedLength(destination.Length, bits));
        UInt128 accumulator = 0;
        var held = 0;
        var position = 0;
        for (var k = 0; k < destination.Length; k++)
        {
            while (held < bits)
            {
                accumulator |= (UInt128)bytes[position++] << held;
                held += 8;
            }

            var v = unchecked((ulong)accumulator) & mask;
            accumulator >>= bits;
            held -= bits;
            destination[k] = v < q.Value ? v : throw _error("A residue is not below its modulus.");
        }

        if (accumulator != 0 || position != bytes.Length)
        {
            throw _error("The padding bits of a packed limb are not zero.");
        }
    }

    /// <summary>A key-switching key: L + 1 pairs of polynomials over all L + 2 limbs.</summary>
    public KeySwitchingKey SwitchingKey(RingContext ring)
    {
        var b = new RnsPolynomial[ring.MaxLevel + 1];
        var a = new RnsPolynomial[ring.MaxLevel + 1];
        for (var j = 0; j <= ring.MaxLevel; j++)
        {
            b[j] = Polynomial(ring, ring.MaxLevel + 2);
            a[j] = Polynomial(ring, ring.MaxLevel + 2);
        }

        return new KeySwitchingKey(b, a, ring);
    }

    public readonly void End()
    {
        if (_position != _data.Length)
        {
            throw _error("Trailing bytes after the object.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _data.Length - _position < count)
        {
            throw _error("The data is truncated.");
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
