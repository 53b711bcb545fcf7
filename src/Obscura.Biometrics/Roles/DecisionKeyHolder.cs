using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The key holder's decryption: the only code with the provider's homomorphic secret key. It decrypts a blinded
/// comparison result exactly and answers whether it holds a 0 (<see cref="ExactDecision.ContainsZero"/>), which is
/// the match bit and nothing else. Decryption is exact and its output a deterministic function of the plaintext, so,
/// unlike the earlier approximate scheme, a decision leaks no noise and no decision budget limits a key.
/// </summary>
public sealed class DecisionKeyHolder : IDisposable
{
    private readonly BgvEncoder _encoder = new(ProtectedTemplateScheme.Parameters);
    private readonly BgvSecretKey _secretKey;
    private readonly BgvDecryptor _decryptor;

    /// <summary>Creates the key holder; it takes ownership of <paramref name="secretKey"/>.</summary>
    public DecisionKeyHolder(BgvSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        _secretKey = secretKey;
        _decryptor = new BgvDecryptor(secretKey);
    }

    /// <summary>Decrypts a blinded comparison result and returns whether the score reached the threshold.</summary>
    /// <exception cref="BgvFormatException">Not a comparison result of the scheme.</exception>
    public bool Decide(byte[] encryptedComparison) => Decide(ParseResult(encryptedComparison));

    /// <summary>The decision on a parsed result.</summary>
    internal bool Decide(IReadOnlyList<BgvCiphertext> result) => ExactDecision.ContainsZero(_decryptor, _encoder, result);

    /// <summary>A serialised comparison result (<see cref="ExactDecision.Parse"/>).</summary>
    /// <exception cref="BgvFormatException">It is not one.</exception>
    internal static BgvCiphertext[] ParseResult(byte[] encryptedComparison) => ExactDecision.Parse(encryptedComparison);

    /// <inheritdoc/>
    public void Dispose() => _secretKey.Dispose();
}
