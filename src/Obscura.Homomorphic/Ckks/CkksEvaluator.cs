using System.Numerics;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Homomorphic operations on ciphertexts of one parameter set, needing no key: addition, subtraction, multiplication
/// by a plaintext, and rescaling. Inputs are never modified; every operation returns a new ciphertext. Thread-safe.
/// </summary>
public sealed class CkksEvaluator
{
    private const double ScaleTolerance = 1e-9;

    /// <summary>Creates an evaluator for <paramref name="parameters"/>.</summary>
    public CkksEvaluator(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Slot-wise a + b. Levels and scales must match.</summary>
    public CkksCiphertext Add(CkksCiphertext a, CkksCiphertext b) => Combine(a, b, PolyMath.AddInPlace);

    /// <summary>Slot-wise a − b. Levels and scales must match.</summary>
    public CkksCiphertext Subtract(CkksCiphertext a, CkksCiphertext b) => Combine(a, b, PolyMath.SubtractInPlace);

    /// <summary>Slot-wise a + p for a plaintext at the same level and scale.</summary>
    public CkksCiphertext AddPlain(CkksCiphertext a, CkksPlaintext p)
    {
        CheckPlain(a, p);
        if (Math.Abs(a.Scale - p.Scale) > ScaleTolerance * a.Scale)
        {
            ThrowHelper.Argument(nameof(p), "The plaintext's scale differs from the ciphertext's; encode it at the ciphertext's scale.");
        }

        var c0 = a.C0.Clone();
        PolyMath.AddInPlace(c0, p.Polynomial, Parameters.Ring, a.Level + 1);
        return new CkksCiphertext(Parameters, c0, a.C1.Clone(), a.Level, a.Scale);
    }

    /// <summary>Slot-wise a · p; the result's scale is the product of the scales (rescale afterwards).</summary>
    public CkksCiphertext MultiplyPlain(CkksCiphertext a, CkksPlaintext p)
    {
        CheckPlain(a, p);
        var limbs = a.Level + 1;
        return new CkksCiphertext(Parameters, PolyMath.Multiply(a.C0, p.Polynomial, Parameters.Ring, limbs), PolyMath.Multiply(a.C1, p.Polynomial, Parameters.Ring, limbs), a.Level, a.Scale * p.Scale);
    }

    /// <summary>
    /// Multiplies every slot by the real <paramref name="value"/>, encoded as the integer round(value · <paramref name="scale"/>)
    /// (default Δ); the result's scale is a.Scale · scale, so rescale afterwards.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite, or value · scale does not fit in 62 bits.</exception>
    public CkksCiphertext MultiplyByConstant(CkksCiphertext a, double value, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        var s = scale ?? Parameters.DefaultScale;
        var scaled = Math.Round(value * s, MidpointRounding.ToEven);
        if (!double.IsFinite(scaled) || !(s >= 1) || Math.Abs(scaled) >= 4.6e18)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(value), "value × scale must be finite and below 2^62 in magnitude.");
        }

        var integer = (long)scaled;
        var c0 = a.C0.Clone();
        var c1 = a.C1.Clone();
        for (var i = 0; i <= a.Level; i++)
        {
            var q = Parameters.ModulusAt(i);
            var k = integer >= 0 ? q.Reduce((ulong)integer) : q.Negate(q.Reduce((ulong)(-integer)));
            var kShoup = q.ShoupPrecompute(k);
            foreach (var poly in new[] { c0, c1 })
            {
                var limb = poly.Limb(i);
                for (var j = 0; j < limb.Length; j++)
                {
                    limb[j] = q.MultiplyShoup(limb[j], k, kShoup);
                }
            }
        }

