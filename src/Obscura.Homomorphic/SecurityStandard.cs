using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic;

/// <summary>
/// The largest total coefficient-modulus size (log2 q, in bits) per ring degree N for which RLWE with a ternary
/// secret and error σ ≈ 3.2 reaches a classical security level, from the HomomorphicEncryption.org Security
/// Standard (Albrecht et al., 2018, Table 1, "uniform ternary" / classical). Parameter sets are checked against it.
/// </summary>
public static class SecurityStandard
{
    private static readonly Dictionary<int, (int Bits128, int Bits192, int Bits256)> MaxBits = new()
    {
        [1024] = (27, 19, 14),
        [2048] = (54, 37, 29),
        [4096] = (109, 75, 58),
        [8192] = (218, 152, 118),
        [16384] = (438, 305, 237),
        [32768] = (881, 611, 476),
    };

    /// <summary>The ring degrees the standard covers.</summary>
    public static IReadOnlyCollection<int> Degrees => MaxBits.Keys;

    /// <summary>The largest log2 q for degree <paramref name="polyDegree"/> at <paramref name="securityBits"/> (128, 192 or 256) bits of classical security.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The degree or level is not in the standard.</exception>
    public static int MaxModulusBits(int polyDegree, int securityBits)
    {
        if (!MaxBits.TryGetValue(polyDegree, out var row))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(polyDegree), "The standard covers N = 1024 to 32768.");
        }

        return securityBits switch
        {
            128 => row.Bits128,
            192 => row.Bits192,
            256 => row.Bits256,
            _ => throw new ArgumentOutOfRangeException(nameof(securityBits), "The standard gives 128, 192 and 256-bit levels."),
        };
    }
}
