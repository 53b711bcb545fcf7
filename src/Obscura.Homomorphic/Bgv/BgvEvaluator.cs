using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// Homomorphic operations on BGV ciphertexts of one parameter set: slot-wise addition, subtraction, negation and
/// products (with plaintexts or ciphertexts, exact modulo t), relinearisation, row rotations and the column swap (hybrid
/// key switching with P and a t-aware division), and modulus switching. Methods without <c>InPlace</c> return a new
/// ciphertext and leave their inputs alone; <c>…InPlace</c> variants overwrite their first argument. The evaluator has
/// no mutable state: one instance serves many threads.
/// </summary>
public sealed class BgvEvaluator
{
    /// <summary>Creates an evaluator for <paramref name="parameters"/>.</summary>
    public BgvEvaluator(BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    private RingContext Ring => Parameters.Ring;

    /// <summary>Slot-wise a + b. Levels must match; sizes may differ (the result has the larger).</summary>
    /// <exception cref="ArgumentException">Another parameter set, or different levels.</exception>
    public BgvCiphertext Add(BgvCiphertext a, BgvCiphertext b) => OnCopy(a, c => AddInPlace(c, b));

    /// <summary>a ← a + b, slot-wise.</summary>
    /// <exception cref="ArgumentException">Another parameter set, or different levels.</exception>
    public void AddInPlace(BgvCiphertext a, BgvCiphertext b)
    {
        CheckPair(a, b);
        Combine(a, b, subtract: false);
    }

    /// <summary>Slot-wise a − b. Levels must match.</summary>
    /// <exception cref="ArgumentException">Another parameter set, or different levels.</exception>
    public BgvCiphertext Subtract(BgvCiphertext a, BgvCiphertext b) => OnCopy(a, c => SubtractInPlace(c, b));

    /// <summary>a ← a − b, slot-wise.</summary>
    /// <exception cref="ArgumentException">Another parameter set, or different levels.</exception>
    public void SubtractInPlace(BgvCiphertext a, BgvCiphertext b)
    {
        CheckPair(a, b);
        Combine(a, b, subtract: true);
    }

    /// <summary>Slot-wise −a.</summary>
    public BgvCiphertext Negate(BgvCiphertext a) => OnCopy(a, NegateInPlace);

    /// <summary>a ← −a, slot-wise.</summary>
    public void NegateInPlace(BgvCiphertext a)
    {
        Check(a);
        foreach (var c in a.Components)
        {
            PolyMath.MultiplyScalarInPlace(c, -1, Ring, a.Level + 1);
        }

        a.Seed = null;
    }

    /// <summary>Slot-wise a + p.</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public BgvCiphertext AddPlain(BgvCiphertext a, BgvPlaintext p) => OnCopy(a, c => AddPlainInPlace(c, p));

    /// <summary>a ← a + p, slot-wise.</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public void AddPlainInPlace(BgvCiphertext a, BgvPlaintext p)
    {
        CheckPlain(a, p);
        AddPlainCore(a, p, subtract: false);
    }

    /// <summary>Slot-wise a − p.</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public BgvCiphertext SubtractPlain(BgvCiphertext a, BgvPlaintext p) => OnCopy(a, c => SubtractPlainInPlace(c, p));

    /// <summary>a ← a − p, slot-wise.</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public void SubtractPlainInPlace(BgvCiphertext a, BgvPlaintext p)
    {
        CheckPlain(a, p);
        AddPlainCore(a, p, subtract: true);
    }

    /// <summary>
    /// Slot-wise a · p. The plaintext is lifted centred (|coefficients| ≤ t/2) and transformed at the ciphertext's level
    /// on every call, as SEAL does; the noise grows by a factor up to N·t/2.
    /// </summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public BgvCiphertext MultiplyPlain(BgvCiphertext a, BgvPlaintext p)
    {
        CheckPlain(a, p);
        var lifted = p.Lift(a.Level + 1);
        var components = a.Components.Select(c => PolyMath.Multiply(c, lifted, Ring, a.Level + 1)).ToArray();
        lifted.Clear(); // the plaintext may be the evaluator's secret (blinding factors)
        return new BgvCiphertext(Parameters, components, a.Level, a.CorrectionFactor);
    }

    /// <summary>a ← a · p, slot-wise.</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public void MultiplyPlainInPlace(BgvCiphertext a, BgvPlaintext p)
    {
        CheckPlain(a, p);
        var lifted = p.Lift(a.Level + 1);
        foreach (var c in a.Components)
        {
            PolyMath.MultiplyInPlace(c, lifted, Ring, a.Level + 1);
        }

        lifted.Clear();
        a.Seed = null;
    }

    /// <summary>
    /// Slot-wise a · b without relinearisation: the size-3 ciphertext (a0·b0, a0·b1 + a1·b0, a1·b1), which decrypts
    /// under (1, s, s²). Relinearise before rotating or multiplying again. The correction factors multiply.
    /// </summary>
    /// <exception cref="ArgumentException">Another parameter set, different levels, or an operand of size 3.</exception>
    public BgvCiphertext Multiply(BgvCiphertext a, BgvCiphertext b)
    {
        CheckPair(a, b);
        if (a.Size != 2 || b.Size != 2)
        {
            ThrowHelper.Argument(a.Size != 2 ? nameof(a) : nameof(b), "Multiply takes ciphertexts of size 2; relinearise the product first.");
        }

        var limbs = a.Level + 1;
        var d0 = PolyMath.Multiply(a.Components[0], b.Components[0], Ring, limbs);
        var d1 = PolyMath.Multiply(a.Components[0], b.Components[1], Ring, limbs);
        var cross = PolyMath.Multiply(a.Components[1], b.Components[0], Ring, limbs);
        PolyMath.AddInPlace(d1, cross, Ring, limbs);
        var d2 = PolyMath.Multiply(a.Components[1], b.Components[1], Ring, limbs);
        var t = Parameters.PlainModulus;
        return new BgvCiphertext(Parameters, [d0, d1, d2], a.Level, t.Multiply(a.CorrectionFactor, b.CorrectionFactor));
    }

    /// <summary>Switches a size-3 ciphertext back to size 2 with the relinearisation key (a size-2 one is copied).</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public BgvCiphertext Relinearize(BgvCiphertext a, BgvRelinearizationKey relinearizationKey) => OnCopy(a, c => RelinearizeInPlace(c, relinearizationKey));

    /// <summary>a ← a relinearised to size 2.</summary>
    /// <exception cref="ArgumentException">Another parameter set.</exception>
    public void RelinearizeInPlace(BgvCiphertext a, BgvRelinearizationKey relinearizationKey)
    {
        Check(a);
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        Parameters.EnsureSame(relinearizationKey.Parameters, nameof(relinearizationKey));
        RelinearizeCore(a, relinearizationKey);
    }

    /// <summary>Slot-wise a · b, relinearised: <see cref="Multiply"/> then <see cref="RelinearizeInPlace"/>.</summary>
    /// <exception cref="ArgumentException">Another parameter set, different levels, or an operand of size 3.</exception>
    public BgvCiphertext MultiplyRelinearize(BgvCiphertext a, BgvCiphertext b, BgvRelinearizationKey relinearizationKey)
    {
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        Parameters.EnsureSame(relinearizationKey.Parameters, nameof(relinearizationKey));
        var product = Multiply(a, b);
        RelinearizeCore(product, relinearizationKey);
        return product;
    }

    /// <summary>
    /// Rotates both rows left by <paramref name="step"/> slots (negative: right), cyclically within each row of N/2:
    /// slot i of a row receives slot i + step of the same row, as in SEAL. A multiple of N/2 is a copy.
    /// </summary>
    /// <exception cref="ArgumentException">The keys lack this step, another parameter set, or a size-3 ciphertext.</exception>
    public BgvCiphertext RotateRows(BgvCiphertext a, int step, BgvGaloisKeys galoisKeys) => OnCopy(a, c => RotateRowsInPlace(c, step, galoisKeys));

    /// <summary>a ← a with both rows rotated left by <paramref name="step"/>.</summary>
    /// <exception cref="ArgumentException">The keys lack this step, another parameter set, or a size-3 ciphertext.</exception>
    public void RotateRowsInPlace(BgvCiphertext a, int step, BgvGaloisKeys galoisKeys)
    {
        Check(a);
        if (step % Parameters.RowSize == 0)
        {
            ArgumentNullException.ThrowIfNull(galoisKeys);
            return;
        }

        ApplyGalois(a, BgvGaloisKeys.RowRotationElement(Parameters.PolyDegree, step), galoisKeys);
    }

    /// <summary>
    /// a + Σ_k rot(a, steps[k]): a plus its row rotations by each step (a step may repeat; a multiple of N/2 adds a
    /// copy of a). Hoisted: the rotations share one decomposition of c1 into RNS digits (the automorphism is applied to
    /// the lifted digits, a permutation in NTT form) and one rounded division by P for all of them, so k rotations cost
    /// about one key switch plus k products with the keys instead of k key switches. Decrypts to the same slots as
    /// adding each <see cref="RotateRows"/>, with key-switching noise of the same size (one division's rounding instead of k; measured within 1.4 bits of the sequential sum).
    /// </summary>
    /// <exception cref="ArgumentException">The keys lack a step, another parameter set, or a size-3 ciphertext.</exception>
    public BgvCiphertext SumRotatedRows(BgvCiphertext a, IReadOnlyList<int> steps, BgvGaloisKeys galoisKeys)
    {
        ArgumentNullException.ThrowIfNull(steps);
        CheckRotation(a, galoisKeys);
        var n = Parameters.PolyDegree;
        var rotations = new List<(int[] Permutation, KeySwitchingKey Key)>();
        var copies = 1;
        foreach (var step in steps)
        {
            if (step % Parameters.RowSize == 0)
            {
                copies++;
                continue;
            }

            var element = BgvGaloisKeys.RowRotationElement(n, step);
            rotations.Add((KeySwitching.Permutation(n, element), RotationKey(galoisKeys, element)));
        }

        var limbs = a.Level + 1;
        var c0 = a.Components[0].Clone();
        var c1 = a.Components[1].Clone();
        for (var i = 1; i < copies; i++)
        {
            PolyMath.AddInPlace(c0, a.Components[0], Ring, limbs);
            PolyMath.AddInPlace(c1, a.Components[1], Ring, limbs);
        }

        if (rotations.Count > 0)
        {
            var digits = KeySwitching.Decompose(a.Components[1], a.Level, Ring);
            var (acc0, acc1) = KeySwitching.Accumulators(a.Level, Ring);
            foreach (var (permutation, key) in rotations)
            {
                KeySwitching.Accumulate(digits, permutation, a.Level, key, acc0, acc1, Ring);
                AddPermutedInPlace(c0, a.Components[0], permutation, limbs);
            }

            var (r0, r1) = KeySwitching.DivideByP(acc0, acc1, a.Level, Ring);
            PolyMath.AddInPlace(c0, r0, Ring, limbs);
            PolyMath.AddInPlace(c1, r1, Ring, limbs);
        }

        return new BgvCiphertext(Parameters, [c0, c1], a.Level, a.CorrectionFactor);
    }

    /// <summary>Swaps the two rows (slot i ↔ slot N/2 + i); needs Galois keys created with the column swap.</summary>
    /// <exception cref="ArgumentException">The keys lack the column swap, another parameter set, or a size-3 ciphertext.</exception>
    public BgvCiphertext RotateColumns(BgvCiphertext a, BgvGaloisKeys galoisKeys) => OnCopy(a, c => RotateColumnsInPlace(c, galoisKeys));

    /// <summary>a ← a with its two rows swapped.</summary>
    /// <exception cref="ArgumentException">The keys lack the column swap, another parameter set, or a size-3 ciphertext.</exception>
    public void RotateColumnsInPlace(BgvCiphertext a, BgvGaloisKeys galoisKeys) =>
        ApplyGalois(a, BgvGaloisKeys.ColumnSwapElement(Parameters.PolyDegree), galoisKeys);

    /// <summary>
    /// Divides by the last prime q_ℓ and drops it, level ℓ → ℓ − 1: each component c becomes (c − δ)/q_ℓ with
    /// δ ≡ c (mod q_ℓ) and δ ≡ 0 (mod t), small. The noise shrinks by q_ℓ (plus a rounding term); the plaintext picks up
    /// the factor q_ℓ^-1 mod t, which the ciphertext carries and decryption removes. Slot values are unchanged.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ciphertext is at level 0.</exception>
    public BgvCiphertext ModSwitchToNext(BgvCiphertext a) => OnCopy(a, ModSwitchToNextInPlace);

    /// <summary>a ← a switched down one level.</summary>
    /// <exception cref="InvalidOperationException">The ciphertext is at level 0.</exception>
    public void ModSwitchToNextInPlace(BgvCiphertext a)
    {
        Check(a);
        if (a.Level == 0)
        {
            throw new InvalidOperationException("A level-0 ciphertext has no prime left to switch away.");
        }

        var level = a.Level;
        a.Components = [.. a.Components.Select(c => PolyMath.DivideRoundByLimb(c, level, level, level, Ring))];
        var t = Parameters.PlainModulus;
        a.CorrectionFactor = t.Multiply(a.CorrectionFactor, t.InversePrime(t.Reduce(Parameters.CiphertextModuli.Moduli[level].Value)));
        a.Level = level - 1;
        a.Seed = null;
    }

    /// <summary>The ciphertext switched down to <paramref name="level"/> (a copy when already there).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is above the ciphertext's or below 0.</exception>
    public BgvCiphertext ModSwitchTo(BgvCiphertext a, int level) => OnCopy(a, c => ModSwitchToInPlace(c, level));

    /// <summary>a ← a switched down to <paramref name="level"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is above the ciphertext's or below 0.</exception>
    public void ModSwitchToInPlace(BgvCiphertext a, int level)
    {
        Check(a);
        if (level < 0 || level > a.Level)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(level), $"The target level is between 0 and the ciphertext's level {a.Level}.");
        }

