using System.Numerics;
using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// Exact BGV decryption with one secret key: m = f^-1 · [[c0 + c1·s (+ c2·s²)]_Q_ℓ]_t. The reduction of the centred
/// CRT value modulo t is done without big integers and without branches or table lookups that depend on secret data
/// (see <see cref="Decrypt"/>). Thread-safe; does not own the key.
/// </summary>
public sealed class BgvDecryptor
{
    private readonly BgvSecretKey _secretKey;
    private readonly LevelConstants[] _levels;

    /// <summary>Creates a decryptor for <paramref name="secretKey"/> (which stays owned by the caller).</summary>
    public BgvDecryptor(BgvSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        _secretKey = secretKey;
        Parameters = secretKey.Parameters;
        _levels = [.. Enumerable.Range(0, Parameters.MaxLevel + 1).Select(l => new LevelConstants(Parameters, l))];
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>
    /// Decrypts at the ciphertext's level, size 2 or 3. Each coefficient v of c0 + c1·s (+ c2·s²) modulo Q_ℓ is
    /// reconstructed as Σ y_i·(Q_ℓ/q_i) − r·Q_ℓ with y_i = [v·(Q_ℓ/q_i)^-1]_q_i and r = round(Σ y_i/q_i) (the centred
    /// representative), and reduced modulo t term by term, then multiplied by the inverse correction factor. The sum
    /// Σ y_i/q_i is formed in double precision, whose error (below (ℓ+1)·2^-51) could only matter for a noise within a
    /// relative 2^-48 of Q_ℓ/2, where decryption fails anyway.
    /// </summary>
    /// <exception cref="ArgumentException">The ciphertext belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The secret key was disposed.</exception>
    public BgvPlaintext Decrypt(BgvCiphertext ciphertext)
    {
        var phase = Phase(ciphertext);
        var constants = _levels[ciphertext.Level];
        var t = Parameters.PlainModulus;
        var inverseCorrection = t.InversePrime(ciphertext.CorrectionFactor);
        var inverseCorrectionShoup = t.ShoupPrecompute(inverseCorrection);
        var limbs = ciphertext.Level + 1;
        var n = Parameters.PolyDegree;
        var result = new ulong[n];
        for (var j = 0; j < n; j++)
        {
            var sum = 0.0;
            ulong residue = 0;
            for (var i = 0; i < limbs; i++)
            {
                var q = Parameters.ModulusAt(i);
                var y = q.MultiplyShoup(phase.Limb(i)[j], constants.PuncturedInverse[i], constants.PuncturedInverseShoup[i]);
                sum += y * constants.InverseModulus[i];
                residue = t.Add(residue, t.MultiplyShoup(y, constants.PuncturedModT[i], constants.PuncturedModTShoup[i]));
            }

            var wraps = (ulong)(long)Math.Round(sum);
            residue = t.Subtract(residue, t.MultiplyShoup(wraps, constants.ProductModT, constants.ProductModTShoup));
            result[j] = t.MultiplyShoup(residue, inverseCorrection, inverseCorrectionShoup);
        }

        phase.Clear();
        return new BgvPlaintext(Parameters, result);
    }

    /// <summary>
    /// log2 of the largest |coefficient| of the ciphertext's noise t·e, where c0 + c1·s (+ c2·s²) = f·m + t·e with both
    /// parts centred (0 when the noise is zero). Decryption is exact while the noise stays below Q_ℓ/2, so
    /// log2(Q_ℓ) − 1 − NoiseBits is the margin left. For tests and for the key holder's calibration of the flooding σ;
    /// it uses big integers and is not constant-time, so use it on calibration ciphertexts, not on live ones.
    /// </summary>
    /// <exception cref="ArgumentException">The ciphertext belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The secret key was disposed.</exception>
    public double NoiseBits(BgvCiphertext ciphertext)
    {
        var phase = Phase(ciphertext);
        var @base = Parameters.Ring.LevelBase(ciphertext.Level);
        var modulus = @base.Product;
        var t = new BigInteger(Parameters.PlainModulus.Value);
        var largest = BigInteger.Zero;
        Span<ulong> residues = stackalloc ulong[phase.Limbs];
        for (var j = 0; j < Parameters.PolyDegree; j++)
        {
            for (var i = 0; i < residues.Length; i++)
            {
                residues[i] = phase.Limb(i)[j];
            }

            var v = @base.Compose(residues);
            if (v > modulus / 2)
            {
                v -= modulus;
            }

            var message = BigInteger.Remainder(v, t);
            if (message < 0)
            {
                message += t;
            }

            if (message > t / 2)
            {
                message -= t;
            }

            largest = BigInteger.Max(largest, BigInteger.Abs(v - message));
        }

        phase.Clear();
        return largest.IsZero ? 0 : BigInteger.Log(largest, 2);
    }

    /// <summary>c0 + c1·s (+ c2·s²) at the ciphertext's level, in coefficient form.</summary>
    private RnsPolynomial Phase(BgvCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        Parameters.EnsureSame(ciphertext.Parameters, nameof(ciphertext));
        var ring = Parameters.Ring;
        var limbs = ciphertext.Level + 1;
        var s = _secretKey.S;
        var c = ciphertext.Components;
        var phase = PolyMath.Multiply(c[1], s, ring, limbs);
        PolyMath.AddInPlace(phase, c[0], ring, limbs);
        if (c.Length == 3)
        {
            var square = PolyMath.Multiply(s, s, ring, limbs);
            var term = PolyMath.Multiply(c[2], square, ring, limbs);
            square.Clear();
            PolyMath.AddInPlace(phase, term, ring, limbs);
            term.Clear();
        }
        else if (c.Length != 2)
        {
            ThrowHelper.Argument(nameof(ciphertext), "A ciphertext has 2 or 3 components.");
        }

        PolyMath.FromNtt(phase, ring);
        return phase;
    }

    /// <summary>CRT constants of one level: (Q_ℓ/q_i)^-1 mod q_i, (Q_ℓ/q_i) mod t, Q_ℓ mod t and 1/q_i.</summary>
    private sealed class LevelConstants
    {
        public LevelConstants(BgvParameters p, int level)
        {
            var @base = p.Ring.LevelBase(level);
            var t = p.PlainModulus;
            var count = level + 1;
            PuncturedInverse = new ulong[count];
            PuncturedInverseShoup = new ulong[count];
            PuncturedModT = new ulong[count];
            PuncturedModTShoup = new ulong[count];
            InverseModulus = new double[count];
            for (var i = 0; i < count; i++)
            {
                var q = @base.Moduli[i];
                var punctured = @base.Product / q.Value;
                PuncturedInverse[i] = q.InversePrime((ulong)(punctured % q.Value));
                PuncturedInverseShoup[i] = q.ShoupPrecompute(PuncturedInverse[i]);
                PuncturedModT[i] = (ulong)(punctured % t.Value);
                PuncturedModTShoup[i] = t.ShoupPrecompute(PuncturedModT[i]);
                InverseModulus[i] = 1.0 / q.Value;
            }

            ProductModT = (ulong)(@base.Product % t.Value);
            ProductModTShoup = t.ShoupPrecompute(ProductModT);
        }

        public ulong[] PuncturedInverse { get; }

        public ulong[] PuncturedInverseShoup { get; }

        public ulong[] PuncturedModT { get; }

        public ulong[] PuncturedModTShoup { get; }

        public double[] InverseModulus { get; }

        public ulong ProductModT { get; }

        public ulong ProductModTShoup { get; }
    }
}
