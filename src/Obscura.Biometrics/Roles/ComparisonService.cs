using System.Security.Cryptography;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The comparison role: it checks the seal and the key status of a stored reference, then computes r·(score − t) on
/// ciphertexts only, with r a fresh random integer in 1…4 so the key holder learns the decision and not the score. It
/// holds evaluation keys and the public half of the sealing key. It holds no secret key, so it cannot decrypt
/// anything it handles.
/// </summary>
public sealed class ComparisonService
{
    private readonly CkksEvaluator _evaluator = new(ProtectedTemplateScheme.Parameters);
    private readonly TemplateSealVerifier _sealVerifier;
    private readonly CkksRelinearizationKey _relinearizationKey;
    private readonly CkksGaloisKeys _galoisKeys;
    private readonly IKeyStatus _keyStatus;

    /// <summary>Creates the service from public material only.</summary>
    public ComparisonService(TemplateSealVerifier sealVerifier, CkksRelinearizationKey relinearizationKey, CkksGaloisKeys galoisKeys, IKeyStatus keyStatus)
    {
        ArgumentNullException.ThrowIfNull(sealVerifier);
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        ArgumentNullException.ThrowIfNull(galoisKeys);
        ArgumentNullException.ThrowIfNull(keyStatus);
        _sealVerifier = sealVerifier;
        _relinearizationKey = relinearizationKey;
        _galoisKeys = galoisKeys;
        _keyStatus = keyStatus;
    }

    /// <summary>The encrypted, blinded comparison of a sealed reference of <paramref name="subjectId"/> with a probe.</summary>
    /// <exception cref="BrokenSealException">The reference's seal is broken or binds another subject.</exception>
    /// <exception cref="KeyRevokedException">The reference's transformation or encryption key is no longer active.</exception>
    /// <exception cref="CkksFormatException">The reference or probe is not a well-formed fresh ciphertext of the scheme.</exception>
    public byte[] Compare(SealedTemplate reference, string subjectId, byte[] probe)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(probe);
        _sealVerifier.Verify(reference, subjectId);
        _keyStatus.EnsureActive(reference.TransformationKeyId);
        _keyStatus.EnsureActive(reference.EncryptionKeyId);

        var parameters = ProtectedTemplateScheme.Parameters;
        var stored = Fresh(CkksSerializer.DeserializeCiphertext(reference.Ciphertext, parameters), "reference");
        var fresh = Fresh(CkksSerializer.DeserializeCiphertext(probe, parameters), "probe");
        var blinding = RandomNumberGenerator.GetInt32(1, ProtectedTemplateScheme.MaxBlinding + 1);
        var blinded = _evaluator.MultiplyByConstant(fresh, blinding, scale: 1);
        var product = _evaluator.Multiply(stored, blinded, _relinearizationKey);
        return CkksSerializer.Serialize(_evaluator.SumSlots(product, _galoisKeys));
    }

    private static CkksCiphertext Fresh(CkksCiphertext ciphertext, string what)
    {
        var p = ProtectedTemplateScheme.Parameters;
        if (ciphertext.Level != p.MaxLevel || ciphertext.Scale != p.DefaultScale)
        {
            throw new CkksFormatException($"The {what} is not a fresh encryption at the scheme's level and scale.");
        }

        return ciphertext;
    }
}