        return new CkksCiphertext(Parameters, c0, c1, a.Level, a.Scale * s);
    }

    /// <summary>
    /// Moves a ciphertext down to <paramref name="level"/> by dropping primes, without dividing: values and scale are
    /// unchanged. Used to bring operands to a common level.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is above the ciphertext's or below 0.</exception>
    public CkksCiphertext ModSwitchTo(CkksCiphertext a, int level)
    {
        ArgumentNullException.ThrowIfNull(a);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        if (level < 0 || level > a.Level)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(level), $"The target level is between 0 and the ciphertext's level {a.Level}.");
        }

        var c0 = a.C0.Clone();
        var c1 = a.C1.Clone();
        while (c0.Limbs > level + 1)
        {
            c0.DropLastLimb();
            c1.DropLastLimb();
        }

        return new CkksCiphertext(Parameters, c0, c1, level, a.Scale);
    }

    /// <summary>
    /// Slot-wise a · b with relinearisation: the degree-2 product (a0·b0, a0·b1 + a1·b0, a1·b1) is switched back to
    /// two components with <paramref name="relinearizationKey"/>. The scale is the product of the scales (rescale after).
    /// </summary>
    public CkksCiphertext Multiply(CkksCiphertext a, CkksCiphertext b, CkksRelinearizationKey relinearizationKey)
    {
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        Parameters.EnsureSame(relinearizationKey.Parameters, nameof(relinearizationKey));
        CheckLevels(a, b);
        var limbs = a.Level + 1;
        var d0 = PolyMath.Multiply(a.C0, b.C0, Parameters.Ring, limbs);
        var d1 = PolyMath.Multiply(a.C0, b.C1, Parameters.Ring, limbs);
        var cross = PolyMath.Multiply(a.C1, b.C0, Parameters.Ring, limbs);
        PolyMath.AddInPlace(d1, cross, Parameters.Ring, limbs);
        var d2 = PolyMath.Multiply(a.C1, b.C1, Parameters.Ring, limbs);
        var (r0, r1) = KeySwitching.Switch(d2, a.Level, relinearizationKey.Key, Parameters.Ring);
        PolyMath.AddInPlace(d0, r0, Parameters.Ring, limbs);
        PolyMath.AddInPlace(d1, r1, Parameters.Ring, limbs);
        return new CkksCiphertext(Parameters, d0, d1, a.Level, a.Scale * b.Scale);
    }

    /// <summary>
    /// Σ a_i·b_i over ciphertext pairs with a single relinearisation: the degree-2 tensor products are summed first and
    /// key-switched once, so n products cost n tensor products and one key switch instead of n key switches. The pairs
    /// are split across cores. The result is at the operands' level with scale a_0.Scale × b_0.Scale.
    /// </summary>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, or operands differ in level or product scale.</exception>
    public CkksCiphertext DotProduct(IReadOnlyList<CkksCiphertext> a, IReadOnlyList<CkksCiphertext> b, CkksRelinearizationKey relinearizationKey, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        Parameters.EnsureSame(relinearizationKey.Parameters, nameof(relinearizationKey));
        if (a.Count == 0 || a.Count != b.Count)
        {
            ThrowHelper.Argument(nameof(b), "The two lists hold the same, non-zero number of ciphertexts.");
        }

        var level = a[0]?.Level ?? throw new ArgumentNullException(nameof(a));
        var scale = a[0].Scale * (b[0]?.Scale ?? throw new ArgumentNullException(nameof(b)));
        for (var i = 0; i < a.Count; i++)
        {
            CheckLevels(a[i], b[i]);
            if (a[i].Level != level || Math.Abs((a[i].Scale * b[i].Scale) - scale) > ScaleTolerance * scale)
            {
                ThrowHelper.Argument(nameof(a), $"Pair {i} differs from pair 0 in level or product scale.");
            }
        }

        var limbs = level + 1;
        var r0 = new RnsPolynomial(Parameters.PolyDegree, limbs, isNtt: true);
        var r1 = new RnsPolynomial(Parameters.PolyDegree, limbs, isNtt: true);
        var r2 = new RnsPolynomial(Parameters.PolyDegree, limbs, isNtt: true);

        // Work splits by limb and coefficient range, so every residue has one owner and the result is exact and
        // independent of the number of cores.
        const int Chunk = 512;
        var chunksPerLimb = Parameters.PolyDegree / Math.Min(Chunk, Parameters.PolyDegree);
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount };
        Parallel.For(0, limbs * chunksPerLimb, options, work =>
        {
            var limb = work / chunksPerLimb;
            var from = work % chunksPerLimb * (Parameters.PolyDegree / chunksPerLimb);
            var length = Parameters.PolyDegree / chunksPerLimb;
            PolyMath.TensorDotProduct(a, b, limb, from, length, Parameters.ModulusAt(limb), r0.Limb(limb), r1.Limb(limb), r2.Limb(limb));
        });

        var (s0, s1) = KeySwitching.Switch(r2, level, relinearizationKey.Key, Parameters.Ring);
        PolyMath.AddInPlace(r0, s0, Parameters.Ring, limbs);
        PolyMath.AddInPlace(r1, s1, Parameters.Ring, limbs);
        return new CkksCiphertext(Parameters, r0, r1, level, scale);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on every input across all cores (or <paramref name="maxDegreeOfParallelism"/>)
    /// and returns the results in input order. The evaluator, encryptor and keys are safe to share, so the operation may
    /// use them freely.
    /// </summary>
    public static TOut[] Batch<TIn, TOut>(IReadOnlyList<TIn> inputs, Func<TIn, TOut> operation, int? maxDegreeOfParallelism = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(operation);
        var results = new TOut[inputs.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = cancellationToken };
        Parallel.For(0, inputs.Count, options, i => results[i] = operation(inputs[i]));
        return results;
    }

    /// <summary>Rotates slots left by <paramref name="steps"/> (negative: right); needs the Galois key for that rotation.</summary>
    /// <exception cref="ArgumentException">The keys lack this rotation.</exception>
    public CkksCiphertext Rotate(CkksCiphertext a, int steps, CkksGaloisKeys galoisKeys) =>
        steps % Parameters.SlotCount == 0 ? Copy(a) : ApplyGalois(a, CkksGaloisKeys.RotationElement(Parameters.PolyDegree, steps), galoisKeys);

    /// <summary>Conjugates every slot; needs Galois keys created with conjugation.</summary>
    public CkksCiphertext Conjugate(CkksCiphertext a, CkksGaloisKeys galoisKeys) =>
        ApplyGalois(a, CkksGaloisKeys.ConjugationElement(Parameters.PolyDegree), galoisKeys);

    /// <summary>
    /// Every slot becomes the sum of all N/2 slots, by log2(N/2) rotate-and-add steps; needs Galois keys for the
    /// rotations 1, 2, 4, …, N/4. With <see cref="Multiply"/> and <see cref="Rescale"/> this gives encrypted inner products.
    /// </summary>
    public CkksCiphertext SumSlots(CkksCiphertext a, CkksGaloisKeys galoisKeys) => SumSlots(a, Parameters.SlotCount, galoisKeys);

    /// <summary>
    /// Slot 0 becomes the sum of slots 0 … <paramref name="count"/> − 1 (slot i the sum of the <paramref name="count"/>
    /// slots from i, cyclically), by log2(count) rotate-and-add steps with the rotations 1, 2, …, count/2. Summing only
    /// the slots in use keeps the noise lower than summing all N/2: each step doubles the noise already there.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not a power of two between 1 and N/2.</exception>
    public CkksCiphertext SumSlots(CkksCiphertext a, int count, CkksGaloisKeys galoisKeys)
    {
        if (count < 1 || count > Parameters.SlotCount || !BitOperations.IsPow2(count))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(count), $"The count is a power of two between 1 and {Parameters.SlotCount}.");
        }

        var result = a;
        for (var step = 1; step < count; step <<= 1)
        {
            result = Add(result, Rotate(result, step, galoisKeys));
        }

        return result;
    }

    /// <summary>
    /// Divides by the last prime q_ℓ with rounding and drops it: level ℓ → ℓ − 1, scale Δ → Δ / q_ℓ. Each remaining
    /// limb becomes (c_i − [c_ℓ]_centred) · q_ℓ^-1 mod q_i.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ciphertext is at level 0.</exception>
    public CkksCiphertext Rescale(CkksCiphertext a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        if (a.Level == 0)
        {
            throw new InvalidOperationException("A level-0 ciphertext has no prime left to rescale by.");
        }

        var last = Parameters.CiphertextModuli.Moduli[a.Level];
        return new CkksCiphertext(Parameters, PolyMath.DivideRoundByLimb(a.C0, a.Level, a.Level, a.Level, Parameters.Ring), PolyMath.DivideRoundByLimb(a.C1, a.Level, a.Level, a.Level, Parameters.Ring), a.Level - 1, a.Scale / last.Value);
    }

    /// <summary>
    /// Re-encrypts <paramref name="a"/> from the key the switch key starts at to the one it ends at: (c0 + r0, r1) with
    /// r0 + r1·s′ ≈ c1·s. Level and scale are kept; the added noise is that of one key switch.
    /// </summary>
    public CkksCiphertext SwitchKey(CkksCiphertext a, CkksKeySwitchKey key)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(key);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        Parameters.EnsureSame(key.Parameters, nameof(key));
        var c0 = a.C0.Clone();
        var (r0, r1) = KeySwitching.Switch(a.C1, a.Level, key.Key, Parameters.Ring);
        PolyMath.AddInPlace(c0, r0, Parameters.Ring, a.Level + 1);
        return new CkksCiphertext(Parameters, c0, r1, a.Level, a.Scale);
    }

    private CkksCiphertext ApplyGalois(CkksCiphertext a, int galoisElement, CkksGaloisKeys galoisKeys)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(galoisKeys);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        Parameters.EnsureSame(galoisKeys.Parameters, nameof(galoisKeys));
        var key = galoisKeys.Find(galoisElement);
        if (key is null)
        {
            ThrowHelper.Argument(nameof(galoisKeys), $"No Galois key for element {galoisElement}; create the keys with this rotation.");
        }

        var c0 = KeySwitching.Automorphism(a.C0, galoisElement, Parameters.Ring);
        var c1 = KeySwitching.Automorphism(a.C1, galoisElement, Parameters.Ring);
        var (r0, r1) = KeySwitching.Switch(c1, a.Level, key, Parameters.Ring);
        PolyMath.AddInPlace(c0, r0, Parameters.Ring, a.Level + 1);
        return new CkksCiphertext(Parameters, c0, r1, a.Level, a.Scale);
    }

    private CkksCiphertext Copy(CkksCiphertext a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        return new CkksCiphertext(Parameters, a.C0.Clone(), a.C1.Clone(), a.Level, a.Scale);
    }

    private void CheckLevels(CkksCiphertext a, CkksCiphertext b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        Parameters.EnsureSame(b.Parameters, nameof(b));
        if (a.Level != b.Level)
        {
            ThrowHelper.Argument(nameof(b), $"Levels differ ({a.Level} and {b.Level}); rescale or mod-switch first.");
        }
    }

    private CkksCiphertext Combine(CkksCiphertext a, CkksCiphertext b, Action<RnsPolynomial, RnsPolynomial, RingContext, int> combine)
    {
        CheckPair(a, b);
        var c0 = a.C0.Clone();
        var c1 = a.C1.Clone();
        combine(c0, b.C0, Parameters.Ring, a.Level + 1);
        combine(c1, b.C1, Parameters.Ring, a.Level + 1);
        return new CkksCiphertext(Parameters, c0, c1, a.Level, a.Scale);
    }

    private void CheckPair(CkksCiphertext a, CkksCiphertext b)
    {
        CheckLevels(a, b);
        if (Math.Abs(a.Scale - b.Scale) > ScaleTolerance * a.Scale)
        {
            ThrowHelper.Argument(nameof(b), "Scales differ; rescale so both operands have the same scale.");
        }
    }

    private void CheckPlain(CkksCiphertext a, CkksPlaintext p)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(p);
        Parameters.EnsureSame(a.Parameters, nameof(a));
        Parameters.EnsureSame(p.Parameters, nameof(p));
        if (a.Level != p.Level)
        {
            ThrowHelper.Argument(nameof(p), $"The plaintext is at level {p.Level}, the ciphertext at {a.Level}; encode at the ciphertext's level.");
        }
    }
}
