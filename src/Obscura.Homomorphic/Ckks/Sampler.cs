using System.Security.Cryptography;
using Obscura.Homomorphic.Arithmetic;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Secret-dependent randomness, all from the operating system's CSPRNG: uniform ternary secrets, a rounded Gaussian
/// error with σ = 3.2 truncated at 6σ, and uniform residues by rejection sampling.
/// </summary>
internal static class Sampler
{
    public const double Sigma = 3.2;
    public const int ErrorBound = 19; // ⌈6σ⌉

    /// <summary>Uniform over {-1, 0, 1}: one random byte per coefficient, 255 rejected so each value has probability 85/255.</summary>
    public static void Ternary(Span<long> destination)
    {
        Span<byte> buffer = stackalloc byte[256];
        var filled = 0;
        var position = buffer.Length;
        while (filled < destination.Length)
        {
            if (position == buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                position = 0;
            }

            var b = buffer[position++];
            if (b < 255)
            {
                destination[filled++] = (b % 3) - 1;
            }
        }

        CryptographicOperations.ZeroMemory(buffer);
    }

    /// <summary>Rounded Gaussian of standard deviation σ (Box–Muller on 53-bit CSPRNG uniforms), rejecting |e| &gt; 6σ.</summary>
    public static void Gaussian(Span<long> destination) => RoundedNormal(Sigma, ErrorBound, destination);

    /// <summary>
    /// Gaussian of a large standard deviation (noise flooding) on the integers, not truncated: Box–Muller on 53-bit
    /// uniforms keeps |value| ≤ 8.6σ. A double carries 53 bits, so above σ = 2^50 the sample is rounded to a grid of
    /// G = 2^k (k = ⌈log2 σ⌉ − 50) and its low k bits are drawn uniformly: the density then differs from the continuous
    /// Gaussian's by a relative 2^-50 at most, and every integer in range can occur. <paramref name="sigma"/> ≤ 2^110.
    /// </summary>
    public static void WideGaussian(double sigma, Span<Int128> destination)
    {
        var gridBits = Math.Max(0, (int)Math.Ceiling(Math.Log2(sigma)) - 50);
        var grid = Math.Pow(2, gridBits);
        var lowMask = gridBits == 0 ? 0UL : (1UL << gridBits) - 1;
        var samples = new long[destination.Length];
        RoundedNormal(sigma / grid, long.MaxValue, samples);
        Span<ulong> low = stackalloc ulong[64];
        for (var i = 0; i < destination.Length; i++)
        {
            if (i % low.Length == 0)
            {
                RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(low));
            }

            destination[i] = ((Int128)samples[i] << gridBits) + (Int128)(low[i % low.Length] & lowMask) - (Int128)(lowMask >> 1);
        }

        Array.Clear(samples);
        low.Clear();
    }

    private static void RoundedNormal(double sigma, long bound, Span<long> destination)
    {
        Span<ulong> words = stackalloc ulong[128];
        var filled = 0;
        var position = words.Length;
        while (filled < destination.Length)
        {
            if (position == words.Length)
            {
                RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words));
                position = 0;
            }

            var u1 = ((words[position] >> 11) + 1) * (1.0 / (1UL << 53)); // (0, 1]
            var u2 = (words[position + 1] >> 11) * (1.0 / (1UL << 53));   // [0, 1)
            position += 2;
            var radius = Math.Sqrt(-2 * Math.Log(u1)) * sigma;
            var (sin, cos) = Math.SinCos(2 * Math.PI * u2);
            filled = Take(destination, filled, radius * cos, bound);
            filled = Take(destination, filled, radius * sin, bound);
        }

        words.Clear();
    }

    private static int Take(Span<long> destination, int filled, double z, long bound)
    {
        var e = (long)Math.Round(z, MidpointRounding.ToEven);
        if (Math.Abs(e) <= bound && filled < destination.Length)
        {
            destination[filled++] = e;
        }

        return filled;
    }

    /// <summary>Length of the seed that expands into the uniform half of a seeded ciphertext.</summary>
    public const int SeedLength = 32;

    /// <summary>
    /// Uniform residues modulo q expanded from a 32-byte seed: AES-256 in counter mode (the seed is the key; each block
    /// is limb index ‖ block counter), 64-bit words masked to q's width and rejected when not below q. Deterministic,
    /// so a ciphertext's uniform polynomial travels as its seed.
    /// </summary>
    public static void UniformFromSeed(ReadOnlySpan<byte> seed, int limbIndex, Span<ulong> destination, Modulus q)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"A seed has {SeedLength} bytes.", nameof(seed));
        }

        using var aes = Aes.Create();
        aes.Key = seed.ToArray();
        var mask = q.BitCount == 64 ? ulong.MaxValue : (1UL << q.BitCount) - 1;
        const int Blocks = 256;
        var counters = new byte[Blocks * 16];
        var stream = new byte[Blocks * 16];
        ulong block = 0;
        var filled = 0;
        while (filled < destination.Length)
        {
            for (var b = 0; b < Blocks; b++)
            {
                var counter = counters.AsSpan(b * 16, 16);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(counter, limbIndex);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(counter[4..], block++);
            }

            aes.EncryptEcb(counters, stream, PaddingMode.None);
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(stream.AsSpan());
            for (var k = 0; k < words.Length && filled < destination.Length; k++)
            {
                var candidate = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(stream.AsSpan(k * 8)) & mask;
                if (candidate < q.Value)
                {
                    destination[filled++] = candidate;
                }
            }
        }
    }

    /// <summary>Uniform residues modulo q by rejection of masked 64-bit words.</summary>
    public static void Uniform(Span<ulong> destination, Modulus q)
    {
        var mask = q.BitCount == 64 ? ulong.MaxValue : (1UL << q.BitCount) - 1;
        Span<ulong> buffer = stackalloc ulong[64];
        var filled = 0;
        var position = buffer.Length;
        while (filled < destination.Length)
        {
            if (position == buffer.Length)
            {
                RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer));
                position = 0;
            }

            var candidate = buffer[position++] & mask;
            if (candidate < q.Value)
            {
                destination[filled++] = candidate;
            }
        }
    }
}
