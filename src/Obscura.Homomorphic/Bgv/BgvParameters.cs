using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// A BGV parameter set: ring degree N, the ciphertext modulus chain q_0 … q_L (q_0 first; each later prime is dropped
/// by one modulus switch), a special prime P for key switching, and the plaintext modulus t, a prime ≡ 1 (mod 2N) so
/// that Z_t[X]/(X^N + 1) splits into N slots (batching). The total size log2(Q·P) must respect the
/// HomomorphicEncryption.org bound for 128-bit security (see <see cref="SecurityStandard"/>); a set that does not can
/// only be built with <c>allowInsecure: true</c>, for tests. Immutable; shareable between threads.
/// </summary>
public sealed class BgvParameters
{
    private static readonly Lazy<BgvParameters> Preset = new(() => Create(8192, [60, 49, 49], 60, 65537));

    private readonly byte[] _fingerprint;

    private BgvParameters(int polyDegree, RnsBase ciphertextModuli, Modulus specialModulus, Modulus plainModulus, bool secure)
    {
        PolyDegree = polyDegree;
        CiphertextModuli = ciphertextModuli;
        SpecialModulus = specialModulus;
        PlainModulus = plainModulus;
        MeetsSecurityStandard = secure;
        Ring = new RingContext(polyDegree, ciphertextModuli, specialModulus, plainModulus.Value);
        PlainTables = new NttTables(polyDegree, plainModulus);
        CanonicalEncoding = Encode(polyDegree, ciphertextModuli, specialModulus, plainModulus);
        _fingerprint = SHA256.HashData(CanonicalEncoding).AsSpan(0, 16).ToArray();
    }

    /// <summary>
    /// N = 8192, t = 65537 (≡ 1 mod 16384: 8192 slots of 17 bits), Q = 60 + 49 + 49 bits, P = 60 bits: log2(Q·P) = 218,
    /// exactly the 128-bit bound. One ciphertext multiplication with room for rotations, plaintext products and
    /// noise flooding; the set of the protected-verification decision.
    /// </summary>
    public static BgvParameters N8192T65537 => Preset.Value;

    /// <summary>N.</summary>
    public int PolyDegree { get; }

    /// <summary>Number of slots, N: a 2 × N/2 matrix of values modulo t.</summary>
    public int SlotCount => PolyDegree;

    /// <summary>Slots per row, N/2: <see cref="BgvEvaluator.RotateRows"/> rotates each row of this length cyclically.</summary>
    public int RowSize => PolyDegree / 2;

    /// <summary>t, the plaintext modulus: slot values are integers modulo t.</summary>
    public Modulus PlainModulus { get; }

    /// <summary>The ciphertext modulus chain q_0 … q_L.</summary>
    public RnsBase CiphertextModuli { get; }

    /// <summary>The special prime P, used only inside key switching and public-key encryption.</summary>
    public Modulus SpecialModulus { get; }

    /// <summary>L: the number of modulus switches a fresh ciphertext allows.</summary>
    public int MaxLevel => CiphertextModuli.Count - 1;

    /// <summary>log2(Q·P), the size checked against the security standard.</summary>
    public int TotalModulusBits => (int)(CiphertextModuli.Product * SpecialModulus.Value).GetBitLength();

    /// <summary>Whether the set respects the 128-bit bound; false only for sets built in insecure test mode.</summary>
    public bool MeetsSecurityStandard { get; }

    /// <summary>
    /// First 16 bytes of SHA-256 over the set's canonical encoding (N, the primes q_0 … q_L, P and t, little-endian):
    /// equal for equal sets; serialised objects carry it, so an object of another set is refused.
    /// </summary>
    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    internal RingContext Ring { get; }

    internal NttTables PlainTables { get; }

    internal byte[] CanonicalEncoding { get; }

