using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The approximate (CKKS) parameters of 1:N identification: N = 8192, ciphertext primes of 60 and 55 bits, a 60-bit
/// special prime (175 bits, under the 128-bit limit of 218), Δ = 2^55. 1:1 verification uses the exact scheme of
/// <see cref="Protection.ProtectedTemplateScheme"/>; 1:N keeps CKKS, its own keys and a flooding budget
/// (<see cref="GalleryKeyHolder"/>).
/// </summary>
public static class GalleryScheme
{
    private static readonly Lazy<CkksParameters> Lazy = new(() => CkksParameters.Create(8192, [60, 55], 60, 55));

    /// <summary>The parameter set.</summary>
    public static CkksParameters Parameters => Lazy.Value;

    /// <summary>Returns <paramref name="threshold"/> if it is a cosine similarity strictly between −1 and 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static double CheckThreshold(double threshold) =>
        double.IsFinite(threshold) && threshold is > -1 and < 1
            ? threshold
            : throw new ArgumentOutOfRangeException(nameof(threshold), "The threshold is a cosine similarity strictly between −1 and 1.");
}
