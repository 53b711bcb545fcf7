using System.Numerics;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// An RNS-CKKS parameter set: ring degree N, the ciphertext modulus chain q_0 … q_L (q_0 first; each later prime is
/// consumed by one rescale), a special prime P for key switching, and the default scale Δ. The total size
/// log2(Q·P) must respect the HomomorphicEncryption.org bound for 128-bit security (see <see cref="SecurityStandard"/>);
/// a set that does not can only be built with <c>allowInsecure: true</c>, for tests. Immutable; shareable.
/// </summary>
public sealed class CkksParameters
{
    private static readonly Lazy<CkksParameters> N4096 = new(() => Create(4096, [40, 29], 40, 29));
    private static readonly Lazy<CkksParameters> N8192 = new(() => Create(8192, [60, 40, 40], 60, 40));
    private static readonly Lazy<CkksParameters> N16384 = new(() => Create(16384, [60, 40, 40, 40, 40, 40, 40, 40], 60, 40));
    private static readonly Lazy<CkksParameters> N32768 = new(() => Create(32768, [60, .. Enumerable.Repeat(40, 17)], 60, 40));

    private CkksParameters(int polyDegree, RnsBase ciphertextModuli, Modulus specialModulus, double scale, bool secure)
    {
        PolyDegree = polyDegree;
        CiphertextModuli = ciphertextModuli;
        SpecialModulus = specialModulus;
        DefaultScale = scale;
        MeetsSecurityStandard = secure;
        Ring = new RingContext(polyDegree, ciphertextModuli, specialModulus, errorFactor: 1);
        CanonicalEncoding = Encode(polyDegree, ciphertextModuli, specialModulus, scale);
        Fingerprint = System.Security.Cryptography.SHA256.HashData(CanonicalEncoding).AsSpan(0, 16).ToArray();
    }

    /// <summary>N = 4096, Q = 40 + 29 bits, P = 40 bits (at most 109 bits ≤ 109), Δ = 2^29: one multiplication.</summary>
    public static CkksParameters N4096Security128 => N4096.Value;

    /// <summary>N = 8192, Q = 60 + 40 + 40 bits, P = 60 bits (200 ≤ 218), Δ = 2^40: two multiplications.</summary>
    public static CkksParameters N8192Security128 => N8192.Value;

    /// <summary>N = 16384, Q = 60 + 7 × 40 bits, P = 60 bits (400 ≤ 438), Δ = 2^40: seven multiplications.</summary>
    public static CkksParameters N16384Security128 => N16384.Value;

    /// <summary>N = 32768, Q = 60 + 17 × 40 bits, P = 60 bits (800 ≤ 881), Δ = 2^40: seventeen multiplications.</summary>
    public static CkksParameters N32768Security128 => N32768.Value;

    /// <summary>N.</summary>
    public int PolyDegree { get; }

    /// <summary>Number of slots, N/2.</summary>
    public int SlotCount => PolyDegree / 2;

    /// <summary>The ciphertext modulus chain q_0 … q_L.</summary>
    public RnsBase CiphertextModuli { get; }

    /// <summary>The special prime P used only inside key switching.</summary>
    public Modulus SpecialModulus { get; }

    /// <summary>The scale Δ fresh encodings use.</summary>
    public double DefaultScale { get; }

    /// <summary>L: the number of rescales a fresh ciphertext allows.</summary>
    public int MaxLevel => CiphertextModuli.Count - 1;

    /// <summary>log2(Q·P), the size checked against the security standard.</summary>
    public int TotalModulusBits => (int)(CiphertextModuli.Product * SpecialModulus.Value).GetBitLength();

    /// <summary>Whether the set respects the 128-bit bound; false only for sets built in insecure test mode.</summary>
    public bool MeetsSecurityStandard { get; }

