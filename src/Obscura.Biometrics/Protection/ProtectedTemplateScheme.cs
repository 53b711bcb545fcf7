using Obscura.Biometrics.Cancelable;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// The encrypted layout shared by all roles: exact BGV (<see cref="Obscura.Homomorphic.Bgv"/>) with N = 8192, plaintext
/// modulus t = 557,057 (a prime ≡ 1 mod 2N, so the 8,192 slots are integers mod t), ciphertext primes of 60, 49 and 49
/// bits and a 60-bit special prime (218 bits, the 128-bit limit at N = 8192). Templates are the integers of
/// <see cref="TemplateQuantisation"/>. The slots hold eight copies of a 1,024-slot block (four per row): a reference's
/// block holds its quantised template in slots 0…d−1 and 1 in slot 512; a probe's holds its template and −T in slot
/// 512, T the integer threshold. Their product is periodic with period 1,024, so summing every window of 1,024
/// consecutive slots of a row (five hoisted sums of three rotations each, <see cref="SumStages"/>) puts
/// D = Σ x_i·y_i − T in every slot, exactly.
/// <para>
/// The key holder must learn only whether D ≥ 0. The comparison role therefore never sends D: it draws a random
/// permutation π of the candidates 0 … K − 1, spreads them over K / 8,192 ciphertexts (one candidate per slot; K is
/// <see cref="CandidatesFor"/> the threshold, at most <see cref="Candidates"/>), and sends r_j·(D − π(j)) with r_j uniform in 1 … t − 1, fresh per slot. A slot
/// is 0 exactly when D = π(j); every other slot is uniform over the non-zero residues. So the decrypted slots are
/// uniform non-zero values with one 0 at a uniformly random place when 0 ≤ D &lt; K, and no 0 otherwise: the match
/// bit and nothing else. Honest inputs never reach D ≥ K (see <see cref="CandidatesFor"/> and
/// <see cref="CheckThreshold"/>), and |D − π(j)| &lt; t, so no other value wraps to 0. Before it is sent, each result
/// gets flooding noise far above the circuit's own (<see cref="FloodingSigma"/>), so the noise a key holder could
/// compute with its secret key says nothing about the templates either.
/// </para>
/// </summary>
public static class ProtectedTemplateScheme
{
    /// <summary>The slot, within each block, that carries 1 (reference) or −T (probe).</summary>
    public const int ThresholdSlot = 512;

    /// <summary>The period of the slot layout: the block that is repeated across the slots.</summary>
    public const int BlockSlots = 1024;

    /// <summary>
    /// The version of the slot layout, bound into every seal: a reference in another layout (the earlier CKKS one, say)
    /// must fail its seal check rather than be compared.
    /// </summary>
    internal const string LayoutVersion = "v4-bgv-s256-block1024";

    /// <summary>The plaintext modulus t.</summary>
    public const ulong PlainModulus = 557_057;

    /// <summary>
    /// The most ciphertexts a comparison result has (at the <see cref="MinimumThreshold"/>): each tests 8,192 candidate
    /// values of D. Higher thresholds need fewer (<see cref="ResultCiphertextsFor"/>).
    /// </summary>
    public const int ResultCiphertexts = 8;

    /// <summary>The most values of D a result tests for: D ≥ 0 is a match when D is among them.</summary>
    public const int Candidates = ResultCiphertexts * 8192;

    /// <summary>
    /// Key switches (provider-key rotations) a stored template may go through; each adds a little noise, and the
    /// flooding is sized for a reference switched this many times. A template at the limit is not carried into a
    /// further rotation: its subject enrols again.
    /// </summary>
    public const int MaxKeySwitches = 8;

    /// <summary>
    /// log2 of the flooding noise's standard deviation. The circuit's own noise before flooding, measured with the
    /// secret key on references switched <see cref="MaxKeySwitches"/> times, stays below 2^<see cref="CircuitNoiseBoundBits"/>
    /// (<c>ExactDecisionTests</c>); the flooding is 2^<see cref="FloodingMarginBits"/> above it.
    /// </summary>
    public const int FloodingSigmaBits = CircuitNoiseBoundBits + FloodingMarginBits;

    /// <summary>
    /// k in σ = 2^k·B: the statistical distance between the flooded results of any two template pairs is at most
    /// √N·2^-k per result ciphertext (<see cref="BgvEncryptor.AddFloodingNoise"/>), 2^-53.5 here, and √(q·N)·2^-k over
    /// q ciphertexts: below 2^-37 after 10^9 decisions of 8 ciphertexts.
    /// </summary>
    public const int FloodingMarginBits = 59;

    /// <summary>The bound on the comparison circuit's noise (log2 of the largest coefficient) before flooding.</summary>
    public const int CircuitNoiseBoundBits = 42;

    /// <summary>
    /// The level results are flooded and sent at: one below the top, two primes (109 bits). Flooding at the top level
    /// would need 2^45 more noise (the product and the mask are not yet divided by the last prime), and switching the
    /// flooded result further down would leave no room for 2^60 of margin under the 60-bit prime.
    /// </summary>
    public const int ResultLevel = 1;

