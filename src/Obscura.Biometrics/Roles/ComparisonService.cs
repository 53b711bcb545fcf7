using System.Collections.Concurrent;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The comparison role for one generation of provider keys: it checks the seal of a stored reference and that it is
/// under this generation's encryption key, computes D = score − T on ciphertexts only, and blinds it into the
/// set-membership result of <see cref="ExactDecision"/>, so the key holder learns the decision and nothing else. It
/// holds the public key (for the flooding), the evaluation keys and the public half of the sealing key, and no secret
/// key, so it cannot decrypt anything it handles.
/// </summary>
public sealed class ComparisonService
{
    private readonly BgvEvaluator _evaluator = new(ProtectedTemplateScheme.Parameters);
    private readonly BgvEncoder _encoder = new(ProtectedTemplateScheme.Parameters);
    private readonly BgvEncryptor _encryptor = new(ProtectedTemplateScheme.Parameters);
    private readonly TemplateSealVerifier _sealVerifier;
    private readonly BgvPublicKey _publicKey;
    private readonly BgvRelinearizationKey _relinearizationKey;
    private readonly BgvGaloisKeys _galoisKeys;
    private readonly bool _galoisKeysCoverTheBlockSum;

    /// <summary>Creates the service from public material only.</summary>
    public ComparisonService(string encryptionKeyId, TemplateSealVerifier sealVerifier, BgvPublicKey publicKey, BgvRelinearizationKey relinearizationKey, BgvGaloisKeys galoisKeys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encryptionKeyId);
        ArgumentNullException.ThrowIfNull(sealVerifier);
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        ArgumentNullException.ThrowIfNull(galoisKeys);
        EncryptionKeyId = encryptionKeyId;
        _sealVerifier = sealVerifier;
        _publicKey = publicKey;
        _relinearizationKey = relinearizationKey;
        _galoisKeys = galoisKeys;
        _galoisKeysCoverTheBlockSum = ProtectedTemplateScheme.RotationSteps.All(galoisKeys.Contains);
    }

    /// <summary>The encryption key this service compares under.</summary>
    public string EncryptionKeyId { get; }

    /// <summary>The encrypted, blinded comparison of a sealed reference of <paramref name="subjectId"/> with a probe.</summary>
    /// <exception cref="BrokenSealException">The reference's seal is broken or binds another subject.</exception>
    /// <exception cref="KeyRevokedException">The reference is under another encryption key.</exception>
    /// <exception cref="BgvFormatException">The reference or probe is not a well-formed fresh ciphertext of the scheme.</exception>
    public byte[] Compare(SealedTemplate reference, string subjectId, byte[] probe)
    {
        var (difference, count) = Difference(reference, subjectId, probe);
        return ExactDecision.Serialize(ExactDecision.Blind(_evaluator, _encoder, _encryptor, _publicKey, difference, count));
    }

    /// <summary>
    /// D = score − T in every slot, before blinding (tests measure its noise; it is never sent), and the number of
    /// result ciphertexts the probe asks for.
    /// </summary>
    internal (BgvCiphertext Difference, int ResultCiphertexts) Difference(SealedTemplate reference, string subjectId, byte[] probe)
    {
        var (count, ciphertext) = ExactDecision.UnwrapProbe(probe);
        if (!_galoisKeysCoverTheBlockSum)
        {
            // Key rotation (which needs no Galois keys) still works, so the way out is to rotate.
            throw new InvalidOperationException(
                $"The Galois keys of encryption key {EncryptionKeyId} lack rotations the comparison needs (they predate the hoisted block sum); rotate the provider keys (`obscura faces rotate-keys`) to make new ones.");
        }

        var stored = Open(reference, subjectId);
        var fresh = Fresh(BgvSerializer.DeserializeCiphertext(ciphertext, ProtectedTemplateScheme.Parameters), "probe");
        return (ProtectedTemplateScheme.Compare(_evaluator, stored, fresh, _relinearizationKey, _galoisKeys), count);
    }

    /// <summary>
    /// Key rotation: the reference re-encrypted under the switch key's target, on ciphertexts only. The seal is checked
    /// first, so only genuine templates are carried over to the new key.
    /// </summary>
    /// <exception cref="BrokenSealException">The reference's seal is broken or binds another subject.</exception>
    /// <exception cref="KeyRevokedException">The reference is under another encryption key.</exception>
    public byte[] SwitchKey(SealedTemplate reference, string subjectId, BgvKeySwitchKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return BgvSerializer.Serialize(_evaluator.SwitchKey(Open(reference, subjectId), key));
    }

    private BgvCiphertext Open(SealedTemplate reference, string subjectId)
    {
        ArgumentNullException.ThrowIfNull(reference);
        _sealVerifier.Verify(reference, subjectId);
        if (reference.EncryptionKeyId != EncryptionKeyId)
        {
            throw new KeyRevokedException(reference.EncryptionKeyId);
        }

        return Fresh(BgvSerializer.DeserializeCiphertext(reference.Ciphertext, ProtectedTemplateScheme.Parameters), "reference");
    }

    private static BgvCiphertext Fresh(BgvCiphertext ciphertext, string what)
    {
        if (ciphertext.Level != ProtectedTemplateScheme.Parameters.MaxLevel || ciphertext.Size != 2)
        {
            throw new BgvFormatException($"The {what} is not a fresh encryption at the scheme's top level.");
        }

        return ciphertext;
    }
}

