using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Keys;

/// <summary>
/// A decryption was asked under another noise-flooding policy than the one the key's budget is bound to. A larger t or
/// a smaller σ would void the bound the stored policy was sized for; any difference means two holders of one key
/// disagree on σ, so every difference is refused.
/// </summary>
public sealed class FloodingPolicyMismatchException()
    : InvalidOperationException("The key's decryption budget is bound to another noise-flooding policy (error bound, decryptions or statistical security); use the stored policy or rotate the key.")
{
    /// <summary>Throws when <paramref name="requested"/> is not the policy <paramref name="stored"/> (same E, t and s, hence the same σ).</summary>
    /// <exception cref="FloodingPolicyMismatchException">The policies differ.</exception>
    public static void ThrowIfDifferent(NoiseFloodingPolicy stored, NoiseFloodingPolicy requested)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(requested);

        // Exact comparison on purpose: a stored double reads back bit for bit, and any drift in E changes σ.
        if (stored.ErrorBound.CompareTo(requested.ErrorBound) != 0 || stored.MaxDecryptions != requested.MaxDecryptions
            || stored.StatisticalSecurityBits != requested.StatisticalSecurityBits)
        {
            throw new FloodingPolicyMismatchException();
        }
    }
}