    /// <summary>
    /// Builds a parameter set from prime sizes: distinct NTT-friendly primes of the given bit sizes (largest first for
    /// each size, skipping t).
    /// </summary>
    /// <param name="polyDegree">N: a power of two, 1024–32768, or 8–32768 in insecure test mode.</param>
    /// <param name="ciphertextBits">Bit sizes of q_0 … q_L (20–60 each).</param>
    /// <param name="specialBits">Bit size of P (20–60); at least the largest ciphertext prime, so key switching adds little noise.</param>
    /// <param name="plainModulus">t: a prime with t ≡ 1 (mod 2N) and t &lt; q_0.</param>
    /// <param name="allowInsecure">Permit sets that break the 128-bit bound or use N below 1024. For tests only.</param>
    /// <exception cref="ArgumentOutOfRangeException">N is not a power of two in range.</exception>
    /// <exception cref="ArgumentException">The sizes or t are inconsistent, or the set breaks the security bound without <paramref name="allowInsecure"/>.</exception>
    public static BgvParameters Create(int polyDegree, IReadOnlyList<int> ciphertextBits, int specialBits, ulong plainModulus, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(ciphertextBits);
        var minDegree = allowInsecure ? 8 : 1024;
        if (polyDegree < minDegree || polyDegree > 32768 || !BitOperations.IsPow2(polyDegree))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(polyDegree), $"N is a power of two between {minDegree} and 32768.");
        }

        if (ciphertextBits.Count == 0 || ciphertextBits.Count > 64 || ciphertextBits.Any(b => b is < 20 or > 60) || specialBits is < 20 or > 60)
        {
            ThrowHelper.Argument(nameof(ciphertextBits), "Every prime is 20 to 60 bits, and there are 1 to 64 ciphertext primes.");
        }

        if (specialBits < ciphertextBits.Max())
        {
            ThrowHelper.Argument(nameof(specialBits), "The special prime must be at least as large as every ciphertext prime.");
        }

        if (plainModulus < 3 || plainModulus >= 1UL << 60 || plainModulus % (2UL * (ulong)polyDegree) != 1 || !Primes.IsPrime(plainModulus))
        {
            ThrowHelper.Argument(nameof(plainModulus), "The plaintext modulus must be a prime congruent to 1 modulo 2N (for batching) and below 2^60.");
        }

        var allBits = ciphertextBits.Append(specialBits).ToList();
        var pools = allBits.GroupBy(b => b).ToDictionary(g => g.Key, g => new Queue<ulong>(PrimesExcept(g.Key, polyDegree, g.Count(), plainModulus)));
        var primes = allBits.Select(b => pools[b].Dequeue()).ToList();
        var chain = new RnsBase(primes.Take(ciphertextBits.Count).Select(q => new Modulus(q)).ToList());
        if (plainModulus >= chain.Moduli[0].Value)
        {
            ThrowHelper.Argument(nameof(plainModulus), "The plaintext modulus must be below q_0.");
        }

        var special = new Modulus(primes[^1]);
        var secure = IsSecure(polyDegree, chain, special);
        if (!secure && !allowInsecure)
        {
            var bound = SecurityStandard.Degrees.Contains(polyDegree) ? SecurityStandard.MaxModulusBits(polyDegree, 128) : 0;
            ThrowHelper.Argument(nameof(ciphertextBits), $"log2(QP) = {(int)(chain.Product * special.Value).GetBitLength()} bits exceeds the {bound}-bit bound for 128-bit security at N = {polyDegree} (HomomorphicEncryption.org standard).");
        }

        return new BgvParameters(polyDegree, chain, special, new Modulus(plainModulus), secure);
    }

    /// <summary>Rebuilds a set from explicit primes (deserialisation), validating everything <see cref="Create"/> does.</summary>
    internal static BgvParameters FromPrimes(int polyDegree, IReadOnlyList<ulong> ciphertextPrimes, ulong specialPrime, ulong plainModulus, bool allowInsecure)
    {
        var minDegree = allowInsecure ? 8 : 1024;
        if (polyDegree < minDegree || polyDegree > 32768 || !BitOperations.IsPow2(polyDegree))
        {
            throw new BgvFormatException($"N must be a power of two between {minDegree} and 32768.");
        }

        var all = ciphertextPrimes.Append(specialPrime).ToList();
        if (all.Any(q => q < (1UL << 19) || q >= (1UL << 60) || q % (2UL * (ulong)polyDegree) != 1 || !Primes.IsPrime(q)) || all.Distinct().Count() != all.Count)
        {
            throw new BgvFormatException("The moduli must be distinct 20-60-bit primes congruent to 1 modulo 2N.");
        }

        static int Bits(ulong q) => 64 - BitOperations.LeadingZeroCount(q);
        if (Bits(specialPrime) < ciphertextPrimes.Max(Bits))
        {
            throw new BgvFormatException("P must have at least as many bits as every ciphertext prime.");
        }

        if (plainModulus < 3 || plainModulus % (2UL * (ulong)polyDegree) != 1 || !Primes.IsPrime(plainModulus) || plainModulus >= ciphertextPrimes[0] || all.Contains(plainModulus))
        {
            throw new BgvFormatException("The plaintext modulus must be a prime congruent to 1 modulo 2N, below q_0 and distinct from every modulus.");
        }

        var chain = new RnsBase(ciphertextPrimes.Select(q => new Modulus(q)).ToList());
        var special = new Modulus(specialPrime);
        var secure = IsSecure(polyDegree, chain, special);
        if (!secure && !allowInsecure)
        {
            throw new BgvFormatException("The parameter set breaks the 128-bit security bound; it is only accepted in insecure test mode.");
        }

        return new BgvParameters(polyDegree, chain, special, new Modulus(plainModulus), secure);
    }

    /// <summary>Whether <paramref name="other"/> is the same parameter set (same N, moduli, P and t).</summary>
    public bool IsSameAs(BgvParameters other) => other is not null && (ReferenceEquals(other, this) || _fingerprint.AsSpan().SequenceEqual(other._fingerprint));

    /// <inheritdoc />
    public override string ToString() =>
        $"BGV(N={PolyDegree}, t={PlainModulus.Value}, log2 QP={TotalModulusBits}, L={MaxLevel}{(MeetsSecurityStandard ? string.Empty : ", INSECURE test parameters")})";

    /// <summary>Throws when an object of another parameter set is passed where this one's is expected.</summary>
    internal void EnsureSame(BgvParameters other, string paramName)
    {
        if (!IsSameAs(other))
        {
            ThrowHelper.Argument(paramName, "The object belongs to another parameter set.");
        }
    }

    /// <summary>q_i for i ≤ L, P at L + 1.</summary>
    internal Modulus ModulusAt(int index) => Ring.ModulusAt(index);

    /// <summary>The <paramref name="count"/> largest NTT-friendly primes of <paramref name="bits"/> bits other than t.</summary>
    private static IEnumerable<ulong> PrimesExcept(int bits, int polyDegree, int count, ulong t)
    {
        var primes = Primes.NttFriendly(bits, polyDegree, count);
        return primes.Contains(t) ? Primes.NttFriendly(bits, polyDegree, count + 1).Where(q => q != t) : primes;
    }

    private static bool IsSecure(int polyDegree, RnsBase chain, Modulus special) =>
        polyDegree >= 1024 && (int)(chain.Product * special.Value).GetBitLength() <= SecurityStandard.MaxModulusBits(polyDegree, 128);

    private static byte[] Encode(int polyDegree, RnsBase chain, Modulus special, Modulus plain)
    {
        var bytes = new byte[4 + 1 + (8 * (chain.Count + 1)) + 8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, polyDegree);
        bytes[4] = (byte)chain.Count;
        var o = 5;
        foreach (var q in chain.Moduli.Append(special).Append(plain))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(o), q.Value);
            o += 8;
        }

        return bytes;
    }
}