/// <summary>
/// The comparison role across key generations: one <see cref="ComparisonService"/> per provider encryption key,
/// built from public material fetched from the key holder when a reference under a key it has not seen arrives (after
/// a rotation). It holds no provider secret: only the key holder's public interface, its decision interface, and its
/// own attestation key, with which it signs what each result was computed from. It relays the key holder's decision,
/// encrypted to the capture side, without being able to read it. The attestation key stays its opener's to dispose.
/// </summary>
public sealed class ComparisonRole(IProviderPublicKeys keys, IKeyHolderDecisions decisions, ComparisonAttester attester) : IComparisonRole
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ComparisonService>>> _services = new(StringComparer.Ordinal);

    /// <summary>The public half of the attestation key, which the key holder pins.</summary>
    public byte[] AttestationKey => attester.PublicKey;

    /// <inheritdoc/>
    public async Task<SealedDecision> CompareAsync(SealedTemplate reference, string subjectId, byte[] probe, byte[] ticketNonce, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(ticketNonce);
        var result = (await ServiceForAsync(reference.EncryptionKeyId, cancellationToken).ConfigureAwait(false)).Compare(reference, subjectId, probe);
        return await decisions.DecideAsync(attester.Attest(ticketNonce, reference, probe, result), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<byte[]> SwitchKeyAsync(SealedTemplate reference, string subjectId, string targetEncryptionKeyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var service = await ServiceForAsync(reference.EncryptionKeyId, cancellationToken).ConfigureAwait(false);
        var switchKey = BgvSerializer.DeserializeKeySwitchKey(
            await keys.GetRotationKeyAsync(reference.EncryptionKeyId, targetEncryptionKeyId, cancellationToken).ConfigureAwait(false),
            ProtectedTemplateScheme.Parameters);
        return service.SwitchKey(reference, subjectId, switchKey);
    }

    private async Task<ComparisonService> ServiceForAsync(string? encryptionKeyId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(encryptionKeyId))
        {
            throw new BrokenSealException("The sealed template names no encryption key.");
        }

        var lazy = _services.GetOrAdd(encryptionKeyId, id => new Lazy<Task<ComparisonService>>(() => LoadAsync(id)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A failed load (unknown key, key holder unreachable) is not cached: the next call asks again.
            _services.TryRemove(new KeyValuePair<string, Lazy<Task<ComparisonService>>>(encryptionKeyId, lazy));
            throw;
        }
    }

    private async Task<ComparisonService> LoadAsync(string encryptionKeyId)
    {
        var material = await keys.GetPublicMaterialAsync(CancellationToken.None).ConfigureAwait(false);

        // Retired generations go: each holds megabytes of evaluation keys, and the key holder no longer decides for them.
        foreach (var cached in _services.Keys.Where(id => id != encryptionKeyId && material.Generation(id) is null))
        {
            _services.TryRemove(cached, out _);
        }

        var generation = material.Generation(encryptionKeyId) ?? throw new KeyRevokedException(encryptionKeyId);
        var evaluation = await keys.GetEvaluationKeysAsync(encryptionKeyId, CancellationToken.None).ConfigureAwait(false);
        var p = ProtectedTemplateScheme.Parameters;
        return new ComparisonService(
            encryptionKeyId,
            new TemplateSealVerifier(generation.SealingKeyId, generation.SealPublicKey),
            BgvSerializer.DeserializePublicKey(generation.PublicKey, p),
            BgvSerializer.DeserializeRelinearizationKey(evaluation.Relinearization, p),
            BgvSerializer.DeserializeGaloisKeys(evaluation.Galois, p));
    }
}