    /// <summary>
    /// Builds a parameter set from prime sizes: distinct NTT-friendly primes of the given bit sizes (largest first for
    /// each size), and Δ = 2^<paramref name="scaleBits"/>.
    /// </summary>
    /// <param name="polyDegree">N: 4096–32768, or 8–32768 in insecure test mode.</param>
    /// <param name="ciphertextBits">Bit sizes of q_0 … q_L (20–60 each).</param>
    /// <param name="specialBits">Bit size of P; at least the largest ciphertext prime, so key switching adds little noise.</param>
    /// <param name="scaleBits">log2 Δ, below the size of q_0.</param>
    /// <param name="allowInsecure">Permit sets that break the 128-bit bound or use small N. For tests only.</param>
    /// <exception cref="ArgumentException">The sizes are inconsistent, or the set breaks the security bound without <paramref name="allowInsecure"/>.</exception>
    public static CkksParameters Create(int polyDegree, IReadOnlyList<int> ciphertextBits, int specialBits, int scaleBits, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(ciphertextBits);
        var minDegree = allowInsecure ? 8 : 4096;
        if (polyDegree < minDegree || polyDegree > 32768 || !BitOperations.IsPow2(polyDegree))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(polyDegree), $"N is a power of two between {minDegree} and 32768.");
        }

        if (ciphertextBits.Count == 0 || ciphertextBits.Any(b => b is < 20 or > 60) || specialBits is < 20 or > 60)
        {
            ThrowHelper.Argument(nameof(ciphertextBits), "Every prime is 20 to 60 bits, and there is at least one ciphertext prime.");
        }

        if (specialBits < ciphertextBits.Max())
        {
            ThrowHelper.Argument(nameof(specialBits), "The special prime must be at least as large as every ciphertext prime.");
        }

        if (scaleBits < 10 || scaleBits >= ciphertextBits[0])
        {
            ThrowHelper.Argument(nameof(scaleBits), "The scale must be at least 2^10 and smaller than q_0.");
        }

        var allBits = ciphertextBits.Append(specialBits).ToList();
        var pools = allBits.GroupBy(b => b).ToDictionary(g => g.Key, g => new Queue<ulong>(Primes.NttFriendly(g.Key, polyDegree, g.Count())));
        var primes = allBits.Select(b => new Modulus(pools[b].Dequeue())).ToList();
        var chain = new RnsBase(primes.Take(ciphertextBits.Count).ToList());
        var special = primes[^1];
        var totalBits = (int)(chain.Product * special.Value).GetBitLength();
        var secure = polyDegree >= 4096 && totalBits <= SecurityStandard.MaxModulusBits(polyDegree, 128);
        if (!secure && !allowInsecure)
        {
            ThrowHelper.Argument(nameof(ciphertextBits), $"log2(QP) = {totalBits} bits exceeds the {SecurityStandard.MaxModulusBits(polyDegree, 128)}-bit bound for 128-bit security at N = {polyDegree} (HomomorphicEncryption.org standard).");
        }

        return new CkksParameters(polyDegree, chain, special, Math.Pow(2, scaleBits), secure);
    }

    /// <summary>Rebuilds a set from explicit primes (deserialisation): validates primality, NTT-friendliness, ordering rules and the security bound.</summary>
    internal static CkksParameters FromPrimes(int polyDegree, IReadOnlyList<ulong> ciphertextPrimes, ulong specialPrime, double scale, bool allowInsecure)
    {
        var minDegree = allowInsecure ? 8 : 4096;
        if (polyDegree < minDegree || polyDegree > 32768 || !BitOperations.IsPow2(polyDegree))
        {
            throw new CkksFormatException($"N must be a power of two between {minDegree} and 32768.");
        }

        var all = ciphertextPrimes.Append(specialPrime).ToList();
        if (all.Any(q => q < (1UL << 19) || q >= (1UL << 60) || q % (2UL * (ulong)polyDegree) != 1 || !Primes.IsPrime(q)) || all.Distinct().Count() != all.Count)
        {
            throw new CkksFormatException("The moduli must be distinct 20-60-bit primes congruent to 1 modulo 2N.");
        }

        static int Bits(ulong q) => 64 - BitOperations.LeadingZeroCount(q);
        if (Bits(specialPrime) < ciphertextPrimes.Max(Bits) || !(scale >= 1024) || !double.IsFinite(scale) || scale >= ciphertextPrimes[0])
        {
            throw new CkksFormatException("P must be at least as many bits as every ciphertext prime, and the scale between 2^10 and q_0.");
        }

        var chain = new RnsBase(ciphertextPrimes.Select(q => new Modulus(q)).ToList());
        var special = new Modulus(specialPrime);
        var totalBits = (int)(chain.Product * specialPrime).GetBitLength();
        var secure = polyDegree >= 4096 && totalBits <= SecurityStandard.MaxModulusBits(polyDegree, 128);
        if (!secure && !allowInsecure)
        {
            throw new CkksFormatException("The parameter set breaks the 128-bit security bound; it is only accepted in insecure test mode.");
        }

        return new CkksParameters(polyDegree, chain, special, scale, secure);
    }

    private static byte[] Encode(int polyDegree, RnsBase chain, Modulus special, double scale)
    {
        var bytes = new byte[4 + 1 + (8 * (chain.Count + 1)) + 8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, polyDegree);
        bytes[4] = (byte)chain.Count;
        var o = 5;
        foreach (var q in chain.Moduli.Append(special))
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(o), q.Value);
            o += 8;
        }

        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(o), scale);
        return bytes;
    }

    /// <summary>The ring layer's view of this set (N, the chain, P, NTT tables; errors carry no factor).</summary>
    internal RingContext Ring { get; }

    /// <summary>NTT tables for q_i (i ≤ L) or, at index L + 1, for P.</summary>
    internal NttTables Tables(int index) => Ring.Tables(index);

    /// <summary>First 16 bytes of SHA-256 over <see cref="CanonicalEncoding"/>; serialised objects carry it.</summary>
    internal byte[] Fingerprint { get; }

    /// <summary>N, the moduli, P and log2 Δ in a fixed little-endian layout (see <see cref="CkksSerializer"/>).</summary>
    internal byte[] CanonicalEncoding { get; }

    /// <summary>Whether <paramref name="other"/> is the same parameter set (same N, moduli, P and scale).</summary>
    public bool IsSameAs(CkksParameters other) => other is not null && (ReferenceEquals(other, this) || Fingerprint.AsSpan().SequenceEqual(other.Fingerprint));

    /// <summary>Throws when an object of another parameter set is passed where this one's is expected.</summary>
    internal void EnsureSame(CkksParameters other, string paramName)
    {
        if (!IsSameAs(other))
        {
            ThrowHelper.Argument(paramName, "The object belongs to another parameter set.");
        }
    }

    /// <summary>The base q_0 … q_ℓ of level ℓ.</summary>
    internal RnsBase LevelBase(int level) => Ring.LevelBase(level);

    /// <summary>The modulus at index i: q_i for i ≤ L, P at L + 1.</summary>
    internal Modulus ModulusAt(int index) => Ring.ModulusAt(index);

    /// <inheritdoc />
    public override string ToString() =>
        $"CKKS(N={PolyDegree}, log2 QP={TotalModulusBits}, L={MaxLevel}, log2 Δ={Math.Log2(DefaultScale):0}{(MeetsSecurityStandard ? string.Empty : ", INSECURE test parameters")})";
}
