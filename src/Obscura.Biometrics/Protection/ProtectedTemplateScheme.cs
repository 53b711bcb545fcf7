using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// The encrypted layout shared by all roles. Parameters: N = 8192, ciphertext primes of 60 and 55 bits, special prime
/// 60 bits (175 bits, under the 128-bit limit of 218), Δ = 2^55. A reference holds its transformed template in slots
/// 0…d−1 and 1 in slot 512; a probe holds its template and −t in slot 512, t being the decision threshold. Their
/// product summed over all 4096 slots is the score minus t, in every slot, so no partial sums can be read off other
/// slots. The product is not rescaled: it keeps the scale 2^110 under a 115-bit modulus, which leaves room for the
/// noise flooding of the decision.
/// </summary>
public static class ProtectedTemplateScheme
{
    /// <summary>The slot that carries 1 (reference) or −t (probe).</summary>
    public const int ThresholdSlot = 512;

    /// <summary>The largest blinding factor the comparison service multiplies by (values stay below 16 = 2^115 / 2^110 / 2).</summary>
    public const int MaxBlinding = 4;

    /// <summary>
    /// Key switches (provider-key rotations) a stored template may go through. Each adds a little noise to the
    /// reference; the key holder's flooding bound is calibrated for references switched this many times, and a
    /// template at the limit is not carried into a further rotation: its subject enrols again.
    /// </summary>
    public const int MaxKeySwitches = 8;

    private static readonly Lazy<CkksParameters> Lazy = new(() => CkksParameters.Create(8192, [60, 55], 60, 55));

    /// <summary>The parameter set.</summary>
    public static CkksParameters Parameters => Lazy.Value;

    /// <summary>Rotations needed to sum all slots: 1, 2, 4, …, N/4.</summary>
    public static IEnumerable<int> RotationSteps => Enumerable.Range(0, 12).Select(i => 1 << i);

    /// <summary>The slot vector of a reference template.</summary>
    internal static Complex[] ReferenceSlots(TransformedTemplate template) => Slots(template, 1);

    /// <summary>The slot vector of a probe template for threshold <paramref name="threshold"/>.</summary>
    internal static Complex[] ProbeSlots(TransformedTemplate template, double threshold) => Slots(template, -CheckThreshold(threshold));

    /// <summary>Returns <paramref name="threshold"/> if it is a cosine similarity strictly between −1 and 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static double CheckThreshold(double threshold) =>
        double.IsFinite(threshold) && threshold is > -1 and < 1
            ? threshold
            : throw new ArgumentOutOfRangeException(nameof(threshold), "The threshold is a cosine similarity strictly between −1 and 1.");

    private static Complex[] Slots(TransformedTemplate template, double thresholdSlotValue)
    {
        ArgumentNullException.ThrowIfNull(template);
        var slots = new Complex[Parameters.SlotCount];
        for (var i = 0; i < template.Dimension; i++)
        {
            slots[i] = template.Values[i];
        }

        slots[ThresholdSlot] = thresholdSlotValue;
        return slots;
    }
}