    private static readonly Lazy<BgvParameters> Lazy = new(() => BgvParameters.Create(8192, [60, 49, 49], 60, PlainModulus));

    /// <summary>The parameter set.</summary>
    public static BgvParameters Parameters => Lazy.Value;

    /// <summary>The flooding noise's standard deviation.</summary>
    public static double FloodingSigma => Math.Pow(2, FloodingSigmaBits);

    /// <summary>
    /// The block sum in five hoisted stages: stage s adds the rotations by 4^s, 2·4^s and 3·4^s, so after the five every
    /// slot holds the sum of the 4^5 = 1,024 slots of its window. Each stage costs about one key switch
    /// (<see cref="BgvEvaluator.SumRotatedRows"/>) instead of the three of rotating one step at a time.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> SumStages { get; } =
        [.. Enumerable.Range(0, 5).Select(s => (IReadOnlyList<int>)[.. new[] { 1, 2, 3 }.Select(k => k << (2 * s))])];

    /// <summary>The rotations the Galois keys must cover: every step of <see cref="SumStages"/>.</summary>
    public static IEnumerable<int> RotationSteps => SumStages.SelectMany(stage => stage);

    /// <summary>
    /// How many values of D a comparison at <paramref name="threshold"/> must test: every D ≥ 0 an honest pair can
    /// reach, 0 … max score − T, rounded up to whole ciphertexts of 8,192 slots.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not supported (<see cref="CheckThreshold"/>).</exception>
    public static int CandidatesFor(double threshold) => ResultCiphertextsFor(threshold) * Parameters.SlotCount;

    /// <summary>The number of result ciphertexts a comparison at <paramref name="threshold"/> sends: 1 to <see cref="ResultCiphertexts"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not supported (<see cref="CheckThreshold"/>).</exception>
    public static int ResultCiphertextsFor(double threshold)
    {
        var reachable = TemplateQuantisation.MaxIntegerScore(TemplateQuantisation.MaxDimension) - TemplateQuantisation.IntegerThreshold(CheckThreshold(threshold)) + 1;
        return (int)Math.Clamp((reachable + Parameters.SlotCount - 1) / Parameters.SlotCount, 1, ResultCiphertexts);
    }

    /// <summary>
    /// Returns <paramref name="threshold"/> if it is a cosine similarity the exact decision supports: below 1, and high
    /// enough that every D ≥ 0 an honest pair can reach is among the <see cref="Candidates"/> tested (about 0.09 and up).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static double CheckThreshold(double threshold) =>
        double.IsFinite(threshold) && threshold < 1 && threshold >= MinimumThreshold
            ? threshold
            : throw new ArgumentOutOfRangeException(nameof(threshold), $"The threshold is a cosine similarity from {MinimumThreshold:F3} up to (not including) 1.");

    /// <summary>The smallest threshold for which every reachable D ≥ 0 is tested: T ≥ max score + 1 − candidates.</summary>
    public static double MinimumThreshold =>
        (double)(TemplateQuantisation.MaxIntegerScore(TemplateQuantisation.MaxDimension) + 1 - Candidates) / (TemplateQuantisation.Scale * TemplateQuantisation.Scale);

    /// <summary>
    /// The comparison circuit: the product of a reference and a probe with relinearisation, summed over each block, so
    /// every slot holds D = score − T.
    /// </summary>
    internal static BgvCiphertext Compare(BgvEvaluator evaluator, BgvCiphertext reference, BgvCiphertext probe, BgvRelinearizationKey relinearizationKey, BgvGaloisKeys galoisKeys) =>
        SumBlocks(evaluator, evaluator.MultiplyRelinearize(reference, probe, relinearizationKey), galoisKeys);

    /// <summary>Every slot replaced by the sum of its 1,024-slot window (<see cref="SumStages"/>).</summary>
    internal static BgvCiphertext SumBlocks(BgvEvaluator evaluator, BgvCiphertext ciphertext, BgvGaloisKeys galoisKeys)
    {
        foreach (var stage in SumStages)
        {
            ciphertext = evaluator.SumRotatedRows(ciphertext, stage, galoisKeys);
        }

        return ciphertext;
    }

    /// <summary>The slot vector of a reference template.</summary>
    internal static long[] ReferenceSlots(TransformedTemplate template) => Slots(TemplateQuantisation.Quantise(template), 1);

    /// <summary>The slot vector of a probe template for threshold <paramref name="threshold"/>.</summary>
    internal static long[] ProbeSlots(TransformedTemplate template, double threshold) =>
        Slots(TemplateQuantisation.Quantise(template), -TemplateQuantisation.IntegerThreshold(CheckThreshold(threshold)));

    /// <summary>The slot vector of <paramref name="values"/> (at most 512) with <paramref name="thresholdSlotValue"/>, in every block.</summary>
    internal static long[] Slots(ReadOnlySpan<long> values, long thresholdSlotValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, ThresholdSlot, nameof(values));
        var slots = new long[Parameters.SlotCount];
        for (var block = 0; block < slots.Length; block += BlockSlots)
        {
            values.CopyTo(slots.AsSpan(block));
            slots[block + ThresholdSlot] = thresholdSlotValue;
        }

        return slots;
    }
}
