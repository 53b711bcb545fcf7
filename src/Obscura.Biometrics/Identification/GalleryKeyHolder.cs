using Obscura.Biometrics.Keys;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The holder of a 1:N gallery's CKKS secret key: it decrypts each block's margins with noise flooding and returns the
/// subjects at or above the threshold. Each decryption is reserved in a budget before it runs. Reached in-process only
/// (see docs/biometrics.md, "1:N identification").
/// </summary>
public sealed class GalleryKeyHolder : IDisposable
{
    private readonly CkksEncryptor _encryptor = new(GalleryScheme.Parameters);
    private readonly CkksSecretKey _secretKey;
    private readonly NoiseFloodingDecryptor _decryptor;
    private readonly IDecryptionBudget _budget;

    /// <summary>Creates the key holder; it takes ownership of <paramref name="secretKey"/>.</summary>
    public GalleryKeyHolder(CkksSecretKey secretKey, NoiseFloodingPolicy policy, IDecryptionBudget budget)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(budget);
        _secretKey = secretKey;
        _budget = budget;
        _decryptor = new NoiseFloodingDecryptor(_encryptor, policy, budget.Used);
    }

    /// <summary>The subjects whose score reached the threshold, from each block's flooded margins.</summary>
    /// <exception cref="DecisionBudgetSpentException">The key's decryption budget is spent.</exception>
    public IReadOnlyList<string> Identify(IReadOnlyList<EncryptedBlockScores> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var matches = new List<string>();
        foreach (var block in blocks)
        {
            _budget.Reserve();
            var slots = _encryptor.Decode(_decryptor.Decrypt(_secretKey, block.Margins));
            for (var k = 0; k < block.SubjectIds.Count; k++)
            {
                var margin = k < slots.Length ? slots[k].Real : slots[k - slots.Length].Imaginary;
                if (margin >= 0)
                {
                    matches.Add(block.SubjectIds[k]);
                }
            }
        }

        return matches;
    }

    /// <inheritdoc/>
    public void Dispose() => _secretKey.Dispose();
}