        while (a.Level > level)
        {
            ModSwitchToNextInPlace(a);
        }
    }

    /// <summary>
    /// The ciphertext re-encrypted from the switch key's source secret key to its target, same plaintext and level
    /// (a hybrid key switch adds a little noise). No secret key is needed.
    /// </summary>
    /// <exception cref="ArgumentException">Another parameter set, or a size-3 ciphertext.</exception>
    public BgvCiphertext SwitchKey(BgvCiphertext a, BgvKeySwitchKey key)
    {
        Check(a);
        ArgumentNullException.ThrowIfNull(key);
        Parameters.EnsureSame(key.Parameters, nameof(key));
        if (a.Size != 2)
        {
            ThrowHelper.Argument(nameof(a), "Key switching takes ciphertexts of size 2; relinearise first.");
        }

        var result = a.Clone();
        var (r0, r1) = KeySwitching.Switch(result.Components[1], result.Level, key.Key, Ring);
        PolyMath.AddInPlace(result.Components[0], r0, Ring, result.Level + 1);
        result.Components = [result.Components[0], r1];
        result.Seed = null;
        return result;
    }

    private void RelinearizeCore(BgvCiphertext a, BgvRelinearizationKey key)
    {
        if (a.Size == 2)
        {
            return;
        }

        var limbs = a.Level + 1;
        var (r0, r1) = KeySwitching.Switch(a.Components[2], a.Level, key.Key, Ring);
        PolyMath.AddInPlace(a.Components[0], r0, Ring, limbs);
        PolyMath.AddInPlace(a.Components[1], r1, Ring, limbs);
        a.Components = [a.Components[0], a.Components[1]];
        a.Seed = null;
    }

    private void ApplyGalois(BgvCiphertext a, int galoisElement, BgvGaloisKeys galoisKeys)
    {
        CheckRotation(a, galoisKeys);
        var key = RotationKey(galoisKeys, galoisElement);
        var c0 = KeySwitching.Automorphism(a.Components[0], galoisElement, Ring);
        var c1 = KeySwitching.Automorphism(a.Components[1], galoisElement, Ring);
        var (r0, r1) = KeySwitching.Switch(c1, a.Level, key, Ring);
        PolyMath.AddInPlace(c0, r0, Ring, a.Level + 1);
        a.Components = [c0, r1];
        a.Seed = null;
    }

    /// <summary>The checks every rotation makes: a size-2 ciphertext of this set, keys of this set.</summary>
    private void CheckRotation(BgvCiphertext a, BgvGaloisKeys galoisKeys)
    {
        Check(a);
        ArgumentNullException.ThrowIfNull(galoisKeys);
        Parameters.EnsureSame(galoisKeys.Parameters, nameof(galoisKeys));
        if (a.Size != 2)
        {
            ThrowHelper.Argument(nameof(a), "Rotations take ciphertexts of size 2; relinearise first.");
        }
    }

    /// <summary>The key of one Galois element, or a clear refusal naming it.</summary>
    private static KeySwitchingKey RotationKey(BgvGaloisKeys galoisKeys, int galoisElement)
    {
        var key = galoisKeys.Find(galoisElement);
        if (key is null)
        {
            ThrowHelper.Argument(nameof(galoisKeys), $"No Galois key for element {galoisElement}; create the keys with this rotation.");
        }

        return key;
    }

    /// <summary>target += σ(source) on the first limbs, σ given as its NTT-domain permutation.</summary>
    private void AddPermutedInPlace(RnsPolynomial target, RnsPolynomial source, int[] permutation, int limbs)
    {
        for (var l = 0; l < limbs; l++)
        {
            var q = Ring.ModulusAt(l);
            ReadOnlySpan<ulong> from = source.Limb(l);
            var to = target.Limb(l);
            for (var k = 0; k < to.Length; k++)
            {
                to[k] = q.Add(to[k], from[permutation[k]]);
            }
        }
    }

    private void AddPlainCore(BgvCiphertext a, BgvPlaintext p, bool subtract)
    {
        // The ciphertext holds f·m; the plaintext must be added as f·p.
        var lifted = p.Lift(a.Level + 1, a.CorrectionFactor);
        if (subtract)
        {
            PolyMath.SubtractInPlace(a.Components[0], lifted, Ring, a.Level + 1);
        }
        else
        {
            PolyMath.AddInPlace(a.Components[0], lifted, Ring, a.Level + 1);
        }

        lifted.Clear();
        a.Seed = null;
    }

    /// <summary>
    /// a ← a ± b. When the correction factors differ, both sides are first multiplied by small integers k_a, k_b with
    /// k_a·f_a ≡ k_b·f_b (mod t), found by the extended Euclidean algorithm, so the noise grows by |k_a| + |k_b| only.
    /// </summary>
    private void Combine(BgvCiphertext a, BgvCiphertext b, bool subtract)
    {
        var limbs = a.Level + 1;
        var other = b.Components;
        if (a.CorrectionFactor != b.CorrectionFactor)
        {
            var (ka, kb) = BalanceCorrectionFactors(a.CorrectionFactor, b.CorrectionFactor, Parameters.PlainModulus);
            foreach (var c in a.Components)
            {
                PolyMath.MultiplyScalarInPlace(c, ka, Ring, limbs);
            }

            other = [.. other.Select(c => c.Clone())];
            foreach (var c in other)
            {
                PolyMath.MultiplyScalarInPlace(c, kb, Ring, limbs);
            }

            a.CorrectionFactor = Parameters.PlainModulus.Multiply(a.CorrectionFactor, ReduceSigned(ka, Parameters.PlainModulus.Value));
        }

        if (other.Length > a.Components.Length)
        {
            a.Components = [.. a.Components, new RnsPolynomial(Parameters.PolyDegree, limbs, isNtt: true)];
        }

        for (var i = 0; i < other.Length; i++)
        {
            if (subtract)
            {
                PolyMath.SubtractInPlace(a.Components[i], other[i], Ring, limbs);
            }
            else
            {
                PolyMath.AddInPlace(a.Components[i], other[i], Ring, limbs);
            }
        }

        a.Seed = null;
    }

    /// <summary>Small (k_a, k_b), k_b invertible, with k_a·f_a ≡ k_b·f_b (mod t), minimising |k_a| + |k_b|.</summary>
    internal static (long Ka, long Kb) BalanceCorrectionFactors(ulong fa, ulong fb, Arithmetic.Modulus t)
    {
        // k_a ≡ k_b·r (mod t) with r = f_b/f_a. The remainders of Euclid's algorithm on (t, r) satisfy
        // r_i = s_i·t + u_i·r, hence r_i ≡ u_i·r: each (r_i, u_i) is a candidate, and they shrink and grow in turn.
        var r = (long)t.Multiply(fb, t.InversePrime(fa));
        var tv = (long)t.Value;
        (long Ka, long Kb) best = (Centre(r, tv), 1);
        long previous = tv, current = r, previousU = 0, currentU = 1;
        while (current != 0)
        {
            var quotient = previous / current;
            (previous, current) = (current, previous - (quotient * current));
            (previousU, currentU) = (currentU, previousU - (quotient * currentU));
            if (current != 0 && Math.Abs(current) + Math.Abs(currentU) < Math.Abs(best.Ka) + Math.Abs(best.Kb))
            {
                best = (current, currentU);
            }
        }

        return best;
    }

    private static long Centre(long v, long t) => v > t / 2 ? v - t : v;

    private static ulong ReduceSigned(long v, ulong t) => v >= 0 ? (ulong)v % t : t - ((ulong)(-v) % t);

    private void Check(BgvCiphertext a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Parameters.EnsureSame(a.Parameters, nameof(a));
    }

    private void CheckPair(BgvCiphertext a, BgvCiphertext b)
    {
        Check(a);
        ArgumentNullException.ThrowIfNull(b);
        Parameters.EnsureSame(b.Parameters, nameof(b));
        if (a.Level != b.Level)
        {
            ThrowHelper.Argument(nameof(b), $"Levels differ ({a.Level} and {b.Level}); mod-switch the higher one down first.");
        }
    }

    private void CheckPlain(BgvCiphertext a, BgvPlaintext p)
    {
        Check(a);
        ArgumentNullException.ThrowIfNull(p);
        Parameters.EnsureSame(p.Parameters, nameof(p));
    }

    /// <summary>A checked copy of <paramref name="a"/> with <paramref name="inPlace"/> applied: each operation's new-ciphertext form.</summary>
    private BgvCiphertext OnCopy(BgvCiphertext a, Action<BgvCiphertext> inPlace)
    {
        Check(a);
        var result = a.Clone();
        inPlace(result);
        return result;
    }
}
