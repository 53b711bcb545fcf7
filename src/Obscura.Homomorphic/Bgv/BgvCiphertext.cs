using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// A BGV ciphertext (c0, c1) or, after a multiplication and before relinearisation, (c0, c1, c2), in NTT form modulo
/// q_0 … q_ℓ, with c0 + c1·s (+ c2·s²) = f·m + t·e: the plaintext m times a correction factor f (modulus switching
/// multiplies it by q_ℓ^-1 mod t; decryption divides it out) plus noise that is a multiple of t. Reveals nothing
/// without the secret key. The in-place operations of <see cref="BgvEvaluator"/> and
/// <see cref="BgvEncryptor.AddFloodingNoise"/> modify it, so one instance must not be shared between threads that
/// modify it.
/// </summary>
public sealed class BgvCiphertext
{
    internal BgvCiphertext(BgvParameters parameters, RnsPolynomial[] components, int level, ulong correctionFactor, byte[]? seed = null)
    {
        Parameters = parameters;
        Components = components;
        Level = level;
        CorrectionFactor = correctionFactor;
        Seed = seed;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>2, or 3 for an unrelinearised product.</summary>
    public int Size => Components.Length;

    /// <summary>Level ℓ: the ciphertext lives modulo q_0 … q_ℓ; ℓ more modulus switches are possible.</summary>
    public int Level { get; internal set; }

    /// <summary>
    /// True for a fresh symmetric encryption whose c1 is the expansion of a 32-byte seed: it serialises at about half the
    /// size. Results of evaluation, and ciphertexts changed in place, are never seeded.
    /// </summary>
    public bool IsSeeded => Seed is not null;

    /// <summary>f: the plaintext is encrypted as f·m (mod t); 1 until a modulus switch.</summary>
    internal ulong CorrectionFactor { get; set; }

    internal RnsPolynomial[] Components { get; set; }

    internal byte[]? Seed { get; set; }

    /// <summary>
    /// A deep copy, for when an in-place operation must not change this ciphertext (a stored reference, say). The copy
    /// is never seeded: it is meant to be changed.
    /// </summary>
    public BgvCiphertext Clone() => new(Parameters, [.. Components.Select(c => c.Clone())], Level, CorrectionFactor);
}
