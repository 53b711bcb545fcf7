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
    public static void Gaussian(Span<long> destination)
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
            var radius = Math.Sqrt(-2 * Math.Log(u1)) * Sigma;
            var (sin, cos) = Math.SinCos(2 * Math.PI * u2);
            filled = Take(destination, filled, radius * cos);
            filled = Take(destination, filled, radius * sin);
        }

        words.Clear();
    }

    private static int Take(Span<long> destination, int filled, double z)
    {
        var e = (long)Math.Round(z, MidpointRounding.ToEven);
        if (Math.Abs(e) <= ErrorBound && filled < destination.Length)
        {
            destination[filled++] = e;
        }

        return filled;
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
