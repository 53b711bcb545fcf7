using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// The encrypted layout shared by all roles. Parameters: N = 8192, ciphertext primes of 60 and 55 bits, special prime
/// 60 bits (175 bits, under the 128-bit limit of 218), Δ = 2^55. The slots hold four copies of a 1,024-slot block: a
/// reference's block holds its transformed template in slots 0…d−1 and 1 in slot 512; a probe's holds its template
/// and −t in slot 512, t being the decision threshold. Their product is periodic with period 1,024, so summing every
/// window of 1,024 consecutive slots (10 rotate-and-add steps, where summing all 4,096 slots would take 12) puts the
/// score minus t in every slot, and no partial sums can be read off other slots. The product is not rescaled: it
/// keeps the scale 2^110 under a 115-bit modulus, which leaves room for the noise flooding of the decision.
/// </summary>
public static class ProtectedTemplateScheme
{
    /// <summary>The slot, within each block, that carries 1 (reference) or −t (probe).</summary>
    public const int ThresholdSlot = 512;

    /// <summary>The period of the slot layout: the block that is repeated across the slots.</summary>
    public const int BlockSlots = 1024;

    /// <summary>
    /// The version of the slot layout, bound into every seal: a reference in another layout would compare to partial
    /// sums, so it must fail its seal check rather than be compared.
    /// </summary>
    internal const string LayoutVersion = "v3-block1024";

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

    /// <summary>Rotations needed to sum a block: 1, 2, 4, …, 512.</summary>
    public static IEnumerable<int> RotationSteps => Enumerable.Range(0, 10).Select(i => 1 << i);

    /// <summary>
    /// The comparison circuit: the product of a reference and a (blinded) probe, summed over each block, so every slot
    /// holds blinding × (score − t). Not rescaled (see the type's remarks).
    /// </summary>
    internal static CkksCiphertext Compare(CkksEvaluator evaluator, CkksCiphertext reference, CkksCiphertext probe, CkksRelinearizationKey relinearizationKey, CkksGaloisKeys galoisKeys) =>
        evaluator.SumSlots(evaluator.Multiply(reference, probe, relinearizationKey), BlockSlots, galoisKeys);

    /// <summary>The slot vector of a reference template.</summary>
    internal static Complex[] ReferenceSlots(TransformedTemplate template) => Slots(Values(template), 1);

    /// <summary>The slot vector of a probe template for threshold <paramref name="threshold"/>.</summary>
    internal static Complex[] ProbeSlots(TransformedTemplate template, double threshold) => Slots(Values(template), -CheckThreshold(threshold));

    /// <summary>Returns <paramref name="threshold"/> if it is a cosine similarity strictly between −1 and 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static double CheckThreshold(double threshold) =>
        double.IsFinite(threshold) && threshold is > -1 and < 1
            ? threshold
            : throw new ArgumentOutOfRangeException(nameof(threshold), "The threshold is a cosine similarity strictly between −1 and 1.");

    /// <summary>The slot vector of <paramref name="values"/> (at most 512) with <paramref name="thresholdSlotValue"/>, in every block.</summary>
    internal static Complex[] Slots(ReadOnlySpan<double> values, double thresholdSlotValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ThresholdSlot, nameof(values));
        var slots = new Complex[Parameters.SlotCount];
        for (var block = 0; block < slots.Length; block += BlockSlots)
        {
            for (var i = 0; i < values.Length; i++)
            {
                slots[block + i] = values[i];
            }

            slots[block + ThresholdSlot] = thresholdSlotValue;
        }

        return slots;
    }

    private static double[] Values(TransformedTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var values = new double[template.Dimension];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = template.Values[i];
        }

        return values;
    }
}
