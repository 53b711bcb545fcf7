using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The encrypted layout of 1:N identification, with its own provider key (never the 1:1 key). Parameters: N = 8192,
/// two 32-bit search primes q_0, q_1 and two 20-bit renewal primes (the chain is 32 + 32 + 20 + 20 bits, the special
/// prime 32 bits: 136 bits under the 218-bit limit). A gallery is encrypted at the top level with Δ_g = 2^52; a search
/// reads only q_0 and q_1 (a 64-bit modulus, 4 bytes a residue), and each renewal to a new gallery key consumes one
/// renewal prime. The probe is not encrypted: the capture side that holds it multiplies the encrypted columns by its
/// coordinates quantised to integers round(512·y) (<see cref="ProbeScale"/>), so a search is a sum weighted by small
/// integers (<see cref="CkksCiphertextBatch"/>) and a result has scale Δ_g · 512 = 2^61.
/// </summary>
public static class GalleryScheme
{
    /// <summary>The level a search runs at: the two 32-bit primes.</summary>
    public const int SearchLevel = 1;

    /// <summary>Δ_p: a probe coordinate y becomes the integer round(512·y), at most 512 in magnitude for a unit template.</summary>
    public const int ProbeScale = 512;

    /// <summary>
    /// The largest Euclidean norm of a probe's integers: 512 for the unit template plus √512 / 2 for the rounding of at
    /// most 512 coordinates. The key holder's flooding is calibrated for search results at this norm
    /// (<see cref="GalleryKeyHolder.Calibrate"/>); a probe beyond it would leave more error than the flooding hides.
    /// </summary>
    public static double MaxWeightNorm => ProbeScale + (Math.Sqrt(Templates.FaceTemplate.MaxDimension) / 2);

    private static readonly Lazy<CkksParameters> Lazy = new(() => CkksParameters.Create(8192, [32, 32, 20, 20], 32, 31));

    /// <summary>The parameter set of the 1:N provider key.</summary>
    public static CkksParameters Parameters => Lazy.Value;

    /// <summary>Δ_g: the scale gallery columns are encrypted at (2^52).</summary>
    public static double GalleryScale => Math.Pow(2, 52);

    /// <summary>The scale of a search result: Δ_g · Δ_p = 2^61. A margin in [−2, 2] and the flooding noise stay below q_0·q_1 / 2 ≈ 2^63.</summary>
    public static double ResultScale => GalleryScale * ProbeScale;

    /// <summary>Templates per block: two per slot (real and imaginary part), N.</summary>
    public static int BlockSize => Parameters.PolyDegree;

    /// <summary>How many times a freshly enrolled gallery can be renewed to a new gallery key: the renewal primes.</summary>
    public static int MaxRenewals => Parameters.MaxLevel - SearchLevel;

    /// <summary>
    /// Returns <paramref name="threshold"/> if it is a cosine similarity strictly between −1 and 1 (1:N has no exact
    /// decision's lower limit, see <see cref="Protection.ProtectedTemplateScheme.CheckThreshold"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static double CheckThreshold(double threshold) =>
        double.IsFinite(threshold) && threshold is > -1 and < 1
            ? threshold
            : throw new ArgumentOutOfRangeException(nameof(threshold), "The threshold is a cosine similarity strictly between −1 and 1.");
}
